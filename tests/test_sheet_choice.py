"""The sheet a workbook is read from is never a silent choice, and formulas without values are said once."""

from __future__ import annotations

import datetime as dt
import sys

from conftest import ROOT

from etl.ingest import check

sys.path.insert(0, str(ROOT / "tests" / "hostile"))
from hostile_files import base, formulas_without_values, rename_hidden_with_visible_copy, rewrite  # noqa: E402

TODAY = dt.date(2025, 4, 15)


def issues(wh, content: bytes) -> tuple[list, list]:
    result = check(wh, content, "x.xlsx", today=TODAY)
    return [(i.code, i.sheet, i.cell, i.message) for i in result.errors], [(i.code, i.sheet) for i in result.warnings]


def hide_main(state: str) -> bytes:
    return rewrite(
        base(),
        {
            "xl/workbook.xml": lambda b: b.replace(
                'name="调解情况" sheetId="1"'.encode(), f'name="调解情况" sheetId="1" state="{state}"'.encode()
            )
        },
    )


def test_formulas_saved_without_values_give_one_error_instead_of_a_sum_error_per_row(empty_warehouse):
    errors, _ = issues(empty_warehouse, formulas_without_values())
    assert errors == [
        (
            "formula_no_value",
            "调解情况",
            "C5",
            "公式没有计算结果，请在 Excel/WPS 中打开、保存后再上传（“调解情况”工作表 C5 单元格等 44 个单元格"
            "是没有保存计算结果的公式）。",
        )
    ]


def test_two_sheets_named_alike_are_refused_naming_both(empty_warehouse):
    content = rewrite(
        base(), {"xl/workbook.xml": lambda b: b.replace('name="分行业"'.encode(), 'name="调解情况 "'.encode())}
    )
    errors, _ = issues(empty_warehouse, content)
    assert errors == [
        (
            "duplicate_sheet",
            "调解情况",
            None,
            "工作簿中有 2 个名称几乎相同的工作表（“调解情况”、“调解情况 ”，只差空格或全角/半角），"
            "无法确定哪一张是“调解情况”。请删除或改名多余的工作表后再上传。",
        )
    ]


def test_a_hidden_main_sheet_beside_a_visible_copy_is_refused_naming_both(empty_warehouse):
    errors, _ = issues(empty_warehouse, rename_hidden_with_visible_copy())
    assert errors == [
        (
            "hidden_sheet",
            "调解情况",
            None,
            "“调解情况”工作表是隐藏的，而可见的“调解情况（新）”工作表也是“调解情况”的表格，无法确定上报哪一张。"
            "请删除不用的那张（或取消隐藏并改名）后再上传。",
        )
    ]


def test_a_hidden_main_sheet_alone_is_read_with_a_warning(empty_warehouse):
    for state in ("hidden", "veryHidden"):
        errors, warnings = issues(empty_warehouse, hide_main(state))
        assert (errors, [w for w in warnings if w[0] == "hidden_sheet"]) == ([], [("hidden_sheet", "调解情况")])
