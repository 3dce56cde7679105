"""The reader's limits come from the form definitions, and each one is enforced before a dense grid exists."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

from etl.issues import FileRejected
from etl.limits import MARGIN, TEXT_PER_CELL, SheetLimits, sheet_limits
from etl.reader import read_grids

sys.path.insert(0, str(ROOT / "tests" / "hostile"))
from hostile_files import MAIN, add_rows, base, formulas_without_values, rename_hidden_with_visible_copy  # noqa: E402


def test_the_limits_are_what_the_forms_hold_times_the_margin():
    # 79 regions × 20 industries (分行业, the longest sheet) × 4 + 25 header rows; 25 columns (调解情况) × 4
    assert (MARGIN, TEXT_PER_CELL) == (4, 50)
    assert sheet_limits() == SheetLimits(
        max_rows=25 + 4 * 79 * 20,
        max_cols=4 * 25,
        max_cells=4 * 6345 * 100,
        max_merges=6345,
        max_text_chars=50 * 6345 * 100,
    )


def refusal(content: bytes) -> tuple[str, str | None, str | None]:
    with pytest.raises(FileRejected) as refused:
        read_grids(content)
    issue = refused.value.issue
    return issue.code, issue.sheet, issue.cell


def test_the_last_row_and_column_inside_the_limits_are_read():
    grids = read_grids(add_rows(b'<row r="6345"><c r="CV6345"><v>7</v></c></row>'))
    assert (len(grids[MAIN].rows), grids[MAIN].width, grids[MAIN].value(6344, 99)) == (6345, 100, 7.0)


def test_one_row_or_column_beyond_the_limits_is_refused_naming_the_cell():
    assert [
        refusal(add_rows(xml))
        for xml in (b'<row r="6346"><c r="A6346"><v>1</v></c></row>', b'<row r="20"><c r="CW20"><v>1</v></c></row>')
    ] == [("sheet_too_large", MAIN, "A6346"), ("sheet_too_large", MAIN, "CW20")]


def test_empty_formatted_cells_far_away_do_not_count_as_content():
    grids = read_grids(add_rows(b'<row r="900000"><c r="A900000" s="1"/></row>'))
    assert len(grids[MAIN].rows) == 14


def test_formulas_saved_without_values_are_marked_on_the_grid():
    grid = read_grids(formulas_without_values())[MAIN]
    assert grid.uncached[:3] == [(4, 2), (4, 9), (4, 15)]  # C5, J5, P5: the 合计 formulas of 市本级


def test_hidden_sheets_are_marked_on_the_grid():
    grids = read_grids(rename_hidden_with_visible_copy())
    assert {name: grid.hidden for name, grid in grids.items() if name.startswith(MAIN)} == {
        "调解情况": True,
        "调解情况（新）": False,
    }


def test_an_ordinary_sample_passes_the_scan_unchanged():
    grids = read_grids(base())
    assert [(n, len(g.rows), g.width, g.hidden, g.uncached) for n, g in grids.items()] == [
        ("调解情况", 14, 25, False, []),
        ("分行业", 48, 7, False, []),
        ("重大集体争议", 8, 14, False, []),
        ("预警信息", 8, 14, False, []),
    ]


def test_an_unforeseen_error_inside_the_scan_is_a_refusal_not_a_crash(monkeypatch):
    import etl.xlsx_scan

    def broken(*args, **kwargs):
        raise IndexError("a structure nobody foresaw")

    monkeypatch.setattr(etl.xlsx_scan, "scan_xlsx", broken)
    assert refusal(base()) == ("unreadable", None, None)
