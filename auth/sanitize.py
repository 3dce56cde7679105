"""Make user-supplied text safe where it leaves the app: spreadsheet cells (formula injection) and Markdown.

- Every xlsx/CSV export runs its text cells through `neutralise_cell` (or a frame through `neutralise_frame`):
  a cell beginning with = + - @ (or tab / carriage return) would be run as a formula by Excel/WPS, so it gets a
  leading apostrophe and stays text. Numbers are left alone (a negative number is a number, not a formula).
- Text from workbooks or accounts shown with st.markdown/st.caption goes through `md_escape`, so Markdown and
  HTML in an employer name or note show as the characters typed. Prefer st.dataframe / st.text, which never
  interpret their content; never pass user text with unsafe_allow_html=True.
"""

from __future__ import annotations

import re

import polars as pl

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def neutralise_cell(value):
    """'=1+1' → "'=1+1"; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of a frame neutralised (for CSV/xlsx exports)."""
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.Utf8]
    if not text_columns:
        return frame
    pattern = "^[=+\\-@\t\r]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text_columns
    )


def md_escape(text) -> str:
    """Text for st.markdown/st.caption that shows exactly as typed (Markdown and HTML characters escaped)."""
    if text is None:
        return ""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")
