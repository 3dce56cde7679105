"""dashboard/periods.py: the one month arithmetic (shift across years, span, month lists)."""

from __future__ import annotations

from dashboard import format as fmt
from dashboard import periods


def test_shift_crosses_year_boundaries_both_ways():
    assert periods.shift("2025-11", 3) == "2026-02"
    assert periods.shift("2025-01", -1) == "2024-12"
    assert periods.shift("2025-01", -24) == "2023-01"
    assert fmt.shift_period is periods.shift  # the formatter re-exports it, no second copy


def test_span_and_months_include_both_ends():
    assert periods.span("2024-11", "2025-02") == 4
    assert periods.months("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert periods.months("2025-03", "2025-01") == []
    assert periods.index("2025-02") - periods.index("2024-02") == 12
