"""Page queries of 总览 / 调解成效 on a tiny warehouse with hand-checkable numbers, and their scopes.

The tiny warehouse (`tiny` fixture, built by `build_tiny`):

附件1 调解情况 (accepted, closed, succeeded, arbitration_filed):
    period    220500 通化市本级   220502 东昌区     220100 长春市本级
    2024-12   10, 8, 4, 10       10, 8, 4, 10      20, 16, 8, 20
    2025-01   10, 10, 9, 0       30, 20, 10, 10    40, 40, 20, 10
    2025-02   20, 20, 10, 0      20, 10, 5, 30     (not reported)
附件1 分行业 2025-01: 220500 C 6/5, E 4/2 · 220502 C 20/8 · 220100 E 40/20 (accepted/succeeded)
附件1 重大集体争议 2025-01: 220502 35 workers 处置中 (major) · 220100 40 workers 处置中 (major) ·
    220100 12 workers 10 万元 处置中 (not major)
附件2 组织建设: 2025-01 220500 (规上 20/15); 2025-02 220500 (规上 20/15, 工会百人 10/8) and
    220502 (规上 10/5, 工会百人 10/8)
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from builders import a1_row, a2_row, a3_row, b1_row, form_workbook

from auth.viewer import PROVINCE_ADMIN, Viewer
from dashboard import queries as q
from etl.ingest import ingest
from etl.regions import reference_index
from warehouse.db import Warehouse

TODAY = dt.date(2025, 3, 20)
CITY = Viewer("tonghua", "city", "220500")
COUNTY = Viewer("dongchang", "county", "220502")
LEADER = Viewer("leader", "leader")


def a1(code: str, accepted: int, closed: int, succeeded: int, filed: int) -> dict:
    """An 调解情况 row with every case at enterprise committees (the parts then add up trivially)."""
    return a1_row(
        code,
        accepted_total=accepted,
        accepted_enterprise=accepted,
        accepted_township=0,
        accepted_arbitration=0,
        accepted_chamber=0,
        accepted_other=0,
        closed_total=closed,
        succeeded_total=succeeded,
        succeeded_enterprise=succeeded,
        succeeded_township=0,
        succeeded_arbitration=0,
        succeeded_chamber=0,
        succeeded_other=0,
        arbitration_filed=filed,
        court_entrusted=1,
        online_accepted=2,
        arbitration_review=1,
        judicial_confirmation=0,
        collective_cases=0,
        collective_workers=0,
        workers=accepted,
        amount_wan=float(accepted),
    )


def load(wh, form: str, period: str, data: dict, unit: str, *, loaded_at: dt.datetime | None = None):
    content = form_workbook(form, data, period=period, unit=reference_index().get(unit))
    result = ingest(wh, content, f"{unit}-{period}-{form}.xlsx", today=TODAY, loaded_at=loaded_at)
    assert result.status == "loaded", [e.message for e in result.errors]
    return result


def build_tiny(path) -> Warehouse:
    wh = Warehouse(path)
    load(wh, "A", "2024-12", {"调解情况": [a1("220500", 10, 8, 4, 10), a1("220502", 10, 8, 4, 10)]}, "220500")
    load(wh, "A", "2024-12", {"调解情况": [a1("220100", 20, 16, 8, 20)]}, "220100")
    load(
        wh,
        "A",
        "2025-01",
        {
            "调解情况": [a1("220500", 10, 10, 9, 0), a1("220502", 30, 20, 10, 10)],
            "分行业": [
                a2_row("220500", industry="C", accepted=6, succeeded=5, collective_cases=0, workers=6),
                a2_row("220500", industry="E", accepted=4, succeeded=2, collective_cases=0, workers=4),
                a2_row("220502", industry="C", accepted=20, succeeded=8, collective_cases=0, workers=20),
            ],
            "重大集体争议": [
                a3_row("220502", occurred_on=dt.date(2025, 1, 8), workers=35, employer="东昌测试建筑有限公司")
            ],
        },
        "220500",
    )
    load(
        wh,
        "A",
        "2025-01",
        {
            "调解情况": [a1("220100", 40, 40, 20, 10)],
            "分行业": [a2_row("220100", industry="E", accepted=40, succeeded=20, collective_cases=0, workers=40)],
            "重大集体争议": [
                a3_row("220100", occurred_on=dt.date(2025, 1, 10), workers=40, employer="长春测试制造有限公司"),
                a3_row(
                    "220100",
                    occurred_on=dt.date(2025, 1, 12),
                    workers=12,
                    amount_wan=10.0,
                    employer="长春测试商贸有限公司",
                    credit_code=None,
                ),
            ],
        },
        "220100",
    )
    load(wh, "A", "2025-02", {"调解情况": [a1("220500", 20, 20, 10, 0), a1("220502", 20, 10, 5, 30)]}, "220500")
    ref = reference_index().get("220502").townships_ref
    load(wh, "B", "2025-01", {"组织建设": [b1_row("220500")]}, "220500")
    load(
        wh,
        "B",
        "2025-02",
        {
            "组织建设": [
                b1_row("220500"),
                b1_row("220502", townships=ref, above_scale_enterprises=10, above_scale_with_committee=5),
            ]
        },
        "220500",
    )
    return wh


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    wh = build_tiny(tmp_path_factory.mktemp("tiny") / "wh.duckdb")
    yield wh
    wh.close()


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple]:
    return [tuple(r[c] for c in columns) for r in frame.to_dicts()]


# ------------------------------------------------------------------ roll-ups: rates from summed numerators
def test_trend_of_a_unit_sums_its_regions_and_recomputes_the_rates(tiny):
    frame = q.trend(tiny, PROVINCE_ADMIN, "220500", "2024-12", "2025-02")
    assert rows(
        frame,
        "period",
        "accepted_total",
        "closed_total",
        "succeeded_total",
        "arbitration_filed",
        "success_rate_num",
        "success_rate_den",
        "mediation_share_num",
        "mediation_share_den",
    ) == [
        ("2024-12", 20, 16, 8, 20, 8.0, 16.0, 8.0, 40.0),
        ("2025-01", 40, 30, 19, 10, 19.0, 30.0, 19.0, 50.0),
        ("2025-02", 40, 30, 15, 30, 15.0, 30.0, 15.0, 70.0),
    ]
    # 19/30, not the average of 9/10 and 10/20 (0.7)
    assert frame["success_rate"].to_list() == pytest.approx([0.5, 19 / 30, 0.5])
    assert frame["mediation_share"].to_list() == pytest.approx([0.2, 0.38, 15 / 70])


def test_province_total_covers_every_unit(tiny):
    frame = q.trend(tiny, PROVINCE_ADMIN, None, "2025-01", "2025-01")
    assert rows(frame, "accepted_total", "closed_total", "succeeded_total", "arbitration_filed") == [(80, 70, 39, 20)]
    assert frame["mediation_share"][0] == pytest.approx(39 / 100)


def test_mediation_totals_with_last_year_only_when_complete(tiny):
    totals = q.mediation_totals(tiny, PROVINCE_ADMIN, "220500", "2025-01", "2025-02")
    current = totals["current"]
    assert (current["accepted_total"], current["closed_total"], current["succeeded_total"]) == (80, 60, 34)
    assert current["success_rate"] == pytest.approx(34 / 60)
    assert totals["last_year"] is None  # 2024-01…02 has no figures


def test_breakdown_under_the_province_is_by_unit(tiny):
    frame = q.mediation_by_child(tiny, PROVINCE_ADMIN, None, "2025-01", "2025-02")
    got = {r["code"]: (r["name"], r["accepted_total"], r["succeeded_total"]) for r in frame.to_dicts()}
    assert got["220500"] == ("通化市", 80, 34)
    assert got["220100"] == ("长春市", 40, 20)
    assert got["229901"] == ("长白山管委会", None, None)  # listed, without figures
    assert frame.height == 11
    assert frame.filter(pl.col("code") == "220500")["accepted_share"][0] == pytest.approx(80 / 120)


def test_breakdown_under_a_unit_is_by_region_with_its_own_code_as_city_level(tiny):
    frame = q.mediation_by_child(tiny, PROVINCE_ADMIN, "220500", "2025-01", "2025-01")
    reported = frame.filter(pl.col("accepted_total").is_not_null())
    assert rows(reported, "code", "name", "accepted_total", "success_rate") == [
        ("220500", "通化市本级", 10, 0.9),
        ("220502", "东昌区", 30, 0.5),
    ]


def test_org_kinds(tiny):
    frame = q.org_kinds(tiny, PROVINCE_ADMIN, "220500", "2025-01", "2025-02")
    assert rows(frame, "label", "accepted", "succeeded") == [
        ("企业调解委员会", 80, 34),
        ("乡镇（街道）调解中心", 0, 0),
        ("仲裁院调解中心", 0, 0),
        ("商（协）会调解组织", 0, 0),
        ("其他调解组织", 0, 0),
    ]


# ------------------------------------------------------------------ industries
def test_industry_breakdown_adds_the_unclassified_remainder(tiny):
    frame = q.industry_breakdown(tiny, PROVINCE_ADMIN, None, "2025-01", "2025-01")
    assert rows(frame, "industry_code", "industry_name", "accepted", "succeeded") == [
        ("E", "建筑业", 44, 22),
        ("C", "制造业", 26, 13),
        ("~", "未分行业", 10, 4),
    ]
    assert frame["success_share"].to_list() == pytest.approx([0.5, 0.5, 0.4])
    assert frame["accepted_share"].to_list() == pytest.approx([44 / 80, 26 / 80, 10 / 80])


def test_industry_matrix_by_unit_and_filtered(tiny):
    frame = q.industry_matrix(tiny, PROVINCE_ADMIN, None, "2025-01", "2025-01")
    assert rows(frame, "code", "industry_code", "accepted", "succeeded") == [
        ("220100", "E", 40, 20),
        ("220500", "C", 26, 13),
        ("220500", "E", 4, 2),
    ]
    only_c = q.industry_matrix(tiny, PROVINCE_ADMIN, "220500", "2025-01", "2025-01", "C")
    assert rows(only_c, "name", "accepted") == [("通化市本级", 6), ("东昌区", 20)]


# ------------------------------------------------------------------ coverage, targets, KPIs
def test_coverage_trend_sums_stock_over_reporting_regions(tiny):
    frame = q.coverage_trend(tiny, PROVINCE_ADMIN, "220500", "2025-01", "2025-02").filter(
        pl.col("measure").is_in(["above_scale_committee", "union_100_committee"])
    )
    assert rows(frame.sort(["measure", "period"]), "period", "measure", "numerator", "denominator", "target") == [
        ("2025-01", "above_scale_committee", 15, 20, 0.8),
        ("2025-02", "above_scale_committee", 20, 30, 0.8),
        ("2025-01", "union_100_committee", 8, 10, 0.9),
        ("2025-02", "union_100_committee", 16, 20, 0.9),
    ]


def test_target_in_force_is_the_next_deadline_else_the_last(tiny):
    # the warehouse macro targets_in_force (the one rule); queries only selects from it
    assert q.target_in_force(tiny, "union_100_committee", "2024-06")["rate"] == 0.8
    assert q.target_in_force(tiny, "union_100_committee", "2024-12")["rate"] == 0.8
    assert q.target_in_force(tiny, "union_100_committee", "2025-01")["rate"] == 0.9
    assert q.target_in_force(tiny, "union_100_committee", "2026-03")["rate"] == 0.9
    assert q.target_in_force(tiny, "park_org", "2025-01") is None


def test_kpis_of_a_unit_against_targets(tiny):
    frame = q.kpis(tiny, PROVINCE_ADMIN, "220500", "2025-02")
    got = {r["key"]: r for r in frame.to_dicts()}
    accepted = got["accepted_total"]
    assert (accepted["value"], accepted["previous"], accepted["change"]) == (40, 40, 0)
    share = got["mediation_share"]
    # 2024 average 8/40 = 20 %, target +10 points = 30 %; value 15/70
    assert share["baseline"] == pytest.approx(0.2)
    assert share["target"] == pytest.approx(0.3)
    assert share["gap"] == pytest.approx(15 / 70 - 0.3)
    assert share["met"] is False
    assert share["change"] == pytest.approx(15 / 70 - 0.38)
    assert share["target_text"] == "2025年底比2024年均值（20.0%）提高 10 个百分点（30.0%）"
    above = got["above_scale_committee"]
    assert (above["numerator"], above["denominator"], above["target"]) == (20, 30, 0.8)
    assert above["change"] == pytest.approx(20 / 30 - 0.75)
    assert above["gap"] == pytest.approx(20 / 30 - 0.8)
    union = got["union_100_committee"]
    assert (union["value"], union["met"], union["target_text"]) == (0.8, False, "2025年底达到 90.0%")
    assert got["park_org"]["target"] is None


def test_unit_ranking_ranks_units_and_adds_the_province(tiny):
    frame = q.unit_ranking(tiny, PROVINCE_ADMIN, "2025-01", "2025-01", True)
    share = frame.filter(pl.col("measure") == "mediation_share").sort("unit_code")
    reported = share.filter(pl.col("rate").is_not_null())
    assert rows(reported, "unit_code", "numerator", "denominator", "rank", "target") == [
        ("220000", 39.0, 100.0, None, pytest.approx(0.3)),  # province 2024: 16/80 = 20 %
        ("220100", 20.0, 50.0, 1, pytest.approx(0.3)),
        ("220500", 19.0, 50.0, 2, pytest.approx(0.3)),
    ]
    assert share.filter(pl.col("unit_code") == "220500")["met"][0] is True
    assert share.height == 12 and share["reported"].sum() == 3
    table = q.ranking_table(frame)
    assert table.columns[:3] == ["单位", "协商调解解决占比", "调解成功率"]
    assert table["单位"].to_list()[:2] == ["全省", "长春市"]


def test_missing_units(tiny):
    assert "长春市" in q.missing_units(tiny, "2025-02")
    assert "通化市" not in q.missing_units(tiny, "2025-02")
    assert len(q.missing_units(tiny, "2025-01")) == 9


# ------------------------------------------------------------------ early warning
def test_open_major_disputes_and_count(tiny):
    frame = q.open_major_disputes(tiny, PROVINCE_ADMIN, None)
    assert rows(frame, "occurred_on", "region_name", "employer", "workers") == [
        (dt.date(2025, 1, 10), "长春市", "长春测试制造有限公司", 40),
        (dt.date(2025, 1, 8), "东昌区", "东昌测试建筑有限公司", 35),
    ]
    assert q.open_major_count(tiny, PROVINCE_ADMIN)["incidents"] == 2
    assert q.open_signals(tiny, PROVINCE_ADMIN).columns[:3] == ["level", "period", "region_code"]


# ------------------------------------------------------------------ scopes (interfaces.md §4)
def test_county_sees_its_unit_totals_and_only_its_own_rows(tiny):
    with pytest.raises(q.ScopeError):
        q.selection(tiny, COUNTY, None)
    with pytest.raises(q.ScopeError):
        q.selection(tiny, COUNTY, "220100")
    with pytest.raises(q.ScopeError):
        q.selection(tiny, COUNTY, "220500" + "0")
    # its unit's total (both regions) …
    assert q.trend(tiny, COUNTY, "220500", "2025-01", "2025-01")["accepted_total"].to_list() == [40]
    # … but only its own row in the breakdown and in lists
    assert q.mediation_by_child(tiny, COUNTY, "220500", "2025-01", "2025-01")["code"].to_list() == ["220502"]
    assert q.industry_matrix(tiny, COUNTY, "220500", "2025-01", "2025-01")["code"].unique().to_list() == ["220502"]
    assert q.open_major_disputes(tiny, COUNTY, "220500")["region_code"].to_list() == ["220502"]
    assert q.unit_ranking(tiny, COUNTY, "2025-01", "2025-01", True)["unit_code"].unique().to_list() == ["220500"]
    with pytest.raises(q.ScopeError):
        q.open_major_count(tiny, COUNTY, None)


def test_city_sees_province_totals_and_rankings_but_no_other_units_rows(tiny):
    assert q.trend(tiny, CITY, None, "2025-01", "2025-01")["accepted_total"].to_list() == [80]
    assert q.unit_ranking(tiny, CITY, "2025-01", "2025-01")["unit_code"].n_unique() == 11
    # 长春's unit total is a ranking figure; its regions are not the city's to see
    assert q.mediation_by_child(tiny, CITY, "220100", "2025-01", "2025-01").height == 0
    assert q.trend(tiny, CITY, "220100", "2025-01", "2025-01")["accepted_total"].to_list() == [40]
    with pytest.raises(q.ScopeError):
        q.selection(tiny, CITY, "220183")  # a county of 长春
    # detail lists hold only the city's own regions, even for the province selection
    assert q.open_major_disputes(tiny, CITY, None)["region_code"].to_list() == ["220502"]
    assert q.open_major_count(tiny, CITY, None)["incidents"] == 1  # what the list shows (issue 10 item 2)
    assert q.industry_matrix(tiny, CITY, None, "2025-01", "2025-01")["code"].unique().sort().to_list() == [
        "220100",
        "220500",
    ]  # unit totals by industry are rankings


def test_leader_sees_everything(tiny):
    assert q.selection(tiny, LEADER, "220183").members == ("220183",)
    assert q.open_major_disputes(tiny, LEADER, None).height == 2


# ------------------------------------------------------------------ formulas
def test_split_ratio():
    assert q.split_ratio("succeeded_total / closed_total") == ("succeeded_total", "closed_total")
    assert q.split_ratio("succeeded_total / (accepted_total + arbitration_filed)") == (
        "succeeded_total",
        "(accepted_total + arbitration_filed)",
    )
    assert q.split_ratio("(a + b) / c") == ("(a + b)", "c")
    assert q.split_ratio("a / b * 100") == ("a / b * 100", None)
    assert q.split_ratio("a + b") == ("a + b", None)


# ------------------------------------------------------------------ serving tables (warehouse/build.py)
def test_a_page_query_sees_each_load_at_once_and_never_writes(tmp_path, monkeypatch):
    """The serving table is refreshed by the load's commit: reading it (even with writing forbidden, or from a
    read-only open) shows the new figures, the correction included."""
    wh = Warehouse(tmp_path / "wh.duckdb")
    load(wh, "A", "2025-01", {"调解情况": [a1("220500", 10, 10, 9, 0)]}, "220500")

    def no_writes(*args, **kwargs):
        raise AssertionError("a read wrote to the warehouse")

    with monkeypatch.context() as patch:
        patch.setattr(wh, "write", no_writes)
        assert q.trend(wh, PROVINCE_ADMIN, None, "2025-01", "2025-01")["accepted_total"].to_list() == [10]
    load(wh, "A", "2025-01", {"调解情况": [a1("220500", 25, 10, 9, 0)]}, "220500")  # a correction
    generation = wh.generation
    with monkeypatch.context() as patch:
        patch.setattr(wh, "write", no_writes)
        assert q.trend(wh, PROVINCE_ADMIN, None, "2025-01", "2025-01")["accepted_total"].to_list() == [25]
    assert wh.generation == generation
    wh.close()
    ro = Warehouse(tmp_path / "wh.duckdb", read_only=True)
    assert q.trend(ro, PROVINCE_ADMIN, None, "2025-01", "2025-01")["accepted_total"].to_list() == [25]
    ro.close()
