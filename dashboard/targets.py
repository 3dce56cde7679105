"""Campaign targets: which one is in force for a month, and the one rule for where a figure stands against it.

Which target applies to a month is the warehouse macro ``targets_in_force`` (warehouse/models/macros); this module
only selects from it. ``status`` is the target-status rule 组织建设 (with a fitted pace), 总览 and the 月度简报
(without) share, so a page never says "还差" where another says 逾期未达标; its words are warehouse/labels.py's.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from warehouse import labels
from warehouse.db import Warehouse

EPS = 1e-12  # a rate equal to its target (up to float noise) has reached it
STATUSES = tuple(labels.TARGET_STATUS)


def in_force(wh: Warehouse, periods: str | list[str]) -> pl.DataFrame:
    """The targets in force for each month (macro targets_in_force): period, measure, target_date, rate (null for
    a target relative to 2024), points_over_2024. Configuration: the same for every viewer."""
    periods = [periods] if isinstance(periods, str) else sorted(set(periods))
    return wh.query("select * from targets_in_force($periods) order by period, measure", {"periods": periods})


def in_force_by_measure(wh: Warehouse, period: str) -> dict[str, dict]:
    """measure → its target row in force for one month."""
    return {r["measure"]: r for r in in_force(wh, period).to_dicts()}


def deadline_month(deadline: dt.date | str | None) -> str | None:
    """'YYYY-MM' of a deadline (a date or already a month)."""
    if deadline is None:
        return None
    return deadline if isinstance(deadline, str) else deadline.strftime("%Y-%m")


def passed(deadline: dt.date | str | None, period: str) -> bool:
    """Whether the deadline has passed by month ``period``: the deadline's own month still counts as in time
    (its month-end stock is the figure the deadline is judged on)."""
    month = deadline_month(deadline)
    return month is not None and period > month


def status(
    rate: float | None,
    target: float | None,
    deadline: dt.date | str | None,
    period: str,
    *,
    fitted: bool = False,
    pace: float | None = None,
    projected: str | None = None,
) -> str:
    """Where ``rate`` in month ``period`` stands against ``target`` due by ``deadline`` (a key of
    labels.TARGET_STATUS).

    no_target · no_data (no rate) · reached · overdue (below target after the deadline's month, whatever the
    pace) · then, below target before the deadline: behind when no pace was ``fitted``; with one (组织建设),
    no_data (too few months to fit), stalled (pace ≤ 0), on_track (``projected`` month ≤ the deadline's) or late.
    """
    if target is None:
        return "no_target"
    if rate is None:
        return "no_data"
    if rate >= target - EPS:
        return "reached"
    if passed(deadline, period):
        return "overdue"
    if not fitted:
        return "behind"
    if pace is None:
        return "no_data"
    if pace <= 1e-9:
        return "stalled"
    month = deadline_month(deadline)
    return "on_track" if month is None or (projected is not None and projected <= month) else "late"


def label(key: str | None) -> str:
    return labels.TARGET_STATUS.get(key or "", "")


def gap_points(rate: float | None, target: float | None) -> float | None:
    """Percentage points still short of the target (≥ 0), None without both figures."""
    if rate is None or target is None:
        return None
    return max(0.0, 100 * (target - rate))


def gap_phrase(goal: str, rate: float | None, target: float | None, deadline: dt.date | str | None, period: str) -> str:
    """The brief's clause on a target: '已达到{goal}' · '{goal}已逾期，尚差7.1个百分点' · '距{goal}还差7.1个百分点'
    ('' without both figures). ``goal`` names the target, e.g. '2025年底目标71.2%'."""
    key = status(rate, target, deadline, period)
    if key in ("no_target", "no_data"):
        return ""
    if key == "reached":
        return f"已达到{goal}"
    gap = gap_points(rate, target)
    if key == "overdue":
        return f"{goal}已逾期，尚差{gap:.1f}个百分点"
    return f"距{goal}还差{gap:.1f}个百分点"


def gap_note(key: str | None, rate: float | None, target: float | None) -> str:
    """The short note beside a figure, the same on 总览's tiles, the brief's tables and the Word brief:
    '已达标' · '逾期未达标 · 差 7.1 个百分点' · '未达标 · 差 3.0 个百分点' ('—' without both figures)."""
    gap = gap_points(rate, target)
    if gap is None or key in (None, "no_target", "no_data"):
        return "—"
    if key == "reached":
        return label(key)
    return f"{label(key)} · 差 {gap:.1f} 个百分点"
