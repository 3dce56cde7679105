"""Queries every page needs: available periods, freshness, region choices. Testable without Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

from auth.viewer import Viewer
from warehouse.db import Warehouse


@dataclass(frozen=True)
class Freshness:
    period: str | None  # latest month with mediation figures
    units_reported: int
    units_total: int


def periods(wh: Warehouse) -> list[str]:
    """Months with any current figures, oldest first."""
    frame = wh.query("""
        select distinct period from current_versions order by period
    """)
    return frame["period"].to_list()


def freshness(wh: Warehouse) -> Freshness:
    """数据截至 <latest month> · 已报送 n/N 个单位 (form A of that month)."""
    row = wh.query("""
        with latest as (select max(period) as period from current_versions where form = 'A'),
        units as (select code from ref_region where code = unit_code),
        reported as (
            select distinct r.unit_code
            from current_versions as c
            join ref_region as r on r.code = c.region_code
            where c.form = 'A' and c.period = (select period from latest)
        )
        select (select period from latest) as period,
               (select count(*) from reported) as reported,
               (select count(*) from units) as total
    """).row(0)
    return Freshness(row[0], int(row[1]), int(row[2]))


def region_choices(wh: Warehouse, viewer: Viewer) -> list[tuple[str, str, str]]:
    """(code, label, level) the viewer may pick: 全省, units, then the counties they may see."""
    index = wh.region_index()
    detail = viewer.detail_regions(index)
    visible_units = viewer.visible_units(index)
    choices: list[tuple[str, str, str]] = []
    if viewer.is_province or viewer.role == "city":
        choices.append(("220000", "全省", "province"))
    for unit in sorted(index.units, key=lambda r: r.code):
        if visible_units is None or unit.code in visible_units:
            choices.append((unit.code, unit.name, "unit"))
    for region in sorted(index.regions.values(), key=lambda r: r.code):
        if region.kind in ("province",) or region.code == region.unit_code:
            continue
        if detail is None or region.code in detail:
            unit = index.get(region.unit_code)
            choices.append((region.code, f"{unit.name if unit else ''} · {region.name}", "county"))
    return choices


def pending_note(wh: Warehouse, viewer: Viewer) -> str:
    """'含待审核数据：…' for the figures this viewer sees that still await review ('' when none)."""
    from warehouse import review

    if not review.pending_counts():
        return ""  # pending figures are not on the dashboards at all
    return review.pending_note(wh, regions=viewer.detail_regions(wh.region_index()))
