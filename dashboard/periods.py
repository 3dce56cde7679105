"""Month arithmetic on 'YYYY-MM' periods: the one place dashboard/ shifts, counts and lists months."""

from __future__ import annotations


def index(period: str) -> int:
    """Months since year 0: '2025-01' → 2025 * 12."""
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def shift(period: str, months: int) -> str:
    """'2025-01' shifted by -1 → '2024-12'."""
    k = index(period) + months
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def span(first: str, last: str) -> int:
    """Months from first to last, both included: ('2025-01', '2025-03') → 3."""
    return index(last) - index(first) + 1


def months(first: str, last: str) -> list[str]:
    """Every month from first to last, both included (empty when last is before first)."""
    return [shift(first, k) for k in range(span(first, last))]
