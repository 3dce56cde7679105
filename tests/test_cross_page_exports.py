"""Cross-page consistency (issue 10 acceptance): on a short demo warehouse, for the leader, the city clerk and the
county clerk, each figure the 月度简报 shares with 总览, 调解成效 and 报送情况 — and the brief's workbook — is equal,
read through the pages' own query functions."""

from __future__ import annotations

import io

import polars as pl
import pytest
from openpyxl import load_workbook

from auth.viewer import Viewer
from dashboard import brief as br
from dashboard import queries as q
from dashboard import submissions as subs
from etl.demo import build_demo
from warehouse import labels
from warehouse.db import Warehouse

FIRST, LAST = "2025-01", "2025-03"
LEADER = Viewer("demo_leader", "leader")
CITY = Viewer("demo_city", "city", "220500")
COUNTY = Viewer("demo_county", "county", "220502")
VIEWERS = [
    pytest.param(LEADER, "220000", id="leader"),
    pytest.param(CITY, "220000", id="city"),
    pytest.param(CITY, "220500", id="city-own-unit"),
    pytest.param(COUNTY, "220500", id="county"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("cross_page") / "demo.duckdb"
    build_demo(db, first=FIRST, last=LAST)
    wh = Warehouse(db, read_only=True)
    yield wh
    wh.close()


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_brief_counts_unresolved_major_disputes_over_the_overview_tiles_window(demo, viewer, region):
    # a month before the latest: as of the latest month the brief of 2025-02 would count later disputes
    for period, start in ((LAST, None), (LAST, "2025-02"), ("2025-02", None)):
        built = br.build(demo, viewer, region, period, start)
        tile = q.open_major_count(demo, viewer, region, period, start or FIRST)
        listed = q.open_major_disputes(demo, viewer, region, 50, period, start or FIRST)
        assert (built.figures.major_open, built.figures.major_workers, built.figures.major_escalated) == (
            tile["incidents"],
            tile["workers"],
            tile["escalated"],
        )
        assert built.disputes.height == listed.height


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_brief_month_figures_equal_the_overview_kpis_and_the_mediation_page_totals(demo, viewer, region):
    f = br.build(demo, viewer, region, LAST).figures
    kp = {r["key"]: r for r in q.kpis(demo, viewer, region, LAST).to_dicts()}
    month = q.mediation_totals(demo, viewer, region, LAST, LAST)["current"]
    assert f.accepted == kp["accepted_total"]["value"] == month["accepted_total"]
    assert (f.closed, f.succeeded) == (month["closed_total"], month["succeeded_total"])
    assert f.success_rate == pytest.approx(kp["success_rate"]["value"]) == pytest.approx(month["success_rate"])
    assert f.share == pytest.approx(kp["mediation_share"]["value"]) == pytest.approx(month["mediation_share"])
    assert (f.share_num, f.share_den) == (kp["mediation_share"]["numerator"], kp["mediation_share"]["denominator"])


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_brief_coverage_equals_the_overview_tiles(demo, viewer, region):
    f = br.build(demo, viewer, region, LAST).figures
    kp = {r["key"]: r for r in q.kpis(demo, viewer, region, LAST).to_dicts()}
    shown = [(c.label, c.rate, c.numerator, c.denominator, c.status) for c in f.coverage]
    expected = [
        (
            m["label"],
            kp[m["key"]]["value"],
            kp[m["key"]]["numerator"],
            kp[m["key"]]["denominator"],
            kp[m["key"]]["status"],
        )
        for m in q.coverage_measures()
    ]
    assert shown and shown == expected


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_brief_reporting_sentence_counts_the_submissions_grid(demo, viewer, region):
    built = br.build(demo, viewer, region, LAST)
    f = built.figures
    sel = q.selection(demo, viewer, region)
    cells = subs.grid(demo, viewer, LAST, LAST, "A")
    if sel.level == "unit":
        cells = cells.filter(pl.col("unit_code") == sel.code)
    if sel.level == "region":
        assert f.units_due is None
        return
    assert f.units_due == cells.height
    assert f.units_on_time == cells.filter(pl.col("status") == "on_time").height
    assert f.units_late == cells.filter(pl.col("status") == "late")["unit_name"].to_list()
    assert f.units_missing == cells.filter(pl.col("status") == "missing")["unit_name"].to_list()
    text = "".join(built.sentences)
    assert "逾期报送" not in text
    if f.units_late:
        assert labels.LATE in text


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_brief_workbook_key_figures_sheet_holds_the_briefs_key_figures(demo, viewer, region):
    built = br.build(demo, viewer, region, LAST)
    book = load_workbook(io.BytesIO(br.brief_xlsx(built)), data_only=True)
    rows = list(book["关键数字"].iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "指标")
    body = [dict(zip(rows[header_at], r)) for r in rows[header_at + 1 :] if r and r[0] is not None]
    body = [r for r in body if r.get("单位") is not None]  # the figure rows; the sheet's notes follow them
    frame = built.key_figures.to_dicts()
    assert frame and len(body) == len(frame)
    for got, want in zip(body, frame):
        for column, value in want.items():
            cell = got[column]
            if isinstance(value, (int, float)):  # numbers stay numbers in the workbook (a number format, not text)
                assert isinstance(cell, (int, float)) and cell == pytest.approx(value), (column, cell, value)
            else:
                assert cell == value, (column, cell, value)


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_brief_and_overview_coverage_equal_the_coverage_pages_totals(demo, viewer, region):
    from dashboard import coverage as cov

    totals = cov.totals(demo, viewer, LAST, region)
    assert totals.height  # every viewer may see the region its pages open on
    page = {r["measure"]: (r["rate"], r["numerator"], r["denominator"]) for r in totals.to_dicts()}
    kp = {r["key"]: r for r in q.kpis(demo, viewer, region, LAST).to_dicts()}
    for m in q.coverage_measures():
        rate, num, den = page[m["key"]]
        assert (kp[m["key"]]["numerator"], kp[m["key"]]["denominator"]) == (num, den), m["key"]
        assert kp[m["key"]]["value"] == pytest.approx(rate), m["key"]


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_overview_latest_warnings_are_the_risk_pages_open_red_and_orange_signals(demo, viewer, region):
    from dashboard import signals as sq

    overview = q.open_signals(demo, viewer, region, limit=10_000)
    page = sq.signal_list(demo, viewer, period=LAST, region=region)
    page = page.filter((pl.col("status") != "closed") & pl.col("level").is_in(["red", "orange"]))
    assert sorted(zip(overview["region_code"], overview["title"])) == sorted(zip(page["region_code"], page["title"]))


def _assert_workbook_holds(frame: pl.DataFrame, content: bytes) -> None:
    """Every value of the frame is in the workbook's rows under its header, as the same number or the same text."""
    from dashboard import export

    rows = list(load_workbook(io.BytesIO(content), data_only=True).active.iter_rows(values_only=True))
    header = export.chinese_headers(frame.columns)
    at = next(i for i, r in enumerate(rows) if list(r[: len(header)]) == header)
    body = [r[: len(header)] for r in rows[at + 1 : at + 1 + frame.height]]
    assert len(body) == frame.height
    for got, want in zip(body, frame.rows()):
        for cell, value in zip(got, want):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert cell == pytest.approx(value), (cell, value)
            elif value is None:
                assert cell in (None, ""), cell
            else:
                assert str(cell) == str(value), (cell, value)


@pytest.mark.parametrize(("viewer", "region"), VIEWERS)
def test_coverage_pages_detail_download_holds_the_frame_it_shows(demo, viewer, region):
    from dashboard import coverage as cov
    from dashboard import export

    detail = cov.unit_rates(demo, viewer, LAST) if region == "220000" else cov.county_rates(demo, viewer, LAST, region)
    frame = cov.export_table(detail)
    assert frame.height
    _assert_workbook_holds(frame, export.xlsx_bytes(frame))
