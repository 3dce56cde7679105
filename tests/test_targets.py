"""The one target-status rule (dashboard/targets.py) and the target in force (macro targets_in_force)."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard import targets
from warehouse import labels

END_2025 = dt.date(2025, 12, 31)


@pytest.mark.parametrize(
    ("args", "fit", "expected"),
    [
        ((None, 0.8, END_2025, "2026-11"), {}, "no_data"),
        ((0.5, None, None, "2026-11"), {}, "no_target"),
        ((0.8, 0.8, END_2025, "2026-11"), {}, "reached"),  # reached stays reached after the deadline
        ((0.7, 0.8, END_2025, "2025-12"), {}, "behind"),  # the deadline's own month is still in time
        ((0.7, 0.8, END_2025, "2026-01"), {}, "overdue"),
        ((0.7, 0.8, END_2025, "2026-01"), {"fitted": True, "pace": 0.0}, "overdue"),  # whatever the pace
        ((0.7, 0.8, END_2025, "2025-06"), {"fitted": True, "pace": 0.02, "projected": "2025-11"}, "on_track"),
        ((0.7, 0.8, END_2025, "2025-06"), {"fitted": True, "pace": 0.01, "projected": "2026-04"}, "late"),
        ((0.7, 0.8, END_2025, "2025-06"), {"fitted": True, "pace": -0.01}, "stalled"),
        ((0.7, 0.8, END_2025, "2025-06"), {"fitted": True, "pace": None}, "no_data"),
    ],
)
def test_status(args, fit, expected):
    assert targets.status(*args, **fit) == expected
    assert targets.label(expected) == labels.TARGET_STATUS[expected]


def test_gap_phrase_before_at_and_after_the_deadline():
    goal = "2025年底目标55.5%"
    assert targets.gap_phrase(goal, 0.484, 0.555, END_2025, "2025-11") == "距2025年底目标55.5%还差7.1个百分点"
    assert targets.gap_phrase(goal, 0.484, 0.555, END_2025, "2025-12") == "距2025年底目标55.5%还差7.1个百分点"
    assert targets.gap_phrase(goal, 0.484, 0.555, END_2025, "2026-11") == "2025年底目标55.5%已逾期，尚差7.1个百分点"
    assert targets.gap_phrase(goal, 0.56, 0.555, END_2025, "2026-11") == "已达到2025年底目标55.5%"
    assert targets.gap_phrase(goal, None, 0.555, END_2025, "2026-11") == ""


def test_in_force_is_the_next_deadline_else_the_last(empty_warehouse):
    # config: union_100_committee 80 % by 2024-12-31, 90 % by 2025-12-31
    frame = targets.in_force(empty_warehouse, ["2024-06", "2024-12", "2025-01", "2026-11"])
    union = frame.filter(frame["measure"] == "union_100_committee")
    assert union.select("period", "rate").rows() == [
        ("2024-06", 0.8),
        ("2024-12", 0.8),
        ("2025-01", 0.9),
        ("2026-11", 0.9),
    ]
    share = targets.in_force_by_measure(empty_warehouse, "2026-11")["mediation_share"]
    assert (share["rate"], share["points_over_2024"], share["target_date"]) == (None, 0.1, END_2025)
    assert targets.in_force(empty_warehouse, []).height == 0
