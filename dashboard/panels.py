"""The small multiples of 总览's 各项指标进展, assembled once for the page and the Word brief."""

from __future__ import annotations

import polars as pl

from dashboard import queries as q
from dashboard.format import percent


def measure_panels(
    med: pl.DataFrame, cov: pl.DataFrame, targets_all: pl.DataFrame, coverage_keys: list[str], share: dict
) -> list[dict]:
    """Panels for charts.measure_panels: 协商调解解决占比 and 调解成功率, then each coverage measure in `coverage_keys`.

    `med` is q.trend, `cov` q.coverage_trend (same selection and months), `targets_all` q.targets, `share` the
    mediation_share row of q.kpis (its target is the share panel's mark). A measure without months has no panel.
    """
    panels = []
    if med.height:
        for key, title, marks in (
            (
                "mediation_share",
                "协商调解解决占比",
                [(share["target"], f"目标 {percent(share['target'])}")] if share["target"] else [],
            ),
            ("success_rate", "调解成功率", []),
        ):
            panels.append(
                {
                    "title": title,
                    "period": med["period"].to_list(),
                    "rate": med[key].to_list(),
                    "numerator": med[f"{key}_num"].to_list(),
                    "denominator": med[f"{key}_den"].to_list(),
                    "targets": marks,
                }
            )
    for key in coverage_keys:
        part = cov.filter(pl.col("measure") == key)
        if not part.height:
            continue
        # a measure's targets are its year-end marks (目标年份 and rate), as 组织建设 shows them
        marks = [
            (t["rate"], f"{t['target_date'].year}年底 {percent(t['rate'])}")
            for t in targets_all.filter(pl.col("measure") == key).to_dicts()
            if t["rate"] is not None
        ]
        panels.append(
            {
                "title": q.TILE_LABELS.get(key, key),
                "period": part["period"].to_list(),
                "rate": part["rate"].to_list(),
                "numerator": part["numerator"].to_list(),
                "denominator": part["denominator"].to_list(),
                "targets": marks,
            }
        )
    return panels
