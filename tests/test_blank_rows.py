"""An unfilled template must not overwrite real figures with zeros."""

from etl.formdefs import load_form
from etl.ingest import check
from etl.template import write_workbook


def _meihekou_rows(*, filled: bool) -> list[dict]:
    figures = (
        {
            "accepted_total": 3,
            "accepted_enterprise": 3,
            "closed_total": 2,
            "succeeded_total": 1,
            "succeeded_enterprise": 1,
            "workers": 3,
            "amount_wan": 4.5,
        }
        if filled
        else {}
    )
    return [{"region_name": "梅河口市", "region_code": "220581", **figures}]


def test_blank_template_is_refused_with_the_first_figure_cell(empty_warehouse):
    index = empty_warehouse.region_index()
    content = write_workbook(load_form("A"), period="2025-03", unit=index.get("220581"), regions=[index.get("220581")])
    result = check(empty_warehouse, content, "blank.xlsx")
    assert [(e.code, e.sheet, e.cell) for e in result.errors] == [("sheet_blank", "调解情况", "C5")]


def test_one_blank_region_row_is_loaded_as_zeros_with_a_warning(empty_warehouse):
    index = empty_warehouse.region_index()
    rows = [
        {
            "region_name": "市本级",
            "region_code": "220500",
            "accepted_total": 2,
            "accepted_arbitration": 2,
            "closed_total": 2,
            "succeeded_total": 1,
            "succeeded_arbitration": 1,
            "workers": 2,
        },
        {"region_name": "东昌区", "region_code": "220502"},
    ]
    content = write_workbook(load_form("A"), period="2025-03", unit=index.get("220500"), data={"调解情况": rows})
    result = check(empty_warehouse, content, "partly.xlsx")
    assert result.errors == []
    assert [(w.code, w.cell) for w in result.warnings] == [("row_blank", "C6")]
