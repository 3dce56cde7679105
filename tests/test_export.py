"""Excel downloads: Chinese headers, numbers stay numbers, formula-like text neutralised (dashboard/export.py)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import polars as pl

from dashboard.export import chinese_headers, file_name, neutralise, xlsx_bytes


def read(content: bytes) -> list[list]:
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_headers_are_chinese_from_the_mapping_then_the_shared_labels():
    assert chinese_headers(["region_name", "accepted_total", "x", "y"], {"x": "自定义"}) == [
        "地区",
        "受理案件数（件）",
        "自定义",
        "y",
    ]


def test_workbook_has_title_headers_values_and_notes():
    frame = pl.DataFrame(
        {
            "region_name": ["通化市", "长春市"],
            "accepted_total": [1234, 56],
            "success_rate": [0.725, None],
            "amount_wan": [12.5, 3.25],
            "period_end": [dt.date(2025, 3, 31), dt.date(2025, 3, 31)],
        }
    )
    content = xlsx_bytes(
        frame, headers={"period_end": "期末"}, title="各单位调解情况", notes=["比率 = 合计分子 ÷ 合计分母。"]
    )
    assert read(content) == [
        ["各单位调解情况", None, None, None, None],
        [None, None, None, None, None],
        ["地区", "受理案件数（件）", "调解成功率", "涉案金额（万元）", "期末"],
        ["通化市", 1234, 0.725, 12.5, dt.datetime(2025, 3, 31)],
        ["长春市", 56, None, 3.25, dt.datetime(2025, 3, 31)],
        [None, None, None, None, None],
        ["比率 = 合计分子 ÷ 合计分母。", None, None, None, None],
    ]
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    assert (ws["B4"].number_format, ws["C4"].number_format, ws["D4"].number_format) == ("#,##0", "0.0%", "#,##0.00")
    assert ws.freeze_panes == "A4"


def test_formula_like_text_is_neutralised_and_numbers_are_not():
    frame = pl.DataFrame(
        {
            "employer": ['=HYPERLINK("http://x")', "+86 431", "-1+2", "@SUM(A1)", "普通公司", "\tx"],
            "amount": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    rows = read(xlsx_bytes(frame, headers={"employer": "用人单位", "amount": "金额"}))
    assert rows[1:] == [
        ['\'=HYPERLINK("http://x")', -5],
        ["'+86 431", 1],
        ["'-1+2", 2],
        ["'@SUM(A1)", 3],
        ["普通公司", 4],
        ["'\tx", 5],
    ]
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(frame)))
    assert all(c.data_type != "f" for row in wb.active.iter_rows() for c in row)
    assert neutralise("=1+1") == "'=1+1" and neutralise(-3) == -3 and neutralise(None) is None


def test_control_characters_are_dropped():
    assert read(xlsx_bytes(pl.DataFrame({"t": ["a\x01b"]})))[1] == ["ab"]


def test_file_names_are_safe():
    assert file_name("各单位排名（2025年10月）") == "各单位排名（2025年10月）.xlsx"
    assert file_name('a/b:c*?"<>| d') == "a_b_c_d.xlsx"
    assert file_name("  ") == "导出.xlsx"


def test_percent_values_are_numbers_with_one_decimal():
    """达标预测: "当前比率（%）" 86.60714285714286 is stored as the number 86.6 with format 0.0, not as text."""
    frame = pl.DataFrame(
        {"地区": ["通化市"], "当前比率（%）": [86.60714285714286], "月均进度（百分点）": [0.5214], "分子": [97]}
    )
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(frame))).active
    cells = [ws.cell(row=2, column=c) for c in (2, 3, 4)]
    assert [(c.value, c.data_type, c.number_format) for c in cells] == [
        (86.6, "n", "0.0"),
        (0.5, "n", "0.0"),
        (97, "n", "#,##0"),
    ]
