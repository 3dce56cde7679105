"""How big a sheet may be before any dense grid is built, derived from the form definitions.

A reader builds a dense rows × columns grid (calamine spends 64 bytes a cell in Rust, then Python a list slot),
so one stray cell at XFD1048576 would ask for hundreds of gigabytes. The limits below are what the forms can
hold with generous room, so no honest report comes near them:
- rows: the longest sheet a province file can carry is 分行业 with every region × every industry (long sheets
  such as 重大集体争议 and 工作台账 hold fewer rows in practice), times MARGIN, plus the title/header area;
- columns: the widest sheet of any form, times MARGIN;
- cells in the whole workbook: as many full-size sheets as the largest form has;
- merged ranges per sheet: one per row (a template merges its title and header cells only);
- text in the whole workbook: TEXT_PER_CELL characters for every cell of one full-size sheet. Readers copy a
  shared string into every cell that names it, so 600,000 cells naming one 1 MB string would need 600 GB.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

MARGIN = 4  # room for notes, blank separator rows, extra columns a clerk adds, a bigger region list
TEXT_PER_CELL = (
    50  # the longest form texts (notes, employer names) run to a few hundred characters, most cells hold none
)


@dataclass(frozen=True)
class SheetLimits:
    """Largest sheet extent (rows, columns) and workbook dense-cell total the reader accepts."""

    max_rows: int
    max_cols: int
    max_cells: int
    max_merges: int
    max_text_chars: int

    @property
    def max_sheet_cells(self) -> int:
        return self.max_rows * self.max_cols


@lru_cache(maxsize=1)
def sheet_limits() -> SheetLimits:
    """The limits for every workbook (one set: the form is not known before the sheets are read)."""
    from etl.formdefs import all_forms
    from etl.parser import HEADER_SCAN_ROWS
    from etl.regions import read_industries, reference_index

    regions = sum(1 for r in reference_index().regions.values() if r.kind != "province")
    data_rows = regions * len(read_industries())
    widest = max(len(sheet.columns) for form in all_forms() for sheet in form.sheets)
    most_sheets = max(len(form.sheets) for form in all_forms())
    max_rows = HEADER_SCAN_ROWS + MARGIN * data_rows
    max_cols = MARGIN * widest
    return SheetLimits(
        max_rows=max_rows,
        max_cols=max_cols,
        max_cells=most_sheets * max_rows * max_cols,
        max_merges=max_rows,
        max_text_chars=TEXT_PER_CELL * max_rows * max_cols,
    )
