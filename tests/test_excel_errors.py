"""Excel error values (#REF!, #DIV/0!) are refused cell by cell, never loaded as 0."""

import io

import openpyxl

from etl.formdefs import load_form
from etl.ingest import check
from etl.template import write_workbook


def _meihekou_with_error_in(cell: str, code: str) -> bytes:
    rows = [
        {
            "region_name": "梅河口市",
            "region_code": "220581",
            "accepted_total": 3,
            "accepted_enterprise": 3,
            "closed_total": 2,
            "succeeded_total": 1,
            "succeeded_enterprise": 1,
            "workers": 3,
        }
    ]
    book = openpyxl.load_workbook(io.BytesIO(write_workbook(load_form("A"), period="2025-03", data={"调解情况": rows})))
    target = book["调解情况"][cell]
    target.value, target.data_type = code, "e"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_error_value_in_a_count_cell_rejects_the_file_at_that_cell(empty_warehouse):
    result = check(empty_warehouse, _meihekou_with_error_in("I5", "#DIV/0!"), "broken.xlsx")
    assert [(e.code, e.sheet, e.cell, e.column) for e in result.errors] == [
        ("excel_error", "调解情况", "I5", "closed_total")
    ]
    assert "#DIV/0!" in result.errors[0].message


def test_error_value_in_an_optional_rate_cell_is_refused_too(empty_warehouse):
    result = check(empty_warehouse, _meihekou_with_error_in("P5", "#REF!"), "broken.xlsx")
    assert [(e.code, e.cell) for e in result.errors] == [("excel_error", "P5")]
