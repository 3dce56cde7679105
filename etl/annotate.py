"""The clerk's own workbook, marked up: each offending cell filled (errors red, warnings yellow) with a
cell comment giving the message, plus a first sheet 校验结果 listing every problem with a link to its cell.

The ORIGINAL uploaded bytes are opened with openpyxl (keep_vba=True for macro workbooks so the VBA project is
carried over untouched; nothing is ever executed). Legacy .xls cannot be written back: its values are copied
into a new .xlsx (the page says so). Whole-file problems (not a workbook, encrypted, too large) have no cell
to mark: annotate() returns None for them.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.hyperlink import Hyperlink

from etl.issues import Issue
from etl.reader import OLE_MAGIC, ZIP_MAGIC, read_grids

ERROR_FILL = PatternFill(fill_type="solid", start_color="FFFFC7CE", end_color="FFFFC7CE")
WARNING_FILL = PatternFill(fill_type="solid", start_color="FFFFEB9C", end_color="FFFFEB9C")
ERROR_FONT_COLOR = "FF9C0006"
AUTHOR = "系统校验"
SUMMARY_SHEET = "校验结果"
CELL_RE = re.compile(r"^([A-Z]{1,3})([0-9]+)$")


@dataclass
class Annotated:
    content: bytes
    file_name: str
    mime: str
    converted: bool  # True when a legacy .xls was copied into a new .xlsx
    marked_cells: int
    note: str  # Chinese: what the copy is and how to use it


def _has_macros(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return any(n.lower().endswith("vbaproject.bin") for n in archive.namelist())
    except zipfile.BadZipFile:
        return False


def _from_xls(content: bytes) -> openpyxl.Workbook:
    """A new workbook holding the values (and merged ranges) of a legacy .xls, read by calamine."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, grid in read_grids(content).items():
        ws = book.create_sheet(name[:31])
        for r, row in enumerate(grid.rows, 1):
            for c, value in enumerate(row, 1):
                if value not in ("", None):
                    ws.cell(r, c, value)
        for r0, c0, r1, c1 in grid.merged:
            if (r0, c0) != (r1, c1):
                ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    return book


def _anchor(ws, ref: str) -> str:
    """A cell inside a merged range is marked on the range's top-left cell (the only one that can hold a note)."""
    for merged in ws.merged_cells.ranges:
        if ref in merged:
            return merged.start_cell.coordinate
    return ref


def _label(issue: Issue) -> str:
    return ("错误" if issue.is_error else "提示") + "：" + issue.message


def annotated_name(file_name: str, converted: bool) -> str:
    path = Path(file_name)
    suffix = ".xlsx" if converted or path.suffix.lower() not in (".xlsx", ".xlsm") else path.suffix
    return f"{path.stem}（校验批注）{suffix}"


@dataclass(frozen=True)
class Plan:
    """What the annotated copy will be, known without building it (cheap: no workbook is parsed)."""

    file_name: str
    mime: str
    converted: bool
    note: str


def _note(converted: bool) -> str:
    note = (
        "出错的单元格已标红、需核实的已标黄，鼠标移到单元格上可看到说明；第一个工作表“校验结果”列出全部问题。"
        "在这份副本中改正后可直接重新上传（“校验结果”工作表不影响上报，可删除）。"
    )
    if converted:
        note = (
            "原文件是旧版 .xls 格式，系统无法直接写回，带批注的副本以 .xlsx 格式提供（只保留数值，不含原格式）。" + note
        )
    return note


def plan(content: bytes, file_name: str, issues: list[Issue]) -> Plan | None:
    """The annotated copy's name, type and note; None when there is nothing to mark or the file is unreadable."""
    if not issues or any(i.sheet is None and i.cell is None and i.is_error and i.code in WHOLE_FILE for i in issues):
        return None
    if not content.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return None
    converted = content.startswith(OLE_MAGIC)
    macro = not converted and _has_macros(content) and Path(file_name).suffix.lower() == ".xlsm"
    mime = (
        "application/vnd.ms-excel.sheet.macroEnabled.12"
        if macro
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Plan(annotated_name(file_name, converted), mime, converted, _note(converted))


def annotate(content: bytes, file_name: str, issues: list[Issue]) -> Annotated | None:
    """Mark every issue that names a sheet and cell; None when the file itself could not be read."""
    if plan(content, file_name, issues) is None:
        return None
    converted = False
    macros = False
    try:
        if content.startswith(ZIP_MAGIC):
            macros = _has_macros(content)
            book = openpyxl.load_workbook(io.BytesIO(content), keep_vba=macros, rich_text=True)
        elif content.startswith(OLE_MAGIC):
            book, converted = _from_xls(content), True
        else:
            return None
    except Exception:  # openpyxl cannot open some files calamine reads: fall back to a values copy
        try:
            book, converted, macros = _from_xls(content), True, False
        except Exception:
            return None
    by_cell: dict[tuple[str, str], list[Issue]] = {}
    for issue in issues:
        if issue.sheet and issue.cell and issue.sheet in book.sheetnames and CELL_RE.match(issue.cell):
            ws = book[issue.sheet]
            by_cell.setdefault((issue.sheet, _anchor(ws, issue.cell)), []).append(issue)
    for (sheet, ref), found in by_cell.items():
        cell = book[sheet][ref]
        has_error = any(i.is_error for i in found)
        cell.fill = ERROR_FILL if has_error else WARNING_FILL
        text = "\n".join(_label(i) for i in sorted(found, key=lambda i: not i.is_error))
        if cell.comment is not None and cell.comment.author != AUTHOR:
            text = f"{text}\n——原批注：{cell.comment.text}"
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 360, min(60 + 18 * (len(text) // 22 + 1), 400)
        cell.comment = comment
    _summary(book, issues, by_cell)
    # formulas saved by openpyxl carry no cached values: ask Excel/WPS to recalculate when the copy is opened
    book.calculation = CalcProperties(fullCalcOnLoad=True)
    out = io.BytesIO()
    book.save(out)
    suffix_macro = macros and not converted and Path(file_name).suffix.lower() == ".xlsm"
    mime = (
        "application/vnd.ms-excel.sheet.macroEnabled.12"
        if suffix_macro
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Annotated(
        out.getvalue(), annotated_name(file_name, converted), mime, converted, len(by_cell), _note(converted)
    )


WHOLE_FILE = {"file_too_large", "expanded_too_large", "not_a_workbook", "encrypted", "unreadable"}


def _summary(book, issues: list[Issue], marked: dict) -> None:
    """First sheet 校验结果: every problem, with a link to its cell (no fills, so only real cells are coloured)."""
    name = SUMMARY_SHEET if SUMMARY_SHEET not in book.sheetnames else SUMMARY_SHEET + "（系统）"
    ws = book.create_sheet(name, 0)
    errors = sum(1 for i in issues if i.is_error)
    warnings = len(issues) - errors
    ws["A1"] = "上传校验结果（系统生成，改正后可删除本工作表）"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = (
        f"共 {errors} 个错误（须改正后才能入库，单元格标红）、{warnings} 个提示（可入库，请核实，单元格标黄）。"
        "点击“单元格”一列可跳到出错位置。"
    )
    heads = ["类别", "工作表", "单元格", "说明"]
    for c, head in enumerate(heads, 1):
        ws.cell(4, c, head).font = Font(bold=True)
    marked_refs = {(s, i.cell) for (s, _), found in marked.items() for i in found}
    for r, issue in enumerate(sorted(issues, key=lambda i: not i.is_error), 5):
        ws.cell(r, 1, "错误" if issue.is_error else "提示").font = Font(
            bold=True, color=ERROR_FONT_COLOR if issue.is_error else "FF9C5700"
        )
        ws.cell(r, 2, issue.sheet or "（整个文件）")
        where = ws.cell(r, 3, issue.cell or (f"第 {issue.row} 行" if issue.row else "—"))
        if (issue.sheet, issue.cell) in marked_refs:
            where.hyperlink = Hyperlink(ref=where.coordinate, location=f"'{issue.sheet}'!{issue.cell}")
            where.font = Font(color="FF1F5FA8", underline="single")
        ws.cell(r, 4, issue.message).alignment = Alignment(wrap_text=True, vertical="top")
    for c, width in zip(range(1, 5), (8, 16, 10, 100)):
        ws.column_dimensions[get_column_letter(c)].width = width
    book.active = 0
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
