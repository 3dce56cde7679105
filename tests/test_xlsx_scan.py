"""The container scan's quick proof answers exactly what the exact scan answers, or steps aside for it."""

from __future__ import annotations

import sys

import pytest
from builders import a1_row, form_workbook
from conftest import ROOT, SAMPLES

import etl.xlsx_scan as xlsx_scan
from etl.issues import FileRejected
from etl.limits import sheet_limits
from etl.xlsx_scan import exact_scan, quick_scan, scan_xlsx

sys.path.insert(0, str(ROOT / "tests" / "hostile"))
from hostile_files import MAIN, add_rows, all_cases, base, formulas_without_values, with_cell  # noqa: E402

LIMITS = sheet_limits()
EXPANDED_MB = 200
XLSX_CASES = [case for case in all_cases() if case.name.endswith(".xlsx") and "name" not in case.tags]


def exact(content: bytes):
    try:
        return exact_scan(content, LIMITS, max_expanded_mb=EXPANDED_MB)
    except FileRejected as refused:
        return refused.issue.code


def quick(content: bytes):
    return quick_scan(content, LIMITS, max_expanded_mb=EXPANDED_MB)


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.xlsx")), ids=lambda p: p.name)
def test_every_sample_is_read_by_the_quick_proof_with_the_exact_answer(path):
    content = path.read_bytes()
    assert quick(content) is not None  # the samples come from Excel, WPS and openpyxl: the ordinary case is quick
    assert quick(content) == exact(content)


def test_a_downloaded_template_is_read_by_the_quick_proof():
    content = form_workbook("A", {"调解情况": [a1_row("220502")]})
    assert quick(content) is not None and quick(content) == exact(content)


def test_formulas_with_cached_values_are_proven_and_counted_like_any_value():
    scans = quick(base())  # the 通化 sample's 合计 cells are =SUM(…) with their values
    assert scans is not None and scans == exact(base())
    assert (scans[MAIN].rows, scans[MAIN].cols) == (14, 25)


def test_the_last_row_and_column_inside_the_limits_are_proven():
    content = add_rows(b'<row r="6345"><c r="CV6345"><v>7</v></c></row>')
    assert quick(content) == exact(content)
    assert (quick(content)[MAIN].rows, quick(content)[MAIN].cols) == (6345, 100)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(add_rows(b'<row r="6346"><c r="A6346"><v>1</v></c></row>'), id="a row beyond the limit"),
        pytest.param(add_rows(b'<row r="20"><c r="CW20"><v>1</v></c></row>'), id="a column beyond the limit"),
        pytest.param(formulas_without_values(), id="formulas without cached values"),
        pytest.param(with_cell("D5", b'<c r="D5" t="e"><v>#REF!</v></c>'), id="an error cell"),
        pytest.param(add_rows(b'<row r="20"><c><v>1</v></c></row>'), id="a cell without its reference"),
        pytest.param(add_rows(b"<row r='20'><c r='A20'><v>1</v></c></row>"), id="single-quoted attributes"),
        pytest.param(add_rows(b'<row r="20"><c r="a20"><v>1</v></c></row>'), id="a lower-case reference"),
        pytest.param(add_rows(b'<row r="20"><c r="A20" t="str"><v></v></c></row>'), id="an empty string value"),
        pytest.param(add_rows(b'<row r="20"><c r="A20"></c></row>'), id="an open cell without value"),
        pytest.param(add_rows(b'<!-- <c r="ZZ9"><v>1</v></c> --><row r="20"/>'), id="a comment"),
        pytest.param(add_rows(b'<row r="20"><c r="A20"><v><![CDATA[1]]></v></c></row>'), id="CDATA"),
        pytest.param(add_rows(b'<?pi <c r="ZZ9"><v>1</v></c> ?>'), id="a processing instruction"),
        pytest.param(
            add_rows(b'<row r="20"><x:c xmlns:x="urn:x" r="CW20"><x:v>1</x:v></x:c></row>'), id="a namespace prefix"
        ),
    ],
)
def test_what_the_proof_cannot_read_plainly_goes_to_the_exact_scan(content):
    assert quick(content) is None


@pytest.mark.parametrize("case", XLSX_CASES, ids=lambda case: case.name)
def test_a_hostile_file_gets_the_exact_scans_answer(case):
    """Refused files are never proven (a refusal, its cell and its message are the exact scan's alone); a file the
    proof accepts gets exactly the exact scan's result."""
    content = case.build()
    proven = quick(content)
    assert proven is None or proven == exact(content)


def test_the_scan_takes_the_proof_when_it_applies(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the exact scan ran")

    expected = exact(base())
    monkeypatch.setattr(xlsx_scan, "exact_scan", refuse)
    assert scan_xlsx(base(), LIMITS, max_expanded_mb=EXPANDED_MB) == expected


def test_the_scan_refuses_with_the_exact_scans_cell_when_the_proof_steps_aside():
    content = add_rows(b'<row r="6346"><c r="A6346"><v>1</v></c></row>')
    with pytest.raises(FileRejected) as refused:
        scan_xlsx(content, LIMITS, max_expanded_mb=EXPANDED_MB)
    assert (refused.value.issue.code, refused.value.issue.sheet, refused.value.issue.cell) == (
        "sheet_too_large",
        MAIN,
        "A6346",
    )
