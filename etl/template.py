"""Write a workbook for a form from its definition: blank template for clerks, or filled (demo, tests)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import xlsxwriter

from etl.cells import STEP_NAMES
from etl.formdefs import Column, Form, Sheet
from etl.regions import Region, read_industries

LONG_SHEET_BLANK_ROWS = 200
CODE_SHEET = "代码表"


def period_text(period: str | None) -> str:
    if not period:
        return "统计期：    年  月"
    return f"统计期：{int(period[:4])}年{int(period[5:7])}月"


def unit_text(unit: Region | None) -> str:
    if unit is None:
        return "填报单位（盖章）："
    return f"填报单位（盖章）：{unit.name}人力资源和社会保障局"


def default_rows(sheet: Sheet, regions: list[Region]) -> list[dict]:
    """Wide sheets list every region of the uploader in order: 市本级 first, then counties and zones."""
    if sheet.layout != "wide":
        return []
    rows = []
    for region in regions:
        name = "市本级" if region.is_city else region.name
        rows.append({"region_name": name, "region_code": region.code})
    return rows


class _Writer:
    def __init__(self, form: Form, book: xlsxwriter.Workbook, protect: bool):
        self.form, self.book, self.protect = form, book, protect
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
        self.f_title = book.add_format(
            {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter", "font_name": "黑体"}
        )
        self.f_meta = book.add_format({"font_size": 10, "font_name": "宋体"})
        self.f_head = book.add_format(
            {**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#DDEBF7", "locked": True}
        )
        self.f_cell = book.add_format({**base, "locked": False})
        self.f_num = book.add_format({**base, "locked": False, "num_format": "#,##0"})
        self.f_money = book.add_format({**base, "locked": False, "num_format": "#,##0.00"})
        self.f_date = book.add_format({**base, "locked": False, "num_format": "yyyy-mm-dd"})
        self.f_text = book.add_format({**base, "locked": False, "num_format": "@"})
        self.f_note = book.add_format({"font_size": 9, "text_wrap": True, "valign": "top", "font_name": "宋体"})
        self.code_ranges: dict[str, str] = {}

        self.lists: dict[str, list[str]] = {
            "industry": [f"{c} {n}" for c, n in read_industries().items()],
            "step": [f"{i} {n}" for i, n in enumerate(STEP_NAMES, 1)],
            "yesno": ["是", "否"],
        }
        for sheet in form.sheets:
            for col in sheet.columns:
                if col.type == "enum":
                    self.lists[f"enum:{col.key}:{sheet.table}"] = list(col.values)
        for c, (name, values) in enumerate(self.lists.items()):
            letter = xlsxwriter.utility.xl_col_to_name(c)
            self.code_ranges[name] = f"='{CODE_SHEET}'!${letter}$2:${letter}${len(values) + 1}"

    def code_sheet(self) -> None:
        """Lists for dropdowns live on a hidden sheet (inline lists are capped at 255 characters)."""
        ws = self.book.add_worksheet(CODE_SHEET)
        for c, (name, values) in enumerate(self.lists.items()):
            ws.write(0, c, name)
            for r, value in enumerate(values, 1):
                ws.write_string(r, c, value)
        ws.hide()

    def _list_for(self, sheet: Sheet, col: Column) -> str | None:
        if col.type == "industry":
            return self.code_ranges["industry"]
        if col.type == "step":
            return self.code_ranges["step"]
        if col.type == "yesno":
            return self.code_ranges["yesno"]
        if col.type == "enum":
            return self.code_ranges[f"enum:{col.key}:{sheet.table}"]
        return None

    def _format_for(self, col: Column):
        return {
            "int": self.f_num,
            "decimal": self.f_money,
            "date": self.f_date,
            "region_code": self.f_text,
            "credit_code": self.f_text,
        }.get(col.type, self.f_cell)

    def sheet(self, sheet: Sheet, rows: list[dict], period: str | None, unit: Region | None, blank_rows: bool) -> None:
        ws = self.book.add_worksheet(sheet.name)
        cols = list(sheet.columns)
        last = len(cols) - 1
        two_level = sheet.has_two_level_header
        ws.merge_range(0, 0, 0, last, sheet.title, self.f_title)
        ws.set_row(0, 28)
        split = max(1, last * 2 // 3)
        ws.merge_range(1, 0, 1, split - 1, unit_text(unit), self.f_meta) if split > 1 else ws.write(
            1, 0, unit_text(unit), self.f_meta
        )
        ws.merge_range(1, split, 1, last, period_text(period), self.f_meta) if last > split else ws.write(
            1, split, period_text(period), self.f_meta
        )
        header_rows = 2 if two_level else 1
        c = 0
        while c < len(cols):
            col = cols[c]
            if col.sub:
                end = c
                while end + 1 < len(cols) and cols[end + 1].header == col.header and cols[end + 1].sub:
                    end += 1
                if end > c:
                    ws.merge_range(2, c, 2, end, col.header, self.f_head)
                else:
                    ws.write(2, c, col.header, self.f_head)
                for k in range(c, end + 1):
                    ws.write(3, k, cols[k].sub, self.f_head)
                c = end + 1
            else:
                if two_level:
                    ws.merge_range(2, c, 3, c, col.header, self.f_head)
                else:
                    ws.write(2, c, col.header, self.f_head)
                c += 1
        ws.set_row(2, 30)
        if two_level:
            ws.set_row(3, 45)
        for c, col in enumerate(cols):
            width = 14 if col.type in ("int", "decimal", "rate", "date", "step") else 18
            width = 30 if col.key in ("employer", "task", "notes", "progress") else width
            ws.set_column(c, c, width)
        first = 2 + header_rows
        # a blank template offers formatted rows with dropdowns for long sheets; a filled workbook has just its rows
        data_rows = len(rows) if sheet.layout == "wide" or not blank_rows else max(len(rows), LONG_SHEET_BLANK_ROWS)
        for i in range(data_rows):
            values = rows[i] if i < len(rows) else {}
            for c, col in enumerate(cols):
                self._write(
                    ws, first + i, c, col, values.get(col.key) if col.type != "seq" else (i + 1 if values else None)
                )
        for c, col in enumerate(cols):
            source = self._list_for(sheet, col)
            if source and data_rows:
                ws.data_validation(
                    first,
                    c,
                    first + data_rows - 1,
                    c,
                    {
                        "validate": "list",
                        "source": source,
                        "error_type": "warning",
                        "input_title": col.title[:32],
                        "input_message": (col.help or "请从下拉列表选择")[:255],
                    },
                )
        note_row = first + data_rows
        if sheet.notes:
            ws.merge_range(note_row, 0, note_row, last, sheet.notes, self.f_note)
            ws.set_row(note_row, 42)
        ws.write(note_row + 1, 0, "填报人：", self.f_meta)
        ws.write(note_row + 1, min(4, last), "审核人：", self.f_meta)
        ws.write(note_row + 1, min(8, last), "联系电话：", self.f_meta)
        ws.write(note_row + 1, min(12, last), "填报日期：", self.f_meta)
        ws.freeze_panes(first, 2 if cols[1].is_region else 1)
        if self.protect:
            ws.protect(
                "",
                {
                    "insert_rows": True,
                    "delete_rows": True,
                    "format_cells": True,
                    "format_columns": True,
                    "format_rows": True,
                    "sort": True,
                    "autofilter": True,
                },
            )

    def _write(self, ws, r: int, c: int, col: Column, value: Any) -> None:
        fmt = self._format_for(col)
        if value is None or value == "":
            ws.write_blank(r, c, None, fmt)
        elif col.type == "step":
            ws.write_string(r, c, f"{value} {STEP_NAMES[int(value) - 1]}", fmt)
        elif col.type == "yesno":
            ws.write_string(r, c, value if isinstance(value, str) else ("是" if value else "否"), fmt)  # "否" is truthy
        elif col.type == "industry":
            ws.write_string(r, c, f"{value} {read_industries().get(value, '')}".strip(), fmt)
        elif isinstance(value, (dt.date, dt.datetime)):
            ws.write_datetime(
                r, c, dt.datetime.combine(value, dt.time()) if not isinstance(value, dt.datetime) else value, fmt
            )
        elif isinstance(value, (int, float)) and col.type not in ("region_code", "text", "credit_code"):
            ws.write_number(r, c, value, fmt)
        else:
            ws.write_string(r, c, str(value), fmt)

    def instructions(self) -> None:
        """填表说明: every column's definition and every rule, generated from the form definition."""
        ws = self.book.add_worksheet("填表说明")
        f_h = self.book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        )
        f_t = self.book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        ws.write(0, 0, f"{self.form.title} 填表说明", self.book.add_format({"bold": True, "font_size": 14}))
        ws.write(
            1,
            0,
            "表头文字请勿修改；数字可带千分位；计数列空白、“-”、“无”按 0 处理；日期写 2025-03-05 或 2025年3月5日；"
            "统计期写在表头上方“统计期：2025年3月”。每月10日前报送上月数据。",
        )
        heads = ["工作表", "表头", "列代码", "类型", "单位", "是否必填", "说明"]
        for c, h in enumerate(heads):
            ws.write(3, c, h, f_h)
        r = 4
        types = {
            "int": "整数（≥0）",
            "decimal": "金额（两位小数）",
            "number": "数值",
            "rate": "比率（85.3、85.3% 或 0.853）",
            "date": "日期",
            "enum": "下拉选择",
            "yesno": "是/否",
            "step": "环节 1–5",
            "industry": "行业门类 A–T",
            "credit_code": "18位统一社会信用代码",
            "text": "文字",
            "region_name": "地区名称",
            "region_code": "6位地区代码",
            "seq": "序号（不校验）",
        }
        for sheet in self.form.sheets:
            for col in sheet.columns:
                header = col.header + (f" · {col.sub}" if col.sub else "")
                required = (
                    "可不填"
                    if (col.optional or not col.required)
                    else ("空白按0" if col.counts_empty_as_zero else "必填")
                )
                helptext = col.help or ""
                if col.values:
                    helptext = (helptext + " 可选值：" + "、".join(map(str, col.values))).strip()
                for c, v in enumerate(
                    [
                        sheet.name + ("（必填表）" if sheet.required else "（选填表）"),
                        header,
                        col.key,
                        types.get(col.type, col.type),
                        col.unit or "",
                        required,
                        helptext,
                    ]
                ):
                    ws.write(r, c, v, f_t)
                r += 1
        r += 1
        ws.write(r, 0, "校验规则（“错误”须改正后才能入库；“提示”可入库，请核实）", f_h)
        r += 1
        for sheet in self.form.sheets:
            for rule in sheet.rules:
                level = "错误" if rule.level == "error" else "提示"
                text = rule.message  # placeholders become "…" ("A"/"B" would read like column letters)
                import re

                text = re.sub(r"\{[a-z_]+\}", "…", text)
                ws.write(r, 0, sheet.name, f_t)
                ws.write(r, 1, level, f_t)
                ws.merge_range(r, 2, r, 6, f"{text}。{rule.fix}", f_t)
                r += 1
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 36)
        ws.set_column(2, 5, 14)
        ws.set_column(6, 6, 60)


def write_workbook(
    form: Form,
    *,
    period: str | None = None,
    unit: Region | None = None,
    regions: list[Region] = (),
    data: dict[str, list[dict]] | None = None,
    protect: bool = True,
    instructions: bool = True,
) -> bytes:
    """An .xlsx for the form: blank with pre-listed regions, or filled with data rows keyed by column key."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    writer = _Writer(form, book, protect)
    for sheet in form.sheets:
        if data is not None and sheet.name not in data:
            continue
        rows = data.get(sheet.name, []) if data is not None else default_rows(sheet, list(regions))
        writer.sheet(sheet, rows, period, unit, blank_rows=data is None)
    if instructions:
        writer.instructions()
    writer.code_sheet()
    book.close()
    return buffer.getvalue()


def template_file_name(form: Form, period: str | None, unit: Region | None) -> str:
    who = unit.name if unit else "吉林省"
    when = f"{int(period[:4])}年{int(period[5:7])}月" if period else ""
    return f"{who}{when}{form.file_title}.xlsx"
