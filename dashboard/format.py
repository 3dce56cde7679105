"""Chinese number formatting: thousands separators, 万元, rates with one decimal and their fraction."""
from __future__ import annotations

import math


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def count(value, unit: str = "") -> str:
    """12345 → '12,345' (+ unit)."""
    if _missing(value):
        return "—"
    return f"{int(round(value)):,}{unit}"


def money_wan(value) -> str:
    """Money in 万元 with two decimals: 1234.5 → '1,234.50 万元'."""
    if _missing(value):
        return "—"
    return f"{float(value):,.2f} 万元"


def rate(value, numerator=None, denominator=None) -> str:
    """A fraction as percent with one decimal, with its numerator/denominator when given: '72.5%（29/40）'."""
    if _missing(value):
        return "—" if denominator in (None, 0) else f"—（{count(numerator)}/{count(denominator)}）"
    text = f"{100 * float(value):.1f}%"
    if numerator is not None and denominator is not None:
        text += f"（{count(numerator)}/{count(denominator)}）"
    return text


def points(delta) -> str:
    """A change of a rate in percentage points: 0.034 → '+3.4 个百分点'."""
    if _missing(delta):
        return "—"
    return f"{100 * delta:+.1f} 个百分点"


def change_pct(current, previous) -> str:
    """Month-on-month change: '+12.3%'; '—' without a base."""
    if _missing(current) or _missing(previous) or not previous:
        return "—"
    return f"{100 * (current - previous) / previous:+.1f}%"


def period_label(period: str | None) -> str:
    """'2025-10' → '2025年10月'."""
    if not period:
        return "—"
    return f"{int(period[:4])}年{int(period[5:7])}月"
