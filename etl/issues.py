"""Cell-precise problems found in a workbook: errors reject the file, warnings are kept with the version."""
from __future__ import annotations

from dataclasses import dataclass, asdict


def col_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row0: int, col0: int) -> str:
    """0-based row/column → A1 reference."""
    return f"{col_letter(col0)}{row0 + 1}"


@dataclass
class Issue:
    """One problem: where (sheet, cell, row, column key), a stable code and a Chinese message with the fix."""

    level: str  # "error" | "warning"
    code: str
    message: str
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None
    column: str | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("level")
        return data

    @property
    def is_error(self) -> bool:
        return self.level == "error"


class CellError(ValueError):
    """A cell value that cannot be converted; code and Chinese text for the message."""

    def __init__(self, code: str, what: str, fix: str = ""):
        super().__init__(what)
        self.code = code
        self.what = what
        self.fix = fix


class FileRejected(Exception):
    """A whole-file problem (not a workbook, encrypted, too large): nothing else can be checked."""

    def __init__(self, code: str, message: str, *, sheet: str | None = None, cell: str | None = None):
        super().__init__(message)
        row = int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) if cell else None
        self.issue = Issue("error", code, message, sheet=sheet, cell=cell, row=row)
