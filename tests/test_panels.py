"""总览's 各项指标进展 panels (dashboard/panels.py), assembled from hand-made frames."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboard.panels import measure_panels

MED = pl.DataFrame(
    {
        "period": ["2025-03", "2025-04"],
        "mediation_share": [0.5, 0.6],
        "mediation_share_num": [5, 6],
        "mediation_share_den": [10, 10],
        "success_rate": [0.8, 0.9],
        "success_rate_num": [4, 9],
        "success_rate_den": [5, 10],
    }
)
COV = pl.DataFrame(
    {
        "measure": ["a", "a", "b"],
        "period": ["2025-03", "2025-04", "2025-04"],
        "rate": [0.1, 0.2, 0.3],
        "numerator": [1, 2, 3],
        "denominator": [10, 10, 10],
    }
)
TARGETS = pl.DataFrame(
    {"measure": ["a", "a"], "target_date": [dt.date(2025, 12, 31), dt.date(2026, 12, 31)], "rate": [0.5, None]}
)


def test_the_panels_are_share_success_then_each_coverage_measure_with_months_and_their_targets():
    panels = measure_panels(MED, COV, TARGETS, ["a", "zz", "b"], {"target": 0.65})
    assert [(p["period"], p["rate"], p["numerator"], p["denominator"], p["targets"]) for p in panels] == [
        (["2025-03", "2025-04"], [0.5, 0.6], [5, 6], [10, 10], [(0.65, "目标 65.0%")]),
        (["2025-03", "2025-04"], [0.8, 0.9], [4, 9], [5, 10], []),
        (
            ["2025-03", "2025-04"],
            [0.1, 0.2],
            [1, 2],
            [10, 10],
            [(0.5, "2025年底 50.0%")],
        ),  # a target without a rate: no mark
        (["2025-04"], [0.3], [3], [10], []),  # zz has no months: no panel
    ]
    assert [p["title"] for p in panels][:2] == ["协商调解解决占比", "调解成功率"]


def test_without_mediation_months_or_a_share_target_there_are_only_coverage_panels_and_no_share_mark():
    assert measure_panels(MED.head(0), COV, TARGETS, ["b"], {"target": None})[0]["rate"] == [0.3]
    assert len(measure_panels(MED.head(0), COV.head(0), TARGETS, ["a", "b"], {"target": None})) == 0
    assert measure_panels(MED, COV.head(0), TARGETS, [], {"target": None})[0]["targets"] == []
