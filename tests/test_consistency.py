"""Pages that agree (issue 10 items 1–4): the same figure read by two pages' query functions is equal, for the
leader, a city clerk (demo_city) and a county clerk (demo_county), on a short demo warehouse (etl.demo, 3 months);
and every status word comes from one catalogue, warehouse/labels.py."""

from __future__ import annotations

import ast
from pathlib import Path

import polars as pl
import pytest

from auth.viewer import Viewer
from dashboard import disputes as ds
from dashboard import queries as q
from etl.demo import build_demo
from warehouse import labels
from warehouse.db import Warehouse

ROOT = Path(__file__).resolve().parent.parent
FIRST, LAST = "2025-01", "2025-03"
LEADER = Viewer("demo_leader", "leader")
CITY = Viewer("demo_city", "city", "220500")
COUNTY = Viewer("demo_county", "county", "220502")
# (viewer, the region 总览 and 重大集体争议 open on: the first of common.region_choices)
VIEWERS = [
    pytest.param(LEADER, "220000", id="leader"),
    pytest.param(CITY, "220000", id="city"),
    pytest.param(CITY, "220500", id="city-own-unit"),
    pytest.param(COUNTY, "220500", id="county"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("consistency") / "demo.duckdb"
    build_demo(db, first=FIRST, last=LAST)
    wh = Warehouse(db, read_only=True)
    yield wh
    wh.close()


def test_the_demo_has_open_and_in_progress_major_disputes_so_the_comparisons_mean_something(demo):
    statuses = set(demo.query("select distinct status from page_dispute_reports")["status"].to_list())
    assert {labels.DISPUTE_OPEN, labels.DISPUTE_IN_PROGRESS} <= statuses


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_overview_counts_unresolved_major_disputes_as_the_disputes_page_does_and_the_parts_add_up(demo, viewer, region):
    overview = q.open_major_count(demo, viewer, region, LAST, FIRST)
    page = ds.summary(demo, viewer, ds.Query(start=FIRST, end=LAST, region=region))
    assert {k: overview[k] for k in ("incidents", "open", "in_progress")} == {
        "incidents": page["unresolved"],
        "open": page["open"],
        "in_progress": page["in_progress"],
    }
    assert overview["incidents"] == overview["open"] + overview["in_progress"]


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_dispute_tiles_count_the_rows_the_lists_below_them_show(demo, viewer, region):
    query = ds.Query(start=FIRST, end=LAST, region=region)
    listed = ds.incidents(demo, viewer, query, None)
    warned = ds.warnings(demo, viewer, ds.Query(start=FIRST, end=LAST, region=region), None)
    tile, warn_tile = ds.summary(demo, viewer, query), ds.warning_summary(demo, viewer, query)
    assert (tile["incidents"], tile["unresolved"], warn_tile["warnings"], warn_tile["warnings_open"]) == (
        listed.height,
        listed.filter(listed["status"] != labels.DISPUTE_RESOLVED).height,
        warned.height,
        warned.filter(warned["status"] != labels.WARNING_CLOSED).height,
    )


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_overview_tile_counts_the_unresolved_disputes_its_list_draws_from(demo, viewer, region):
    count = q.open_major_count(demo, viewer, region, LAST, FIRST)
    listed = q.open_major_disputes(demo, viewer, region, 10_000, LAST, FIRST)
    assert count["incidents"] == listed.height


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_target_progress_shows_each_measure_in_the_window_of_the_ranking_beside_it(demo, viewer, region):
    progress = q.target_progress(demo, viewer, region, FIRST, LAST)
    ranking = q.unit_ranking(demo, viewer, FIRST, LAST, True)
    row = {r["measure"]: r["rate"] for r in ranking.filter(ranking["unit_code"] == region).to_dicts()}
    shown = dict(zip(progress["key"], progress["value"]))
    assert row and {k: pytest.approx(v) for k, v in shown.items()} == row
    month = q.kpis(demo, viewer, region, LAST).filter(pl.col("key") == "mediation_share")["value"][0]
    assert shown["mediation_share"] != pytest.approx(month)  # the month alone is another figure


STATUS_WORDS = {
    *labels.SIGNAL_STATUS.values(),
    *labels.SUBMISSION_STATUS.values(),
    *labels.DISPUTE_STATUSES,
    *labels.WARNING_STATUSES,
    *labels.SIGNAL_LEVEL.values(),
    *labels.WARNING_LEVELS,
    labels.SIGNAL_OPEN,
    labels.DISPUTE_UNRESOLVED,
    *labels.TARGET_STATUS.values(),
}
RETIRED = ("新发现", "已确认", "已关闭")  # the overview's old words for a signal's 待处置 / 处置中 / 已办结
READ_SIDE = sorted([*ROOT.glob("dashboard/*.py"), *ROOT.glob("pages/*.py")])
# Modules about report submissions: a late report is 迟报 there, never 逾期 (逾期 stays the word for an overdue
# ledger task, dashboard/ledger.py and pages/ledger.py).
SUBMISSION_MODULES = ("dashboard/submissions.py", "pages/submissions.py", "dashboard/charts.py", "dashboard/signals.py")


def _spelled(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal (f-string parts included) that is exactly a status word."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip() in STATUS_WORDS
    ]


def test_status_and_level_words_are_spelled_only_in_the_labels_catalogue():
    found = {str(p.relative_to(ROOT)): _spelled(p) for p in READ_SIDE if p.name != "labels.py"}
    assert {k: v for k, v in found.items() if v} == {}


def test_no_module_says_the_retired_signal_words_or_calls_a_late_report_overdue():
    retired = {str(p.relative_to(ROOT)): [w for w in RETIRED if w in p.read_text(encoding="utf-8")] for p in READ_SIDE}
    overdue = {m: (ROOT / m).read_text(encoding="utf-8").count("逾期") for m in SUBMISSION_MODULES}
    assert ({k: v for k, v in retired.items() if v}, {k: v for k, v in overdue.items() if v}) == ({}, {})


def test_overview_and_risk_pages_name_a_signal_state_with_the_same_word():
    from dashboard import signals as sq
    from warehouse import signals as engine

    assert q.SIGNAL_STATUS == sq.STATUS_NAMES == engine.STATUS_NAMES == labels.SIGNAL_STATUS
    assert q.LEVEL_LABELS == sq.LEVEL_NAMES == engine.LEVEL_NAMES == labels.SIGNAL_LEVEL


# ------------------------------------------------------------------ items 8 and 9: target status and as-of, once
def _coarse(status: str | None) -> str | None:
    """A target status as every page states it: reached, overdue, or still open (组织建设 refines open by pace)."""
    return status if status in ("reached", "overdue", "no_target", None) else "open"


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_overview_brief_and_coverage_page_state_each_target_alike(demo, viewer, region):
    from dashboard import brief
    from dashboard import coverage as cov

    tiles = {r["key"]: r for r in q.kpis(demo, viewer, region, LAST).to_dicts()}
    in_brief = {c.label: c for c in brief.build(demo, viewer, region, LAST).figures.coverage}
    checked = 0
    for m in cov.catalog():
        tile = tiles[m["key"]]
        page = cov.projections(demo, viewer, m["key"], LAST).filter(pl.col("region_code") == region)
        assert in_brief[m["label"]].status == tile["status"]
        if page.height and tile["value"] is not None:
            assert _coarse(page["status"][0]) == _coarse(tile["status"]), m["key"]
            assert page["rate"][0] == pytest.approx(tile["value"])
            checked += 1
    assert checked >= 5


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_coverage_ranking_and_projection_read_each_unit_as_of_the_same_report(demo, viewer, region):
    from dashboard import coverage as cov

    units = cov.unit_rates(demo, viewer, LAST).filter(pl.col("measure") == "above_scale_committee")
    proj = cov.projections(demo, viewer, "above_scale_committee", LAST).filter(pl.col("region_code") != "220000")
    shown = units.filter(pl.col("as_of").is_not_null()).select("region_code", "as_of", "numerator", "denominator")
    assert (
        proj.select("region_code", "as_of", "numerator", "denominator").sort("region_code").rows()
        == shown.sort("region_code").rows()
    )
