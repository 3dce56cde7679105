"""组织建设 queries (dashboard/coverage.py) on a tiny warehouse with hand-checkable numbers, and the projection.

The warehouse holds form B for 2025-01…2025-03: 通化市 (本级 220500, 东昌区 220502, 辉南县 220523), 梅河口市 220581
(its own unit) and 长春市's 南关区 220102. Only 规上企业调委会设立率 (above_scale_committee, columns 4 ÷ 3) varies:

    month     220500   220502   220523  | 通化市   梅河口 220581 | 长春 220102 | 全省
    2025-01    2/10     5/10     7/20   | 14/40      8/10        | 30/40       | 52/90
    2025-02    2/10     7/10     8/20   | 17/40      8/10        | 30/40       | 55/90
    2025-03    2/10     9/10     9/20   | 20/40      8/10        | 30/40       | 58/90

通化's 2025-03 rate is 20/40 = 50 %, not the mean of its regions' rates (20 %, 90 %, 45 % → 51.7 %).
Targets come from config/settings.toml: above_scale_committee 80 % by 2025-12-31.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from builders import b1_row, form_workbook

from auth.viewer import PROVINCE_ADMIN, Viewer
from dashboard import coverage as cov
from etl.ingest import ingest
from etl.regions import reference_index

TODAY = dt.date(2025, 4, 15)
ABOVE_SCALE = {  # region → {period: (with_committee, enterprises)}
    "220500": {"2025-01": (2, 10), "2025-02": (2, 10), "2025-03": (2, 10)},
    "220502": {"2025-01": (5, 10), "2025-02": (7, 10), "2025-03": (9, 10)},
    "220523": {"2025-01": (7, 20), "2025-02": (8, 20), "2025-03": (9, 20)},
    "220581": {"2025-01": (8, 10), "2025-02": (8, 10), "2025-03": (8, 10)},
    "220102": {"2025-01": (30, 40), "2025-02": (30, 40), "2025-03": (30, 40)},
}
FILES = {"220500": ["220500", "220502", "220523"], "220581": ["220581"], "220100": ["220102"]}
COUNTY_CLERK = Viewer("huinan", "county", "220523")
CITY_CLERK = Viewer("tonghua", "city", "220500")


def _row(code: str, period: str) -> dict:
    region = reference_index().get(code)
    done, base = ABOVE_SCALE[code][period]
    name = region.name + "本级" if region.kind == "city" else region.name  # a bare 通化市 row is a subtotal
    return b1_row(
        code, name, townships=region.townships_ref, above_scale_enterprises=base, above_scale_with_committee=done
    )


@pytest.fixture(scope="module")
def coverage_warehouse(tmp_path_factory):
    """Built once for the module; the tests only read it."""
    from warehouse.db import Warehouse

    wh = Warehouse(tmp_path_factory.mktemp("coverage") / "wh.duckdb")
    index = reference_index()
    for period in ("2025-01", "2025-02", "2025-03"):
        for unit, codes in FILES.items():
            content = form_workbook(
                "B", {"组织建设": [_row(c, period) for c in codes]}, period=period, unit=index.get(unit)
            )
            result = ingest(wh, content, f"{unit}-{period}.xlsx", today=TODAY)
            assert result.status == "loaded", result.errors
    yield wh
    wh.close()


def _above(frame: pl.DataFrame) -> list[tuple]:
    """Rows of above_scale_committee of the regions that ever reported (the others are listed as 未报)."""
    reported = frame.filter(pl.col("as_of").is_not_null()) if "as_of" in frame.columns else frame
    return (
        reported.filter(pl.col("measure") == "above_scale_committee")
        .select("region_code", "region_name", "numerator", "denominator", "rate")
        .rows()
    )


def test_unit_rates_are_sums_of_numerators_and_denominators(coverage_warehouse):
    frame = cov.unit_rates(coverage_warehouse, PROVINCE_ADMIN, "2025-03")
    assert _above(frame) == [
        ("220100", "长春市", 30, 40, 0.75),
        ("220500", "通化市", 20, 40, 0.5),
        ("220581", "梅河口市", 8, 10, 0.8),
    ]
    tonghua = frame.filter((pl.col("region_code") == "220500") & (pl.col("measure") == "above_scale_committee"))
    assert tonghua.select("target", "target_date", "regions_reported", "as_of").row(0) == (
        0.8,
        dt.date(2025, 12, 31),
        3,
        "2025-03",
    )
    # the eight units that never sent form B are listed too, without figures, not dropped
    never = frame.filter(pl.col("as_of").is_null() & (pl.col("measure") == "above_scale_committee"))
    assert never.height == 8 and never["rate"].null_count() == 8 and "220200" in never["region_code"].to_list()


def test_totals_of_province_unit_and_county(coverage_warehouse):
    wh = coverage_warehouse
    assert _above(cov.totals(wh, PROVINCE_ADMIN, "2025-03")) == [("220000", "全省", 58, 90, pytest.approx(58 / 90))]
    assert _above(cov.totals(wh, PROVINCE_ADMIN, "2025-03", "220500")) == [("220500", "通化市", 20, 40, 0.5)]
    assert _above(cov.totals(wh, PROVINCE_ADMIN, "2025-01", "220523")) == [("220523", "辉南县", 7, 20, 0.35)]
    labels = cov.totals(wh, PROVINCE_ADMIN, "2025-03")["label"].to_list()
    assert labels == [
        "规上企业调委会设立率",
        "工会百人以上企业调委会设立率",
        "园区调解组织覆盖率",
        "乡镇（街道）实体化调解中心设立率",
        "仲裁院调解中心设立率",
        "商（协）会调解组织设立率",
    ]


def test_county_rates_with_city_bodies_first(coverage_warehouse):
    frame = cov.county_rates(coverage_warehouse, PROVINCE_ADMIN, "2025-03", "220500")
    assert _above(frame) == [
        ("220500", "通化市本级", 2, 10, 0.2),
        ("220502", "东昌区", 9, 10, 0.9),
        ("220523", "辉南县", 9, 20, 0.45),
    ]


def test_scope_county_clerk_sees_own_detail_and_own_unit_totals(coverage_warehouse):
    wh = coverage_warehouse
    assert _above(cov.unit_rates(wh, COUNTY_CLERK, "2025-03")) == [("220500", "通化市", 20, 40, 0.5)]
    assert _above(cov.county_rates(wh, COUNTY_CLERK, "2025-03", "220500")) == [("220523", "辉南县", 9, 20, 0.45)]
    assert cov.totals(wh, COUNTY_CLERK, "2025-03").height == 0  # no province totals
    assert cov.totals(wh, COUNTY_CLERK, "2025-03", "220100").height == 0  # nor another unit's
    assert cov.totals(wh, COUNTY_CLERK, "2025-03", "220502").height == 0  # nor a neighbour's detail
    traj = cov.trajectory(wh, COUNTY_CLERK, "above_scale_committee", "2025-03")
    assert traj.select("period", "region_code", "numerator", "denominator").rows() == [
        ("2025-01", "220500", 14, 40),
        ("2025-02", "220500", 17, 40),
        ("2025-03", "220500", 20, 40),
    ]


def test_scope_city_clerk_sees_rankings_but_only_own_detail(coverage_warehouse):
    wh = coverage_warehouse
    assert [r[0] for r in _above(cov.unit_rates(wh, CITY_CLERK, "2025-03"))] == ["220100", "220500", "220581"]
    assert cov.county_rates(wh, CITY_CLERK, "2025-03", "220100").height == 0
    assert [r[0] for r in _above(cov.county_rates(wh, CITY_CLERK, "2025-03", "220500"))] == [
        "220500",
        "220502",
        "220523",
    ]
    assert _above(cov.totals(wh, CITY_CLERK, "2025-03"))[0][2:4] == (58, 90)


def test_trajectory_province_first_then_units(coverage_warehouse):
    frame = cov.trajectory(coverage_warehouse, PROVINCE_ADMIN, "above_scale_committee", "2025-03", "2025-02")
    assert frame.select("period", "region_code", "region_name", "numerator", "denominator").rows() == [
        ("2025-02", "220000", "全省", 55, 90),
        ("2025-03", "220000", "全省", 58, 90),
        ("2025-02", "220100", "长春市", 30, 40),
        ("2025-03", "220100", "长春市", 30, 40),
        ("2025-02", "220500", "通化市", 17, 40),
        ("2025-03", "220500", "通化市", 20, 40),
        ("2025-02", "220581", "梅河口市", 8, 10),
        ("2025-03", "220581", "梅河口市", 8, 10),
    ]


def test_projections_per_unit(coverage_warehouse):
    frame = cov.projections(coverage_warehouse, PROVINCE_ADMIN, "above_scale_committee", "2025-03")
    rows = frame.select("region_code", "numerator", "denominator", "projected", "status", "message").rows()
    # 全省 52 → 55 → 58 of 90: pace 3/90 a month; (72 − 58)/3 = 4.67 → 5 months → 2025-08
    # 长春 and 梅河口 flat below 80 %; 通化 35 % → 42.5 % → 50 %: (80 − 50)/7.5 = 4 months → 2025-07
    assert rows == [
        ("220000", 58, 90, "2025-08", "on_track", "预计2025年8月达标"),
        ("220100", 30, 40, None, "stalled", "按当前进度无法在期限前达标（近期无提升）"),
        ("220500", 20, 40, "2025-07", "on_track", "预计2025年7月达标"),
        ("220581", 8, 10, None, "reached", "已达标"),
    ]
    assert frame.filter(pl.col("region_code") == "220500")["pace"][0] == pytest.approx(0.075)


def test_map_frames(coverage_warehouse):
    units = cov.unit_map_frame(coverage_warehouse, PROVINCE_ADMIN, "2025-03", "above_scale_committee")
    assert units.filter(pl.col("比率").is_not_null()).rows() == [
        ("220100", "长春市", 75.0, 30, 40, "2025-03", ""),
        ("220500", "通化市", 50.0, 20, 40, "2025-03", ""),
        ("220581", "梅河口市", 80.0, 8, 10, "2025-03", ""),
    ]
    assert units.filter(pl.col("region_code") == "220200").rows() == [
        ("220200", "吉林市", None, None, None, "未报", "（未报）")
    ]
    counties = cov.county_map_frame(coverage_warehouse, COUNTY_CLERK, "2025-03", "220500", "above_scale_committee")
    assert counties.rows() == [("220523", "辉南县", 45.0, 9, 20, "2025-03", "")]


def test_export_table_has_chinese_headers(coverage_warehouse):
    frame = cov.export_table(cov.unit_rates(coverage_warehouse, PROVINCE_ADMIN, "2025-03"))
    assert frame.columns[:6] == [
        "地区代码",
        "地区",
        "数据月份",
        "规上企业调委会设立率·分子",
        "规上企业调委会设立率·分母",
        "规上企业调委会设立率（%）",
    ]
    rows = {r[0]: r[:6] for r in frame.rows()}
    assert rows["220500"] == ("220500", "通化市", "2025-03", 20, 40, 50.0)
    assert rows["220200"] == ("220200", "吉林市", "未报", None, None, None)


def test_empty_warehouse_gives_empty_frames(empty_warehouse):
    units = cov.unit_rates(empty_warehouse, PROVINCE_ADMIN, "2025-03")  # every unit, as 未报
    assert units["as_of"].null_count() == units.height and units["rate"].null_count() == units.height
    assert cov.totals(empty_warehouse, PROVINCE_ADMIN, "2025-03").height == 0
    assert cov.projections(empty_warehouse, PROVINCE_ADMIN, "above_scale_committee", "2025-03").height == 0


# ------------------------------------------------------------------ projection (pure)

SERIES = [
    ("2025-01", 0.50),
    ("2025-02", 0.52),
    ("2025-03", 0.54),
    ("2025-04", 0.56),
    ("2025-05", 0.58),
    ("2025-06", 0.60),
]
END_2025 = dt.date(2025, 12, 31)


@pytest.mark.parametrize(
    "points, target, deadline, expected",
    [
        # 2 points a month: (0.70 − 0.60)/0.02 = 5 months after 2025-06 → 2025-11, before the deadline
        (SERIES, 0.70, END_2025, ("on_track", "2025-11", "预计2025年11月达标")),
        # (0.80 − 0.60)/0.02 = 10 months → 2026-04, after the deadline
        (SERIES, 0.80, END_2025, ("late", "2026-04", "按当前进度无法在期限前达标（预计2026年4月）")),
        (SERIES, 0.60, END_2025, ("reached", None, "已达标")),
        (
            [("2025-05", 0.5), ("2025-06", 0.5)],
            0.8,
            END_2025,
            ("stalled", None, "按当前进度无法在期限前达标（近期无提升）"),
        ),
        # a gap (no February): slope over month numbers 0, 2, 3 is still 0.02 → (0.50 − 0.46)/0.02 = 2 → 2025-06
        (
            [("2025-01", 0.40), ("2025-03", 0.44), ("2025-04", 0.46)],
            0.50,
            END_2025,
            ("on_track", "2025-06", "预计2025年6月达标"),
        ),
        # the deadline has passed: 2026-02 at 0.70 rising 0.05 a month → 2 months → 2026-04
        (
            [("2026-01", 0.65), ("2026-02", 0.70)],
            0.80,
            END_2025,
            ("overdue", "2026-04", "逾期未达标，按当前进度预计2026年4月达标"),
        ),
        # past the deadline the status is 逾期未达标 whatever the pace: flat, or too few months to fit one
        ([("2026-01", 0.70), ("2026-02", 0.70)], 0.80, END_2025, ("overdue", None, "逾期未达标，近期无提升")),
        ([("2026-02", 0.70)], 0.80, END_2025, ("overdue", None, "逾期未达标，数据不足，无法测算进度")),
        # the deadline's own month is still in time
        (
            [("2025-11", 0.60), ("2025-12", 0.70)],
            0.80,
            END_2025,
            ("late", "2026-01", "按当前进度无法在期限前达标（预计2026年1月）"),
        ),
        ([("2025-06", 0.60)], 0.80, END_2025, ("no_data", None, "数据不足，无法测算进度")),
        ([("2025-05", 0.60), ("2025-06", None)], 0.80, END_2025, ("no_data", None, "本期无数据")),
        (SERIES, None, None, ("no_target", None, "未设目标值")),
    ],
)
def test_project(points, target, deadline, expected):
    proj = cov.project(points, target, deadline)
    assert (proj.status, proj.projected, proj.message) == expected


def test_project_uses_only_the_last_six_months():
    # an early jump (0.10 → 0.50) is outside the window; the last six months rise 0.01 a month
    points = [("2024-12", 0.10)] + [(f"2025-{m:02d}", 0.50 + 0.01 * (m - 1)) for m in range(1, 7)]
    proj = cov.project(points, 0.60, END_2025)
    assert proj.pace == pytest.approx(0.01)
    assert (proj.status, proj.projected) == ("on_track", "2025-11")  # (0.60 − 0.55)/0.01 = 5


def test_project_judges_a_stale_report_by_the_month_looked_at():
    # the latest report (2025-12) is in time for the end-2025 deadline; looked at in 2026-02 the target is overdue
    points = [("2025-11", 0.60), ("2025-12", 0.70)]
    assert cov.project(points, 0.80, END_2025).status == "late"
    proj = cov.project(points, 0.80, END_2025, period="2026-02")
    assert (proj.status, proj.projected) == ("overdue", "2026-01")


def test_target_in_force_and_month_arithmetic(coverage_warehouse):
    # union_100_committee: 80 % by 2024-12-31, 90 % by 2025-12-31 (config); after the last deadline it stays
    line = cov.target_months(coverage_warehouse, None, "union_100_committee", "2024-11", "2026-01")
    by_month = dict(zip(line["period"].to_list(), line["rate"].to_list()))
    assert [by_month[p] for p in ("2024-11", "2024-12", "2025-01", "2026-01")] == [0.8, 0.8, 0.9, 0.9]
    assert line.height == 15
    assert cov.unit_target(coverage_warehouse, "union_100_committee", "2024-12") == (0.8, dt.date(2024, 12, 31))
    assert cov.unit_target(coverage_warehouse, "park_org", "2025-01") == (None, None)


def test_figures_are_specs(coverage_warehouse):
    wh = coverage_warehouse
    data = cov.unit_map_frame(wh, PROVINCE_ADMIN, "2025-03", "above_scale_committee")
    fig = cov.map_figure(data, "规上企业调委会设立率", target=0.8)
    assert fig.layout.geo.visible is False and fig.layout.coloraxis.cmin == 40 and fig.layout.coloraxis.cmax == 100
    ranking = cov.ranking_figure(data, "规上企业调委会设立率", 0.8)
    assert list(ranking.data[0].y)[-3:] == ["通化市", "长春市", "梅河口市"]
    assert list(ranking.data[0].y)[0].endswith("（未报）") and len(ranking.data[0].y) == 11  # none left out
    series = cov.trajectory(wh, PROVINCE_ADMIN, "above_scale_committee", "2025-03")
    proj = cov.projections(wh, PROVINCE_ADMIN, "above_scale_committee", "2025-03")
    targets = cov.target_months(wh, PROVINCE_ADMIN, "above_scale_committee", "2025-01", "2025-12").to_dicts()
    traj = cov.trajectory_figure(series, proj, targets, "规上企业调委会设立率")
    dashed = [t for t in traj.data if t.name == "目标值"]
    assert len(dashed) == 4 and all(t.line.dash == "dash" and set(t.y) == {80.0} for t in dashed)
    dotted = [t for t in traj.data if t.name == "按当前进度推算"]
    assert [(t.x[0], t.x[-1], round(t.y[-1], 6)) for t in dotted] == [
        ("2025-03", "2025-08", 80.0),
        ("2025-03", "2025-07", 80.0),
    ]


# ------------------------------------------------------------------ the page (AppTest)


def run_page(monkeypatch, wh, page: str, viewer=None, params: dict | None = None):
    """Run a page file against a test warehouse, as ``viewer`` (default: province administrator), with URL params."""
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MEDIATION_DB", str(wh.path))
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    if viewer is not None:
        at.session_state["viewer"] = viewer
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_page_deep_link_opens_a_unit(coverage_warehouse, monkeypatch):
    at = run_page(
        monkeypatch,
        coverage_warehouse,
        "pages/coverage.py",
        params={"period": "2025-03", "region": "220500", "measure": "above_scale_committee"},
    )
    assert at.metric[0].label == "规上企业调委会设立率" and at.metric[0].value == "50.0%"
    assert at.metric[0].delta == "+7.5个百分点"  # 17/40 → 20/40
    assert "四、通化市分县（市、区）明细" in [h.value for h in at.subheader]
    assert at.dataframe[-1].value["region_name"].tolist() == ["通化市本级", "东昌区", "辉南县"]
    assert (at.query_params["region"], at.query_params["measure"]) == ("220500", "above_scale_committee")


def test_page_province_view(coverage_warehouse, monkeypatch):
    at = run_page(monkeypatch, coverage_warehouse, "pages/coverage.py", params={"period": "2025-03"})
    assert at.metric[0].value == "64.4%"  # 58/90
    projections = at.dataframe[0].value
    assert projections["region_name"].tolist() == ["全省", "长春市", "通化市", "梅河口市"]
    assert projections["projected"].tolist() == ["2025年8月", "—", "2025年7月", "—"]


def test_page_county_clerk_sees_only_its_row(coverage_warehouse, monkeypatch):
    at = run_page(
        monkeypatch, coverage_warehouse, "pages/coverage.py", viewer=COUNTY_CLERK, params={"period": "2025-03"}
    )
    assert at.metric[0].value == "50.0%"  # its unit's totals (no province totals for a county clerk)
    assert at.dataframe[-1].value["region_name"].tolist() == ["辉南县"]
    assert at.dataframe[0].value["region_name"].tolist() == ["通化市"]  # projections: its unit only


def test_page_on_empty_warehouse(empty_warehouse, monkeypatch):
    at = run_page(monkeypatch, empty_warehouse, "pages/coverage.py")
    assert any("暂无" in i.value for i in at.info)


def test_page_drill_down_sets_the_global_region(coverage_warehouse, monkeypatch):
    at = run_page(monkeypatch, coverage_warehouse, "pages/coverage.py", params={"period": "2025-03"})
    at.selectbox(key="cov_drill").set_value("220500").run()
    assert not at.exception, at.exception
    assert at.query_params["region"] == "220500"
    assert at.selectbox(key="flt_region").value == "220500"
    assert "四、通化市分县（市、区）明细" in [h.value for h in at.subheader]
    at.button(key="cov_up_province").click().run()
    assert at.query_params["region"] == "220000" and at.metric[0].value == "64.4%"


def test_projections_of_a_month_not_yet_reported(coverage_warehouse):
    # nobody sent form B for 2025-04: each unit is judged on 2025-03, and says so
    frame = cov.projections(coverage_warehouse, PROVINCE_ADMIN, "above_scale_committee", "2025-04")
    assert frame.filter(pl.col("region_code") == "220500").select("as_of", "projected", "message").row(0) == (
        "2025-03",
        "2025-07",
        "2025年4月未报送；按2025年3月数据：预计2025年7月达标",
    )


def test_figures_keep_to_the_laggards_when_there_are_many_units(coverage_warehouse):
    wh = coverage_warehouse
    data = cov.unit_map_frame(wh, PROVINCE_ADMIN, "2025-03", "above_scale_committee")
    reported = data.filter(pl.col("比率").is_not_null())
    ranking = cov.ranking_figure(reported, "规上企业调委会设立率", 0.8, limit=2)
    assert list(ranking.data[0].y) == ["通化市", "长春市"] and "后2位" in ranking.layout.title.text
    with_missing = cov.ranking_figure(data, "规上企业调委会设立率", 0.8, limit=2)  # 未报 units are the laggards
    assert all(name.endswith("（未报）") for name in with_missing.data[0].y)
    series = cov.trajectory(wh, PROVINCE_ADMIN, "above_scale_committee", "2025-03")
    proj = cov.projections(wh, PROVINCE_ADMIN, "above_scale_committee", "2025-03")
    fig = cov.trajectory_figure(series, proj, [], "规上企业调委会设立率", limit=2)
    # 全省 and the unit furthest behind: 长春 (stalled) before 通化 (on track) and 梅河口 (reached)
    assert [a.text.split("<br>")[0] for a in fig.layout.annotations] == ["<b>全省</b>", "<b>长春市</b>"]


def test_page_mart_path_matches_the_public_view(coverage_warehouse):
    """county_rates reads the page mart of form B; its rows are v_coverage's (interfaces.md §2)."""
    wh = coverage_warehouse
    mine = (
        cov.county_rates(wh, PROVINCE_ADMIN, "2025-02", "220500")
        .select("region_code", "measure", "numerator", "denominator", "rate", "target", "target_date")
        .sort("region_code", "measure")
    )
    view = wh.query("""
        select region_code, measure, numerator, denominator, rate, target, target_date from v_coverage
        where period = '2025-02' and region_code in ('220500', '220502', '220523') order by region_code, measure
    """)
    assert mine.rows() == view.rows()


@pytest.mark.parametrize(
    "row, expected",
    [
        ({"status": "reached"}, "已达标"),
        ({"status": "on_track", "projected": "2025-07"}, "预计2025年7月达标"),
        ({"status": "late", "projected": "2026-04"}, "晚于期限 · 预计2026年4月"),
        (
            {"status": "overdue", "projected": "2028-08", "as_of": "2026-09", "period": "2026-10"},
            "逾期未达标 · 预计2028年8月（2026-09数据）",
        ),
        ({"status": "stalled"}, "近期无提升"),
    ],
)
def test_panel_verdict(row, expected):
    assert cov.panel_verdict(row) == expected


def test_a_unit_that_has_not_reported_the_month_is_shown_with_its_latest_report(coverage_warehouse):
    # nobody sent form B for 2025-04: ranking, table and map show each unit's 2025-03 report, marked with its month,
    # and the projection judges the same figure (one as-of rule, macro report_as_of)
    wh = coverage_warehouse
    units = cov.unit_rates(wh, PROVINCE_ADMIN, "2025-04")
    assert _above(units) == _above(cov.unit_rates(wh, PROVINCE_ADMIN, "2025-03"))
    assert set(units.filter(pl.col("rate").is_not_null())["as_of"].to_list()) == {"2025-03"}
    data = cov.unit_map_frame(wh, PROVINCE_ADMIN, "2025-04", "above_scale_committee")
    assert data.filter(pl.col("region_code") == "220500").select("数据月份", "标注").row(0) == (
        "2025-03",
        "（2025-03数据）",
    )
    names = list(cov.ranking_figure(data, "规上企业调委会设立率", 0.8).data[0].y)
    assert names[-3:] == ["通化市（2025-03数据）", "长春市（2025-03数据）", "梅河口市（2025-03数据）"]
    counties = cov.county_rates(wh, PROVINCE_ADMIN, "2025-04", "220500")
    assert _above(counties) == [
        ("220500", "通化市本级", 2, 10, 0.2),
        ("220502", "东昌区", 9, 10, 0.9),
        ("220523", "辉南县", 9, 20, 0.45),
    ]
    assert set(counties["as_of"].to_list()) == {"2025-03"}
    proj = cov.projections(wh, PROVINCE_ADMIN, "above_scale_committee", "2025-04")
    shown = units.filter(pl.col("measure") == "above_scale_committee").select(
        "region_code", "as_of", "numerator", "denominator"
    )
    judged = proj.filter(pl.col("region_code") != "220000").select("region_code", "as_of", "numerator", "denominator")
    assert judged.rows() == shown.filter(pl.col("as_of").is_not_null()).rows()


@pytest.fixture(scope="module")
def partial_month(tmp_path_factory):
    """The figures above for 2025-02 from every file, and for 2025-03 only 通化市's: 长春 and 梅河口 have not reported
    2025-03."""
    from warehouse.db import Warehouse

    wh = Warehouse(tmp_path_factory.mktemp("partial") / "wh.duckdb")
    index = reference_index()
    for period, units in (("2025-02", FILES), ("2025-03", {"220500": FILES["220500"]})):
        for unit, codes in units.items():
            content = form_workbook(
                "B", {"组织建设": [_row(c, period) for c in codes]}, period=period, unit=index.get(unit)
            )
            assert ingest(wh, content, f"{unit}-{period}.xlsx", today=TODAY).status == "loaded"
    yield wh
    wh.close()


def test_page_lists_units_that_have_not_reported_the_month_with_their_data_month(partial_month, monkeypatch):
    at = run_page(
        monkeypatch,
        partial_month,
        "pages/coverage.py",
        params={"period": "2025-03", "measure": "above_scale_committee"},
    )
    table = at.dataframe[-1].value  # 四、分单位明细: every unit, none silently left out
    months = dict(zip(table["region_name"], table["数据月份"]))
    assert (months["通化市"], months["长春市"], months["梅河口市"], months["吉林市"]) == (
        "2025-03",
        "2025-02",
        "2025-02",
        "未报",
    )
    assert len(table) == 11
    captions = " ".join(c.value for c in at.caption)
    assert "其中 10 个未报送2025年3月附件2" in captions and "8 个从未报送" in captions
    projections = at.dataframe[0].value
    assert dict(zip(projections["region_name"], projections["as_of"]))["长春市"] == "2025-02"
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    ranking = next(f for f in specs if "排名" in f["layout"]["title"]["text"])
    names = list(ranking["data"][0]["y"])
    assert "长春市（2025-02数据）" in names and "吉林市（未报）" in names and len(names) == 11


def test_page_on_a_unit_that_has_not_reported_the_month_names_its_latest_report(partial_month, monkeypatch):
    at = run_page(monkeypatch, partial_month, "pages/coverage.py", params={"period": "2025-03", "region": "220100"})
    assert any("未报送2025年3月附件2，最近一次报送为2025年2月" in i.value for i in at.info)
    assert cov.latest_report(partial_month, COUNTY_CLERK, "2025-03", "220100") is None  # not its region
    assert cov.latest_report(partial_month, PROVINCE_ADMIN, "2025-03", "220000") == "2025-03"
