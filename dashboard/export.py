"""Excel downloads of any polars frame, with Chinese headers and formula injection neutralised.

`xlsx_bytes()` is pure (tested without Streamlit); `download_xlsx()` draws the download button.
Text cells that start with = + - @ (or a tab / carriage return) are written with a leading apostrophe so a
spreadsheet never runs them as formulas (OWASP CSV/formula injection); numbers stay numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Iterable

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from dashboard.format import COLUMN_LABELS

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="BFBFBF")
RATE_HINTS = ("率", "占比", "比率")
# A float column whose header names a percent value ("当前比率（%）") or percentage points holds numbers like 86.6:
# written rounded to one decimal (the product's rate precision) with the format "0.0", never 86.60714285714286.
PERCENT_VALUE_HINTS = ("%", "％", "百分点")
PERCENT_VALUE_FORMAT = "0.0"

try:  # the shared sanitiser, when the auth feature provides it
    from auth.sanitize import neutralise_cell as _shared_neutralise  # type: ignore
except Exception:  # pragma: no cover - depends on the other feature being present
    _shared_neutralise = None


def neutralise(value):
    """A cell value safe for a spreadsheet: text starting with = + - @ gets a leading apostrophe."""
    if _shared_neutralise is not None:
        value = _shared_neutralise(value)
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)
        if value.startswith(DANGEROUS_PREFIXES):
            return "'" + value
    return value


def chinese_headers(columns: Iterable[str], headers: dict[str, str] | None = None) -> list[str]:
    """Column names → Chinese headers: the explicit mapping, then the shared COLUMN_LABELS, else unchanged."""
    headers = headers or {}
    return [headers.get(c) or COLUMN_LABELS.get(c) or c for c in columns]


def _number_format(header: str, dtype: pl.DataType, values: list) -> str | None:
    if dtype.is_float():
        numeric = [v for v in values if v is not None]
        if any(h in header for h in PERCENT_VALUE_HINTS):
            return PERCENT_VALUE_FORMAT
        if any(h in header for h in RATE_HINTS) and numeric and all(-1.5 <= v <= 1.5 for v in numeric):
            return "0.0%"
        if "万元" in header:
            return "#,##0.00"
        return "#,##0.0##"
    if dtype.is_integer():
        return "#,##0"
    if dtype == pl.Date:
        return "yyyy-mm-dd"
    if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
        return "yyyy-mm-dd hh:mm"
    return None


def write_sheet(
    ws,
    frame: pl.DataFrame,
    *,
    headers: dict[str, str] | None = None,
    title: str | None = None,
    notes: Iterable[str] = (),
) -> None:
    """Write a frame into an openpyxl worksheet: optional title row, bold header, formats, widths, notes below."""
    row = 1
    names = chinese_headers(frame.columns, headers)
    if title:
        ws.cell(row=1, column=1, value=neutralise(title)).font = Font(bold=True, size=14)
        row = 3
    header_row = row
    for col, name in enumerate(names, 1):
        cell = ws.cell(row=row, column=col, value=neutralise(name))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
    widths = [max(6, _width(n)) for n in names]
    formats = [_number_format(n, frame.schema[c], frame[c].to_list()) for n, c in zip(names, frame.columns)]
    for values in frame.iter_rows():
        row += 1
        for col, value in enumerate(values, 1):
            if isinstance(value, dt.timedelta):
                value = str(value)
            elif isinstance(value, float) and formats[col - 1] == PERCENT_VALUE_FORMAT:
                value = round(value, 1)
            cell = ws.cell(row=row, column=col, value=neutralise(value))
            if formats[col - 1] and value is not None:
                cell.number_format = formats[col - 1]
            widths[col - 1] = max(widths[col - 1], min(_width(value), 60))
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width + 2
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    for n, note in enumerate(notes):
        row += 2 if n == 0 else 1
        ws.cell(row=row, column=1, value=neutralise(note)).font = Font(italic=True, color="595959")


def _width(value) -> int:
    if value is None:
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, (dt.date, dt.datetime)):
        return 16
    text = str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def xlsx_bytes(
    frame: pl.DataFrame,
    *,
    headers: dict[str, str] | None = None,
    sheet_name: str = "数据",
    title: str | None = None,
    notes: Iterable[str] = (),
) -> bytes:
    """One frame as an .xlsx workbook (Chinese headers, numbers as numbers, rates as percent)."""
    book = Workbook()
    ws = book.active
    ws.title = _sheet_title(sheet_name)
    write_sheet(ws, frame, headers=headers, title=title, notes=notes)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", name).strip() or "数据"
    return cleaned[:31]


def file_name(stem: str, ext: str = "xlsx") -> str:
    """A safe Chinese file name: '各单位排名（2025年10月）.xlsx'."""
    cleaned = re.sub(r'[\\/:*?"<>|\s]+', "_", stem).strip("_") or "导出"
    return f"{cleaned}.{ext}"


def download_xlsx(
    frame: pl.DataFrame,
    stem: str,
    *,
    headers: dict[str, str] | None = None,
    title: str | None = None,
    notes: Iterable[str] = (),
    label: str = "下载 Excel",
    key: str | None = None,
) -> None:
    """A download button for the frame as .xlsx; the workbook is built only when the button is clicked."""
    import streamlit as st

    notes = list(notes)
    st.download_button(
        label,
        data=lambda: xlsx_bytes(frame, headers=headers, title=title or stem, notes=notes),
        file_name=file_name(stem),
        mime=XLSX_MIME,
        key=key or f"xlsx_{stem}",
        icon=":material/download:",
        on_click="ignore",
    )
