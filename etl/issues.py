"""Cell-precise problems found in a workbook: errors reject the file, warnings are kept with the version."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

SHOWN_CHARS = 50  # a message echoes at most this much of a cell's value (a cell may hold 32,767 characters)
MAX_MESSAGE_CHARS = 1000  # and no message grows beyond this, whatever it lists
QUOTED = re.compile(r"“([^“”]{%d,})”" % (SHOWN_CHARS + 1))
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: object) -> str:
    """Text safe to print on one line: control, format and line-separator characters become visible escapes
    (a newline in a file name must not forge a line of output, nor a right-to-left mark reorder it)."""
    out = []
    for ch in str(text):
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") and ch != "\u200d":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def clip(text: str, limit: int = SHOWN_CHARS) -> str:
    """At most limit characters, with … when cut."""
    return text if len(text) <= limit else text[:limit] + "…"


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

    def __post_init__(self):
        # the last line of defence for item 9: a quoted value longer than SHOWN_CHARS is cut wherever the
        # message was written, and no message grows without bound (e.g. a list of 16,000 extra columns)
        message = QUOTED.sub(lambda m: "“" + clip(m.group(1)) + "”", self.message)
        self.message = clip(message, MAX_MESSAGE_CHARS)

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
