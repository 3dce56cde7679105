"""forms.md "Parsing tolerance": every accepted cell variant and every rejection, first on the converters
(etl/cells.py), then through a real workbook read by calamine (numbers stored as text, dates as Excel dates)."""

from __future__ import annotations

import datetime as dt

import pytest
from builders import a1_row, c1_row, form_workbook, grid_workbook, sheet_grid, with_stored_number

from etl import cells
from etl.formdefs import load_form
from etl.issues import CellError
from etl.parser import parse_workbook
from etl.reader import read_grids
from etl.regions import reference_index

MARCH_5 = dt.date(2025, 3, 5)
EXCEL_2025_01_01 = 45658  # 2024-01-01 is serial 45292, plus 366 days of 2024

# ------------------------------------------------------------------ counts

COUNTS = [
    (12, 12),
    (12.0, 12),
    ("12", 12),
    (" 12 ", 12),
    ("\u300012\u3000", 12),
    ("1,260", 1260),
    ("1，260", 1260),
    ("１２６０", 1260),
    ("１，２６０", 1260),
    ("12,345,678", 12345678),
    ("1 260", 1260),
    ("+5", 5),
    # '-', '—', '/', '无' and empty are 0 in count columns
    ("-", 0),
    ("—", 0),
    ("–", 0),
    ("－", 0),
    ("/", 0),
    ("无", 0),
    ("", 0),
    (None, 0),
    ("   ", 0),
    ("--", 0),
]


@pytest.mark.parametrize("raw,expected", COUNTS, ids=[repr(r) for r, _ in COUNTS])
def test_count_accepts(raw, expected):
    assert cells.to_int(raw) == expected
    assert type(cells.to_int(raw)) is int


REJECTED_COUNTS = [
    ("十二", "not_a_number"),
    ("12件", "not_a_number"),
    ("约10", "not_a_number"),
    ("1.2.3", "not_a_number"),
    (-3, "negative"),
    ("-3", "negative"),
    ("－3", "negative"),
    (2.5, "fraction"),
    ("2.5", "fraction"),
    ("1,260.5", "fraction"),
    (dt.datetime(2025, 3, 5), "not_a_number"),
    (True, "not_a_number"),
]


@pytest.mark.parametrize("raw,code", REJECTED_COUNTS, ids=[repr(r) for r, _ in REJECTED_COUNTS])
def test_count_rejects(raw, code):
    with pytest.raises(CellError) as err:
        cells.to_int(raw)
    assert err.value.code == code
    assert err.value.what and err.value.fix  # Chinese reason and fix


def test_empty_stays_empty_where_zero_is_not_meant():
    assert cells.to_int("", empty_is_zero=False) is None
    assert cells.to_plain_number("-") is None
    assert cells.to_plain_number("1,200.5") == 1200.5


def test_money_two_places_not_negative():
    assert cells.to_decimal("1,234.5") == 1234.5
    assert cells.to_decimal("12.3") == 12.3
    assert cells.to_decimal("-") == 0
    with pytest.raises(CellError) as err:
        cells.to_decimal("-0.5")
    assert err.value.code == "negative"


# ------------------------------------------------------------------ rates (stored in percent)

RATES = [
    (85.3, 85.3),
    ("85.3", 85.3),
    ("85.3%", 85.3),
    (" 85.3 % ", 85.3),
    ("８５．３％", 85.3),
    (0.853, 85.3),
    ("0.853", 85.3),
    (1, 100.0),
    ("1%", 1.0),
    ("100", 100.0),
    ("-", None),
    ("", None),
]


@pytest.mark.parametrize("raw,expected", RATES, ids=[repr(r) for r, _ in RATES])
def test_rate_variants(raw, expected):
    """A value written with % is a percent; a value ≤ 1 without % is a fraction; otherwise a percent."""
    got = cells.to_rate_pct(raw)
    assert got == (pytest.approx(expected) if expected is not None else None)


# ------------------------------------------------------------------ dates

DATES = [
    (dt.datetime(2025, 3, 5), MARCH_5),
    (MARCH_5, MARCH_5),
    (EXCEL_2025_01_01 + 31 + 28 + 4, MARCH_5),
    ("2025-03-05", MARCH_5),
    ("2025-3-5", MARCH_5),
    ("2025/3/5", MARCH_5),
    ("2025/03/05", MARCH_5),
    ("2025年3月5日", MARCH_5),
    ("2025年03月05日", MARCH_5),
    ("2025.3.5", MARCH_5),
    (" 2025.3.5 ", MARCH_5),
    ("２０２５年３月５日", MARCH_5),
    ("2025-03-05 00:00:00", MARCH_5),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize("raw,expected", DATES, ids=[repr(r) for r, _ in DATES])
def test_date_variants(raw, expected):
    assert cells.to_date(raw) == expected


@pytest.mark.parametrize("raw", ["2025-02-30", "2025年13月1日", "下周", "3月5日", "20250305", 12])
def test_date_rejects(raw):
    with pytest.raises(CellError) as err:
        cells.to_date(raw)
    assert err.value.code == "not_a_date"


# ------------------------------------------------------------------ ledger step

STEPS = [
    (5, 5),
    (5.0, 5),
    ("5", 5),
    ("闭环销号", 5),
    ("5 闭环销号", 5),
    ("5闭环销号", 5),
    ("5、闭环销号", 5),
    ("5-闭环销号", 5),
    ("5－闭环销号", 5),
    ("5.闭环销号", 5),
    (" 5 闭环销号 ", 5),
    ("１", 1),
    ("任务部署", 1),
    ("2推进落实", 2),
    ("3、督导检查", 3),
    ("4 考核评估", 4),
]


@pytest.mark.parametrize("raw,expected", STEPS, ids=[repr(r) for r, _ in STEPS])
def test_step_variants(raw, expected):
    assert cells.to_step(raw) == expected


@pytest.mark.parametrize("raw", [0, 6, "6", "0 未开始", "3 闭环销号", "验收", 2.5])
def test_step_rejects(raw):
    with pytest.raises(CellError) as err:
        cells.to_step(raw)
    assert err.value.code == "bad_step"


# ------------------------------------------------------------------ period

PERIODS = [
    ("2025年3月", "2025-03"),
    ("2025年03月", "2025-03"),
    ("2025-03", "2025-03"),
    ("2025/3", "2025-03"),
    ("2025.3", "2025-03"),
    ("2025 年 3 月", "2025-03"),
    ("２０２５年３月", "2025-03"),
    ("2025年3月份", "2025-03"),
    (dt.datetime(2025, 3, 1), "2025-03"),
    (dt.date(2025, 3, 31), "2025-03"),
    (EXCEL_2025_01_01 + 59, "2025-03"),
    ("2025年12月", "2025-12"),
    ("    年  月", None),
    ("2025年13月", None),
    ("", None),
]


@pytest.mark.parametrize("raw,expected", PERIODS, ids=[repr(r) for r, _ in PERIODS])
def test_period_variants(raw, expected):
    assert cells.to_period(raw) == expected


# ------------------------------------------------------------------ credit codes


@pytest.mark.parametrize(
    "code", ["91220502MAD79EK1X7", "91220524MAJ40JU83M", "91220582134591184A", "912205219218866001"]
)
def test_credit_codes_of_the_samples_are_valid(code):
    """The samples' codes come from an independent generator; sample (a) loads without a check-digit warning."""
    assert cells.to_credit_code(code) == code and cells.credit_code_valid(code)
    assert not cells.credit_code_valid(code[:17] + ("0" if code[17] != "0" else "1"))


def test_credit_code_shape():
    assert cells.to_credit_code(" 91220502mad79ek1x7 ") == "91220502MAD79EK1X7"
    for bad in ("91220502MAD79EK1X", "91220502MAD79EK1XI", "91220502MAD79EK1XO7"):
        with pytest.raises(CellError):
            cells.to_credit_code(bad)


# ------------------------------------------------------------------ through a real workbook (calamine)

A1 = load_form("A").sheet("调解情况")
C1 = load_form("C").sheet("工作台账")


def parse_a1(rows: list[dict], meta=None):
    grid, merges = sheet_grid(A1, rows, meta=meta)
    return parse_workbook(read_grids(grid_workbook({"调解情况": grid}, {"调解情况": merges})), reference_index())


@pytest.mark.parametrize("raw,expected", COUNTS, ids=[repr(r) for r, _ in COUNTS])
def test_count_variants_in_a_workbook(raw, expected):
    parsed = parse_a1([a1_row("220502", "东昌区", accepted_other=raw)])
    assert [i.message for i in parsed.errors] == []
    assert parsed.sheets["调解情况"].rows[0].values["accepted_other"] == expected


def test_numbers_stored_as_text_everywhere():
    """Like sample (b): every number is text, with thousands separators from 1,000 up."""
    row = {k: (f"{v:,}" if isinstance(v, int) else v) for k, v in a1_row("220502", "东昌区", scale=150).items()}
    assert row["accepted_total"] == "1,500"
    parsed = parse_a1([row])
    assert parsed.errors == []
    assert parsed.sheets["调解情况"].rows[0].values == {
        "region_code": "220502",
        "accepted_total": 1500,
        "accepted_enterprise": 600,
        "accepted_township": 450,
        "accepted_arbitration": 300,
        "accepted_chamber": 150,
        "accepted_other": 0,
        "closed_total": 1200,
        "succeeded_total": 900,
        "succeeded_enterprise": 300,
        "succeeded_township": 300,
        "succeeded_arbitration": 150,
        "succeeded_chamber": 150,
        "succeeded_other": 0,
        "success_rate_pct": None,
        "workers": 4500,
        "amount_wan": 1875.0,
        "collective_cases": 150,
        "collective_workers": 1800,
        "court_entrusted": 300,
        "online_accepted": 450,
        "arbitration_review": 150,
        "judicial_confirmation": 150,
        "arbitration_filed": 750,
    }


@pytest.mark.parametrize("raw,expected", RATES[:8], ids=[repr(r) for r, _ in RATES[:8]])
def test_rate_variants_in_a_workbook(raw, expected):
    parsed = parse_a1([a1_row("220502", "东昌区", success_rate_pct=raw)])
    assert parsed.sheets["调解情况"].rows[0].values["success_rate_pct"] == pytest.approx(expected)


REJECTIONS = [
    ("十二", "not_a_number"),
    ("12件", "not_a_number"),
    (-3, "negative"),
    ("-3", "negative"),
    (2.5, "fraction"),
    ("2.5", "fraction"),
]


@pytest.mark.parametrize("raw,code", REJECTIONS, ids=[repr(r) for r, _ in REJECTIONS])
def test_rejections_in_a_workbook_name_the_cell(raw, code):
    parsed = parse_a1([a1_row("220502", "东昌区"), a1_row("220503", "二道江区", accepted_chamber=raw)])
    assert [(e.code, e.sheet, e.cell, e.row, e.column) for e in parsed.errors] == [
        (code, "调解情况", "G6", 6, "accepted_chamber")
    ]
    assert "二道江区" in parsed.errors[0].message and "受理案件数·商（协）会调解组织" in parsed.errors[0].message


def parse_c1(rows: list[dict]):
    grid, merges = sheet_grid(C1, rows, meta=["填报单位：延边朝鲜族自治州人力资源和社会保障局", "统计期：2025年3月"])
    return parse_workbook(read_grids(grid_workbook({"工作台账": grid}, {"工作台账": merges})), reference_index())


@pytest.mark.parametrize("raw,expected", DATES[:12], ids=[repr(r) for r, _ in DATES[:12]])
def test_date_variants_in_a_workbook(raw, expected):
    parsed = parse_c1([c1_row("222401", due_on=raw)])
    assert [i.message for i in parsed.errors] == []
    assert parsed.sheets["工作台账"].rows[0].values["due_on"] == expected


@pytest.mark.parametrize("raw,expected", STEPS, ids=[repr(r) for r, _ in STEPS])
def test_step_variants_in_a_workbook(raw, expected):
    closed = dt.date(2025, 3, 20) if expected == 5 else None
    parsed = parse_c1([c1_row("222401", step=raw, closed_on=closed)])
    assert [i.message for i in parsed.errors] == []
    assert parsed.sheets["工作台账"].rows[0].values["step"] == expected


@pytest.mark.parametrize("raw,expected", PERIODS[:11], ids=[repr(r) for r, _ in PERIODS[:11]])
def test_period_variants_in_a_workbook(raw, expected):
    """统计期 as text after the colon, or as its own cell after the label (text or Excel date)."""
    if isinstance(raw, str):
        metas = [["填报单位：通化市人力资源和社会保障局", "", "", f"统计期：{raw}"], ["统计期：", raw]]
    else:
        metas = [["填报单位：通化市人力资源和社会保障局", "统计期：", raw]]
    for meta in metas:
        parsed = parse_a1([a1_row("220502", "东昌区")], meta=meta)
        assert parsed.period == expected and parsed.errors == [], meta


def test_unreadable_period_is_an_error_at_its_cell():
    parsed = parse_a1([a1_row("220502", "东昌区")], meta=["填报单位：通化市人力资源和社会保障局", "", "统计期：本月"])
    assert [(e.code, e.sheet, e.cell, e.column) for e in parsed.errors] == [("bad_period", "调解情况", "C2", "period")]


def test_empty_count_cells_are_zero_and_optional_cells_stay_empty():
    parsed = parse_a1([a1_row("220502", "东昌区", accepted_other=None, succeeded_other="-", success_rate_pct=None)])
    values = parsed.sheets["调解情况"].rows[0].values
    assert (values["accepted_other"], values["succeeded_other"], values["success_rate_pct"]) == (0, 0, None)
    ledger = parse_c1([c1_row("222401", target_value=None, done_value="-", playbook=None)])
    values = ledger.sheets["工作台账"].rows[0].values
    assert (values["target_value"], values["done_value"], values["playbook"]) == (None, None, None)


# ------------------------------------------------------------------ hostile values (issue 9, items 6, 7, 9)

NOT_FINITE = [
    (float("nan"), "nan"),
    (float("inf"), "inf"),
    (float("-inf"), "-inf"),
    ("1" + "0" * 400, "1" + "0" * 49 + "…"),
]


@pytest.mark.parametrize("raw,echo", NOT_FINITE, ids=["nan", "inf", "-inf", "1e400-as-text"])
def test_nan_and_infinity_are_refused_in_every_number_type(raw, echo):
    for convert in (cells.to_int, cells.to_decimal, cells.to_plain_number, cells.to_rate_pct):
        with pytest.raises(CellError) as refused:
            convert(raw)
        assert (refused.value.code, refused.value.what, refused.value.fix) == (
            "not_finite",
            f"“{echo}”不是有效的数值（非数字或超出范围）",
            "请填写一个普通的数字；如是公式，请改正公式或直接填写数值。",
        )


def test_a_stored_nan_is_an_error_at_its_cell():
    book = with_stored_number(form_workbook("A", {"调解情况": [a1_row("220502", "东昌区")]}), "G5", "NaN")
    parsed = parse_workbook(read_grids(book), reference_index())
    assert [(e.code, e.cell, e.column, e.message) for e in parsed.errors] == [
        (
            "not_finite",
            "G5",
            "accepted_chamber",
            "“调解情况”工作表 G5 单元格（东昌区 · 受理案件数·商（协）会调解组织）：“nan”不是有效的数值（非数字或超出范围）。"
            "请填写一个普通的数字；如是公式，请改正公式或直接填写数值。",
        )
    ]


def test_a_message_quotes_at_most_50_characters_of_a_cell():
    huge = "字" * 32767  # the most a cell can hold
    parsed = parse_a1([a1_row("220502", "东昌区", accepted_chamber=huge)])
    assert [(e.code, e.cell, e.message) for e in parsed.errors] == [
        (
            "not_a_number",
            "G5",
            f"“调解情况”工作表 G5 单元格（东昌区 · 受理案件数·商（协）会调解组织）：“{'字' * 50}…”不是数字。请只填写数字（不要带单位或文字）。",
        )
    ]


def test_shown_escapes_control_characters_and_clips():
    assert [cells.shown(v) for v in ("a\nb\x00c", "x" * 51, 12.0, None)] == ["a\\nb\\x00c", "x" * 50 + "…", "12", ""]


@pytest.mark.parametrize("cell", [1, "统计期：1", "2025年13月"], ids=["number-1", "text-1", "month-13"])
def test_a_period_cell_must_read_as_a_month_even_when_the_upload_names_the_period(cell):
    meta = ["统计期：", cell] if cell == 1 else [f"统计期：{cell}" if not cell.startswith("统计期") else cell]
    grid, merges = sheet_grid(A1, [a1_row("220502", "东昌区")], meta=meta)
    parsed = parse_workbook(
        read_grids(grid_workbook({"调解情况": grid}, {"调解情况": merges})), reference_index(), period="2025-03"
    )
    shown = "1" if cell in (1, "统计期：1") else cell
    assert [(e.code, e.sheet, e.cell, e.column, e.message) for e in parsed.errors] == [
        (
            "bad_period",
            "调解情况",
            "B2" if cell == 1 else "A2",
            "period",
            f"“调解情况”工作表 {'B2' if cell == 1 else 'A2'} 单元格的统计期“{shown}”无法识别。请写成“统计期：2025年3月”。",
        )
    ]


def test_the_blank_templates_period_placeholder_takes_the_period_chosen_at_upload():
    grid, merges = sheet_grid(A1, [a1_row("220502", "东昌区")], meta=["统计期：    年  月"])
    parsed = parse_workbook(
        read_grids(grid_workbook({"调解情况": grid}, {"调解情况": merges})), reference_index(), period="2025-03"
    )
    assert (parsed.period, parsed.errors) == ("2025-03", [])
