"""Explicit conversion of cell values (as read, often text) to typed values, per forms.md 'Parsing tolerance'."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from etl.issues import CellError, clip, printable

ZERO_MARKS = {"", "-", "—", "–", "/", "无", "--", "——"}
EXCEL_EPOCH = dt.date(1899, 12, 30)
STEP_NAMES = ("任务部署", "推进落实", "督导检查", "考核评估", "闭环销号")
DATE_PATTERNS = (
    # a time part (2025-03-05 00:00:00, from a system export) is allowed; to_date removes spaces first
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:T?\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)
PERIOD_PATTERN = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月份|月)?")
NUMBER_PATTERN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
WHITE_SPACE = re.compile(r"\s+")


def normalise(text: object) -> str:
    """Full-width → half-width, drop all white space (also inside), for matching names and headers."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text))
    return WHITE_SPACE.sub("", folded)


def as_text(value: object) -> str:
    """A cell as trimmed text (numbers without a spurious .0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


def shown(value: object) -> str:
    """A cell's value as a message quotes it: its text, control characters escaped, at most SHOWN_CHARS."""
    return clip(printable(as_text(value)))


def is_blank(value: object) -> bool:
    return as_text(value) == ""


def _number_text(value: object) -> str:
    text = unicodedata.normalize("NFKC", as_text(value))
    return re.sub(r"[\s,]", "", text)


def to_number(value: object, *, empty_is_zero: bool) -> float | None:
    """Any numeric cell: numbers, numbers stored as text, thousands separators, full-width digits."""
    if isinstance(value, bool):
        raise CellError("not_a_number", f"“{shown(value)}”不是数字", "请填写数字。")
    if isinstance(value, (int, float)):
        return _finite(float(value), value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise CellError(
            "not_a_number", f"“{shown(value)}”是日期，不是数字", "请填写数字，并把单元格格式设为“常规”或“数值”。"
        )
    text = _number_text(value)
    if text in ZERO_MARKS:
        return 0.0 if empty_is_zero else None
    if not NUMBER_PATTERN.match(text):
        raise CellError("not_a_number", f"“{shown(value)}”不是数字", "请只填写数字（不要带单位或文字）。")
    return _finite(float(text), value)


def _finite(number: float, value: object) -> float:
    """NaN and infinity (a numeric cell written by a program, or 1 followed by 400 zeros) are not figures."""
    if not math.isfinite(number):
        raise CellError(
            "not_finite",
            f"“{shown(value)}”不是有效的数值（非数字或超出范围）",
            "请填写一个普通的数字；如是公式，请改正公式或直接填写数值。",
        )
    return number


def to_int(value: object, *, empty_is_zero: bool = True, minimum: float | None = 0) -> int | None:
    """A count: whole and not negative."""
    number = to_number(value, empty_is_zero=empty_is_zero)
    if number is None:
        return None
    if number < 0:
        raise CellError("negative", f"“{shown(value)}”是负数", "数量不能为负数。")
    if not float(number).is_integer():
        raise CellError("fraction", f"“{shown(value)}”不是整数", "件数、人数、个数须为整数。")
    result = int(number)
    if minimum is not None and result < minimum:
        raise CellError("below_minimum", f"“{shown(result)}”小于最小值 {minimum:g}", f"此列不能小于 {minimum:g}。")
    return result


def to_decimal(value: object, *, empty_is_zero: bool = True) -> float | None:
    """Money in 万元, 2 places, not negative."""
    number = to_number(value, empty_is_zero=empty_is_zero)
    if number is None:
        return None
    if number < 0:
        raise CellError("negative", f"“{shown(value)}”是负数", "金额不能为负数。")
    return round(number, 2)


def to_plain_number(value: object) -> float | None:
    """A free number (ledger target/done values); empty stays empty."""
    return to_number(value, empty_is_zero=False)


def to_rate_pct(value: object) -> float | None:
    """85.3 / 85.3% / 0.853 → 85.3 (percent). A value ≤ 1 without % is a fraction."""
    text = _number_text(value)
    if text in ZERO_MARKS:
        return None
    if text.endswith("%"):
        number = to_number(text[:-1], empty_is_zero=False)
        return number
    number = to_number(value, empty_is_zero=False)
    if number is None:
        return None
    if number < 0:
        raise CellError("negative", f"“{shown(value)}”是负数", "比率不能为负数。")
    return number * 100 if number <= 1 else number


def excel_serial_to_date(serial: float) -> dt.date:
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def to_date(value: object) -> dt.date | None:
    """Excel dates, 2025-03-05, 2025/3/5, 2025年3月5日, 2025.3.5; empty → None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 < value < 80000:
            return excel_serial_to_date(value)
        raise CellError("not_a_date", f"“{shown(value)}”不是日期", "日期请写成 2025-03-05 或 2025年3月5日。")
    text = unicodedata.normalize("NFKC", as_text(value)).replace(" ", "")
    if text in ("", "-", "—", "/", "无"):
        return None
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups()[:3])
            try:
                return dt.date(year, month, day)
            except ValueError:
                break
    raise CellError("not_a_date", f"“{shown(value)}”不是有效日期", "日期请写成 2025-03-05 或 2025年3月5日。")


def to_period(value: object) -> str | None:
    """统计期 text or an Excel date → 'YYYY-MM'; None when no period can be read."""
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 < value < 80000:
        day = excel_serial_to_date(value)
        return f"{day.year:04d}-{day.month:02d}"
    text = unicodedata.normalize("NFKC", as_text(value))
    match = PERIOD_PATTERN.search(text)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return None
    return f"{year:04d}-{month:02d}"


def period_filled(value: object) -> bool:
    """Does a 统计期 cell hold a value (then it must read as a month, even when the upload names the period)?
    A number or date does; text does when it has a digit: the blank template's "    年  月" does not."""
    if isinstance(value, (int, float, dt.date)) and not isinstance(value, bool):
        return True
    return any(ch.isdigit() for ch in unicodedata.normalize("NFKC", as_text(value)))


def to_step(value: object) -> int | None:
    """Ledger step: 5, 闭环销号, 5 闭环销号, 5、闭环销号, 5-闭环销号, 5闭环销号 → 5."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and 1 <= number <= 5:
            return int(number)
        raise CellError("bad_step", f"当前环节“{shown(value)}”不在 1–5 之间", _STEP_FIX)
    text = normalise(value)
    if not text:
        return None
    match = re.match(r"^(\d+)(?:\.0)?[、.\-－—:：_,，]*(.*)$", text)
    if match:
        number, name = int(match.group(1)), match.group(2)
        if not 1 <= number <= 5:
            raise CellError("bad_step", f"当前环节“{shown(value)}”不在 1–5 之间", _STEP_FIX)
        if name and name != STEP_NAMES[number - 1]:
            raise CellError("bad_step", f"当前环节“{shown(value)}”的编号与名称不一致", _STEP_FIX)
        return number
    if text in STEP_NAMES:
        return STEP_NAMES.index(text) + 1
    raise CellError("bad_step", f"当前环节“{shown(value)}”无法识别", _STEP_FIX)


_STEP_FIX = "请填 1–5、环节名称或“5 闭环销号”：1任务部署、2推进落实、3督导检查、4考核评估、5闭环销号。"


def to_yesno(value: object) -> bool | None:
    text = normalise(value)
    if text in ("是", "有", "Y", "y", "yes", "1"):
        return True
    if text in ("否", "无", "N", "n", "no", "0"):
        return False
    if text == "":
        return None
    raise CellError("bad_yesno", f"“{shown(value)}”不是“是”或“否”", "请填“是”或“否”。")


def to_enum(value: object, allowed: tuple) -> str | None:
    text = normalise(value)
    if not text:
        return None
    for option in allowed:
        if normalise(option) == text:
            return option
    raise CellError("bad_value", f"“{shown(value)}”不是可选值", "可选值：" + "、".join(allowed) + "。")


CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_check_digit(first17: str) -> str:
    """GB 32100-2015 check character of a unified social credit code."""
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(first17, CREDIT_WEIGHTS))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def to_credit_code(value: object) -> str | None:
    """18 characters of the GB 32100 charset; the check digit is a separate warning rule."""
    text = normalise(value).upper()
    if not text:
        return None
    if len(text) != 18 or any(ch not in CREDIT_CHARS for ch in text):
        raise CellError(
            "bad_credit_code",
            f"统一社会信用代码“{shown(value)}”不是18位有效字符",
            "请填写18位统一社会信用代码（数字和大写字母，不含 I、O、Z、S、V）。",
        )
    return text


def credit_code_valid(code: str) -> bool:
    return credit_check_digit(code[:17]) == code[17]
