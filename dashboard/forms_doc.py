"""The documentation of the forms, generated from the same definitions the parser uses."""

from __future__ import annotations

import polars as pl

from etl.formdefs import Form, all_forms
from warehouse.db import measures

TYPE_NAMES = {
    "int": "整数（≥0）",
    "decimal": "金额，两位小数",
    "number": "数值",
    "rate": "比率",
    "date": "日期",
    "enum": "枚举",
    "yesno": "是/否",
    "step": "环节 1–5",
    "industry": "行业门类 A–T",
    "credit_code": "统一社会信用代码",
    "text": "文字",
    "region_name": "地区名称",
    "region_code": "地区代码",
    "seq": "序号",
}
LEVELS = {"error": "错误（拒收）", "warning": "提示（可入库）"}


def column_table(form: Form) -> pl.DataFrame:
    rows = []
    for sheet in form.sheets:
        for col in sheet.columns:
            rows.append(
                {
                    "工作表": sheet.name + ("" if sheet.required else "（选填）"),
                    "表头": col.header + (f" · {col.sub}" if col.sub else ""),
                    "列代码": col.key,
                    "类型": TYPE_NAMES.get(col.type, col.type),
                    "单位": col.unit or "",
                    "填写要求": "可不填"
                    if (col.optional or not col.required)
                    else ("空白按 0" if col.counts_empty_as_zero else "必填"),
                    "说明": (
                        (col.help or "") + (" 可选值：" + "、".join(map(str, col.values)) if col.values else "")
                    ).strip(),
                }
            )
    return pl.DataFrame(rows)


def rule_table(form: Form) -> pl.DataFrame:
    import re

    rows = []
    for sheet in form.sheets:
        for rule in sheet.rules:
            text = re.sub(r"\{[a-z_]+\}", "…", rule.message)
            rows.append(
                {
                    "工作表": sheet.name,
                    "代码": rule.code,
                    "级别": LEVELS[rule.level],
                    "规则": text,
                    "如何改正": rule.fix,
                }
            )
    return pl.DataFrame(rows)


def measure_table() -> pl.DataFrame:
    return pl.DataFrame(
        [{"指标": m["label"], "代码": m["key"], "单位": m["unit"], "定义": m["definition"]} for m in measures()]
    )


def forms() -> list[Form]:
    return list(all_forms())
