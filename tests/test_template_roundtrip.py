"""Template round trip for forms A, B and C: generate for a unit and month → read back with openpyxl (title,
填报单位/统计期, region rows, dropdowns, 填表说明, locked header) → fill programmatically the way a clerk would
(picking dropdown values) → upload → loaded with no error."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from builders import TODAY, a1_row, a2_row, a3_row, a4_row, b1_row, c1_row

from auth.viewer import PROVINCE_ADMIN, Viewer
from dashboard import upload as up
from etl.formdefs import load_form
from etl.ingest import ingest

PERIOD = "2025-03"
CITY = Viewer("tonghua", "city", "220500")
COUNTY = Viewer("dongchang", "county", "220502")
TONGHUA_ROWS = [
    ("市本级", "220500"),
    ("东昌区", "220502"),
    ("二道江区", "220503"),
    ("通化县", "220521"),
    ("辉南县", "220523"),
    ("柳河县", "220524"),
    ("集安市", "220582"),
]


@pytest.fixture
def wh(empty_warehouse):
    return empty_warehouse


def template(wh, viewer, form: str, code: str | None = "220500") -> tuple[openpyxl.Workbook, str]:
    content, name, _ = up.make_template(wh, viewer, form, PERIOD, code)
    return openpyxl.load_workbook(io.BytesIO(content)), name


def first_data_row(sheet) -> int:
    return 5 if sheet.has_two_level_header else 4  # title, unit/period, header (1 or 2 rows), 1-based


def validations(ws) -> dict[str, str]:
    """{column letter: list source} of the sheet's dropdowns."""
    return {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1 for dv in ws.data_validations.dataValidation}


def code_list(book, source: str) -> list[str]:
    """The values a dropdown offers (its source range on the hidden 代码表 sheet)."""
    sheet, ref = source.lstrip("=").split("!")
    ws = book[sheet.strip("'")]
    return [c.value for row in ws[ref.replace("$", "")] for c in row if c.value is not None]


@pytest.mark.parametrize("form", ["A", "B", "C"])
def test_generated_template_has_what_the_clerk_needs(wh, form):
    book, name = template(wh, CITY, form)
    definition = load_form(form)
    assert name.startswith("通化市2025年3月")
    assert book.sheetnames == [s.name for s in definition.sheets] + ["填表说明", "代码表"]
    assert book["代码表"].sheet_state == "hidden"
    for sheet in definition.sheets:
        ws = book[sheet.name]
        assert ws["A1"].value == sheet.title
        row2 = [c.value for c in ws[2] if c.value]
        assert row2 == ["填报单位（盖章）：通化市人力资源和社会保障局", "统计期：2025年3月"]
        assert ws.protection.sheet is True
        header = ws[3][0]
        assert header.value == sheet.columns[0].header and header.protection.locked is True
        first = first_data_row(sheet)
        assert ws.cell(first, 3).protection.locked is False
        if sheet.layout == "wide":
            listed = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(first, first + len(TONGHUA_ROWS))]
            assert listed == TONGHUA_ROWS
    guide = [row for row in book["填表说明"].iter_rows(min_row=5, values_only=True) if row[0]]
    assert {row[2] for row in guide if row[2]} >= {c.key for s in definition.sheets for c in s.columns}
    assert any(row[1] == "错误" for row in guide) and not any(
        " A " in (row[2] or "") for row in guide if row[1] == "错误"
    )


def test_dropdowns_for_industry_dispute_type_status_level_and_step(wh):
    book_a, _ = template(wh, CITY, "A")
    book_c, _ = template(wh, CITY, "C")
    offered = {
        "分行业 行业门类": code_list(book_a, validations(book_a["分行业"])["C"]),
        "重大集体争议 争议类型": code_list(book_a, validations(book_a["重大集体争议"])["J"]),
        "重大集体争议 处置状态": code_list(book_a, validations(book_a["重大集体争议"])["L"]),
        "预警信息 预警等级": code_list(book_a, validations(book_a["预警信息"])["K"]),
        "预警信息 处置状态": code_list(book_a, validations(book_a["预警信息"])["M"]),
        "工作台账 当前环节": code_list(book_c, validations(book_c["工作台账"])["M"]),
    }
    assert offered["分行业 行业门类"][2] == "C 制造业" and len(offered["分行业 行业门类"]) == 20
    assert offered["重大集体争议 争议类型"] == [
        "劳动报酬",
        "社会保险",
        "解除终止劳动合同",
        "经济补偿",
        "工伤待遇",
        "工作时间休息休假",
        "其他",
    ]
    assert offered["重大集体争议 处置状态"] == ["未化解", "处置中", "已化解"]
    assert offered["预警信息 预警等级"] == ["红", "橙", "黄", "蓝"]
    assert offered["预警信息 处置状态"] == ["未处置", "处置中", "已办结"]
    assert offered["工作台账 当前环节"] == ["1 任务部署", "2 推进落实", "3 督导检查", "4 考核评估", "5 闭环销号"]


def fill(book, form: str, data: dict[str, list[dict]]) -> bytes:
    """Type values into the template as a clerk would: wide sheets into the pre-listed region rows, long
    sheets row by row from the first data row; dropdown columns get the dropdown's text."""
    definition = load_form(form)
    industries = dict(v.split(" ", 1) for v in code_list(book, validations(book["分行业"])["C"])) if form == "A" else {}
    for sheet in definition.sheets:
        rows = data.get(sheet.name, [])
        ws = book[sheet.name]
        first = first_data_row(sheet)
        keys = [c.key for c in sheet.columns]
        if sheet.layout == "wide":
            where = {ws.cell(r, 2).value: r for r in range(first, first + 20) if ws.cell(r, 2).value}
        for i, row in enumerate(rows):
            r = where[row["region_code"]] if sheet.layout == "wide" else first + i
            for c, key in enumerate(keys, 1):
                if key in ("region_name", "region_code") and sheet.layout == "wide":
                    continue
                value = row.get(key)
                col = sheet.column(key)
                if value is None:
                    continue
                if col.type == "industry":
                    value = f"{value} {industries[value]}"
                elif col.type == "step":
                    value = ["1 任务部署", "2 推进落实", "3 督导检查", "4 考核评估", "5 闭环销号"][value - 1]
                elif col.type == "yesno":
                    value = "是" if value else "否"
                elif isinstance(value, dt.date):
                    value = dt.datetime.combine(value, dt.time())
                ws.cell(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def tonghua_a1() -> list[dict]:
    return [a1_row(code, scale=i + 1) for i, (_, code) in enumerate(TONGHUA_ROWS)]


def test_form_a_round_trip(wh):
    book, name = template(wh, CITY, "A")
    content = fill(
        book,
        "A",
        {
            "调解情况": tonghua_a1(),
            "分行业": [a2_row("220502"), a2_row("220521", industry="E")],
            "重大集体争议": [a3_row("220524")],
            "预警信息": [a4_row("220582")],
        },
    )
    result = ingest(
        wh, content, name, today=TODAY, allowed_regions=set(c for _, c in TONGHUA_ROWS), scope_name="通化市"
    )
    assert (result.status, result.errors, result.form, result.period) == ("loaded", [], "A", PERIOD)
    assert result.rows == {"调解情况": 7, "分行业": 2, "重大集体争议": 1, "预警信息": 1}
    assert wh.query("select region_code, accepted_total from v_mediation order by region_code").rows() == [
        (code, 10 * (i + 1)) for i, (_, code) in sorted(enumerate(TONGHUA_ROWS), key=lambda x: x[1][1])
    ]
    assert wh.query("select region_code, industry_code from v_mediation_industry order by 1").rows() == [
        ("220502", "C"),
        ("220521", "E"),
    ]


def test_form_b_round_trip(wh):
    book, name = template(wh, CITY, "B")
    index = wh.region_index()
    rows = [b1_row(code, townships=index.get(code).townships_ref) for _, code in TONGHUA_ROWS]
    result = ingest(wh, fill(book, "B", {"组织建设": rows}), name, today=TODAY)
    assert (result.status, result.errors, result.form, result.rows) == ("loaded", [], "B", {"组织建设": 7})
    assert wh.scalar("select sum(mediators) from v_org_building where period = ?", [PERIOD]) == 7 * 30


def test_form_c_round_trip(wh):
    book, name = template(wh, CITY, "C")
    rows = [
        c1_row("220500", "TH-01"),
        c1_row("220502", "DC-01", step=5, closed_on=dt.date(2025, 3, 20), done_value=10),
        c1_row("220502", "DC-02", step=3),
    ]
    result = ingest(wh, fill(book, "C", {"工作台账": rows}), name, today=TODAY)
    assert (result.status, result.errors, result.form, result.rows) == ("loaded", [], "C", {"工作台账": 3})
    assert wh.query("select region_code, task_id, step from v_ledger order by 1, 2").rows() == [
        ("220500", "TH-01", 2),
        ("220502", "DC-01", 5),
        ("220502", "DC-02", 3),
    ]


def test_a_county_template_lists_only_its_region_and_loads_in_its_scope(wh):
    book, name = template(wh, COUNTY, "A", "220502")
    assert name == "东昌区2025年3月劳动人事争议调解情况月报.xlsx"
    ws = book["调解情况"]
    assert [c.value for c in ws[2] if c.value][0] == "填报单位（盖章）：东昌区人力资源和社会保障局"
    assert (ws.cell(5, 1).value, ws.cell(5, 2).value) == ("东昌区", "220502") and ws.cell(6, 1).value.startswith(
        "填表说明"
    )
    scope = up.upload_scope(wh, COUNTY)
    fc = up.check_file(wh, scope, fill(book, "A", {"调解情况": [a1_row("220502")]}), name, today=TODAY)
    assert fc.result.errors == [] and fc.result.rows == {"调解情况": 1, "分行业": 0, "重大集体争议": 0, "预警信息": 0}


def test_templates_only_for_the_viewers_own_unit(wh):
    assert [c for c, _ in up.template_units(wh, CITY)] == ["220500"]
    assert [c for c, _ in up.template_units(wh, COUNTY)] == ["220502"]
    assert len(up.template_units(wh, PROVINCE_ADMIN)) == 12  # a blank one and the 11 reporting units
    with pytest.raises(PermissionError):
        up.make_template(wh, CITY, "A", PERIOD, "220600")
