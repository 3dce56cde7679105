"""One figure everywhere (issue 10 acceptance): on a short demo warehouse, for the leader, a city clerk and a county
clerk, every figure the 月度简报 (its sentences' figures, its 关键数字 sheet) shares with a page equals that page's —
总览's tiles, 调解成效's totals, 组织建设's totals, 重大集体争议's counts, 报送情况's grid — through each page's own
query function. A mismatch is a bug in the one place the rule lives, never a tolerance here."""

from __future__ import annotations

import io

import polars as pl
import pytest
from openpyxl import load_workbook

from auth.viewer import Viewer
from dashboard import brief, common, state
from dashboard import coverage as cov
from dashboard import disputes as ds
from dashboard import queries as q
from dashboard import submissions as subs
from etl.demo import build_demo
from warehouse import labels
from warehouse.db import Warehouse

FIRST, LAST = "2025-01", "2025-03"
# The month of the brief: not the latest, so a figure read "as of the latest month" instead of the brief's shows
PERIOD = "2025-02"
LEADER = Viewer("demo_leader", "leader")
CITY = Viewer("demo_city", "city", "220500")
COUNTY = Viewer("demo_county", "county", "220502")
# (viewer, the region the brief and the pages are opened on)
VIEWERS = [
    pytest.param(LEADER, "220000", id="leader-province"),
    pytest.param(LEADER, "220500", id="leader-unit"),
    pytest.param(CITY, "220500", id="city"),
    pytest.param(COUNTY, "220500", id="county"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("cross_page") / "demo.duckdb"
    build_demo(db, first=FIRST, last=LAST)  # PERIOD is not the latest month
    wh = Warehouse(db, read_only=True)
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def briefs(demo):
    """Each viewer's brief of PERIOD, built once (as the 总览 download builds it: the page's default window)."""
    cache = {}

    def get(viewer, region):
        key = (viewer.name, region)
        if key not in cache:
            cache[key] = brief.build(demo, viewer, region, PERIOD)
        return cache[key]

    return get


def _tiles(wh, viewer, region) -> dict[str, dict]:
    return {r["key"]: r for r in q.kpis(wh, viewer, region, PERIOD).to_dicts()}


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_brief_mediation_figures_are_the_overview_tiles_and_the_mediation_page_totals(demo, briefs, viewer, region):
    f = briefs(viewer, region).figures
    tiles = _tiles(demo, viewer, region)
    month = q.mediation_totals(demo, viewer, region, PERIOD, PERIOD)[
        "current"
    ]  # 调解成效 with the range set to one month
    brief_side = (f.accepted, f.succeeded, f.closed, f.success_rate, f.share, f.share_num, f.share_den)
    overview = (
        tiles["accepted_total"]["value"],
        tiles["success_rate"]["numerator"],
        tiles["success_rate"]["denominator"],
        tiles["success_rate"]["value"],
        tiles["mediation_share"]["value"],
        tiles["mediation_share"]["numerator"],
        tiles["mediation_share"]["denominator"],
    )
    mediation_page = (
        month["accepted_total"],
        month["succeeded_total"],
        month["closed_total"],
        month["success_rate"],
        month["mediation_share"],
        month["mediation_share_num"],
        month["mediation_share_den"],
    )
    assert f.accepted is not None
    assert _numbers(brief_side) == _numbers(overview) == _numbers(mediation_page)


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_brief_coverage_figures_are_the_overview_tiles_and_the_coverage_page_totals(demo, briefs, viewer, region):
    b = briefs(viewer, region)
    tiles = _tiles(demo, viewer, region)
    page = {r["measure"]: r for r in cov.totals(demo, viewer, PERIOD, region).to_dicts()}
    labels_by_key = {m["key"]: m["label"] for m in q.coverage_measures()}
    in_brief = {c.label: c for c in b.figures.coverage}
    assert page, "组织建设 shows the region's totals to this viewer"
    for key, label in labels_by_key.items():
        c, t, p = in_brief[label], tiles[key], page[key]
        assert (
            _numbers((c.rate, c.numerator, c.denominator, c.target))
            == _numbers((t["value"], t["numerator"], t["denominator"], t["target"]))
            == _numbers((p["rate"], p["numerator"], p["denominator"], p["target"]))
        ), label
        assert c.status == t["status"], label  # one target-status rule


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_brief_counts_the_major_disputes_of_the_overview_tile_and_the_disputes_page(demo, briefs, viewer, region):
    f = briefs(viewer, region).figures
    start = state.default_start(PERIOD, common.periods(demo))  # 总览's default window: the year to date
    tile = q.open_major_count(demo, viewer, region, PERIOD, start)
    page = ds.summary(demo, viewer, ds.Query(start=start, end=PERIOD, region=region))
    assert (
        (f.major_open, f.major_not_started, f.major_in_progress, f.major_workers)
        == (tile["incidents"], tile["open"], tile["in_progress"], tile["workers"])
        == (page["unresolved"], page["open"], page["in_progress"], tile["workers"])
    )
    listed = briefs(viewer, region).disputes
    assert listed.height == min(50, f.major_open)
    assert set(listed["status"].to_list()) <= {labels.DISPUTE_OPEN, labels.DISPUTE_IN_PROGRESS}


def test_the_demo_has_major_disputes_open_in_the_window_so_the_comparison_means_something(demo, briefs):
    assert briefs(LEADER, "220000").figures.major_open > 0


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_brief_submission_figures_are_the_submissions_grid(demo, briefs, viewer, region):
    f = briefs(viewer, region).figures
    cells = subs.grid(demo, viewer, PERIOD, PERIOD)
    cells = cells.filter(pl.col("form") == "A") if "form" in cells.columns else cells
    sel = q.selection(demo, viewer, region)
    if sel.level == "unit":
        cells = cells.filter(pl.col("unit_code") == sel.code)
    if sel.level == "region":
        assert f.units_due is None
        return
    assert (f.units_due, f.units_on_time, sorted(f.units_late), sorted(f.units_missing)) == (
        cells.height,
        cells.filter(pl.col("status") == "on_time").height,
        sorted(cells.filter(pl.col("status") == "late")["unit_name"].to_list()),
        sorted(cells.filter(pl.col("status") == "missing")["unit_name"].to_list()),
    )


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_the_brief_workbook_key_figures_sheet_holds_the_overview_tiles_as_numbers(demo, briefs, viewer, region):
    b = briefs(viewer, region)
    tiles = _tiles(demo, viewer, region)
    book = load_workbook(io.BytesIO(brief.brief_xlsx(b)))
    rows = list(book["关键数字"].iter_rows(min_row=3, values_only=True))
    header, body = list(rows[0]), [dict(zip(rows[0], r)) for r in rows[1:] if r[0]]
    by_label = {r["指标"]: r for r in body}
    for t in tiles.values():
        row = by_label[t["label"]]
        expected = None if t["value"] is None else (round(100 * t["value"], 1) if t["unit"] == "%" else t["value"])
        assert row["本月"] == expected, t["label"]
        assert (row["分子"], row["分母"]) == (t["numerator"], t["denominator"]), t["label"]
    major = by_label[f"{labels.DISPUTE_UNRESOLVED}重大集体争议"]
    assert major["本月"] == b.figures.major_open
    assert "达标情况" in header


def _numbers(values) -> tuple:
    """Floats to 9 decimals (sums in a different order differ in the last bits), ints as floats."""
    return tuple(None if v is None else round(float(v), 9) for v in values)
