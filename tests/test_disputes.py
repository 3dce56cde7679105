"""重大集体争议 queries (dashboard/disputes.py) on a tiny warehouse with hand-checkable numbers.

Form A (sheet 重大集体争议) reports, "重大" = workers ≥ 30 or amount ≥ 100 万元 or escalated (config defaults):

    id  region          occurred    industry  workers  amount  2025-03    2025-04              major
    I1  220523 辉南县    2025-03-05  E         40       50      未化解     处置中               yes (workers)
    I2  220500 通化市本级 2025-02-20  C         12       20      处置中     —                    no
    I3  220500 通化市本级 2025-03-01  C         15       120     处置中     已化解 (04-20)       yes (amount)
    I4  220102 南关区    2025-03-02  E         50       80      已化解 (03-25)  —               yes (workers)

Risk warnings (sheet 预警信息): W1 220523 红 未处置 (2025-03) → 处置中 (2025-04); W2 220500 黄 已办结 (2025-03).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from builders import a1_row, a3_row, a4_row, credit_code, form_workbook

from auth.viewer import PROVINCE_ADMIN, Viewer
from dashboard import disputes as ds
from etl.ingest import ingest
from etl.regions import reference_index

TODAY = dt.date(2025, 5, 15)
D = dt.date


def _i1(status, **over):
    return a3_row(
        "220523",
        "辉南县",
        occurred_on=D(2025, 3, 5),
        employer="辉南县甲建筑有限公司",
        credit_code=credit_code("220523", "MA0000011"),
        industry="E",
        workers=40,
        amount_wan=50.0,
        status=status,
        **over,
    )


def _i3(status, **over):
    return a3_row(
        "220500",
        "通化市本级",
        occurred_on=D(2025, 3, 1),
        employer="通化市丙机械有限公司",
        credit_code=credit_code("220500", "MA0000013"),
        industry="C",
        workers=15,
        amount_wan=120.0,
        status=status,
        **over,
    )


I2 = a3_row(
    "220500",
    "通化市本级",
    occurred_on=D(2025, 2, 20),
    employer="通化市乙食品有限公司",
    credit_code=credit_code("220500", "MA0000012"),
    industry="C",
    workers=12,
    amount_wan=20.0,
    status="处置中",
)
I4 = a3_row(
    "220102",
    "南关区",
    occurred_on=D(2025, 3, 2),
    employer="长春市丁建设有限公司",
    credit_code=credit_code("220102", "MA0000014"),
    industry="E",
    workers=50,
    amount_wan=80.0,
    status="已化解",
    resolved_on=D(2025, 3, 25),
    notes="已足额支付",
)


def _w1(status):
    return a4_row(
        "220523",
        "辉南县",
        found_on=D(2025, 3, 6),
        employer="辉南县戊商贸有限公司",
        credit_code=credit_code("220523", "MA0000021"),
        industry="F",
        level="红",
        status=status,
        workers=60,
    )


W2 = a4_row(
    "220500",
    "通化市本级",
    found_on=D(2025, 3, 8),
    employer="通化市己物流有限公司",
    credit_code=credit_code("220500", "MA0000022"),
    industry="G",
    level="黄",
    status="已办结",
    closed_on=D(2025, 3, 20),
    workers=25,
)

FILES = {
    ("2025-03", "220500"): {
        "调解情况": [a1_row("220500", "通化市本级"), a1_row("220523", "辉南县")],
        "重大集体争议": [_i1("未化解"), I2, _i3("处置中")],
        "预警信息": [_w1("未处置"), W2],
    },
    ("2025-03", "220100"): {"调解情况": [a1_row("220102", "南关区")], "重大集体争议": [I4]},
    ("2025-04", "220500"): {
        "调解情况": [a1_row("220500", "通化市本级"), a1_row("220523", "辉南县")],
        "重大集体争议": [_i1("处置中"), _i3("已化解", resolved_on=D(2025, 4, 20))],
        "预警信息": [_w1("处置中")],
    },
}
COUNTY_CLERK = Viewer("huinan", "county", "220523")
CITY_CLERK = Viewer("tonghua", "city", "220500")
MARCH_APRIL = ds.Query(start="2025-03", end="2025-04")


@pytest.fixture(scope="module")
def dispute_warehouse(tmp_path_factory):
    from warehouse.db import Warehouse

    wh = Warehouse(tmp_path_factory.mktemp("disputes") / "wh.duckdb")
    index = reference_index()
    for (period, unit), sheets in FILES.items():
        result = ingest(
            wh, form_workbook("A", sheets, period=period, unit=index.get(unit)), f"{unit}-{period}.xlsx", today=TODAY
        )
        assert result.status == "loaded", result.errors
    yield wh
    wh.close()


def _rows(frame: pl.DataFrame) -> list[tuple]:
    return frame.select("employer", "status", "workers").rows()


def test_incidents_in_their_state_at_the_end_of_the_range(dispute_warehouse):
    assert _rows(ds.incidents(dispute_warehouse, PROVINCE_ADMIN, MARCH_APRIL)) == [
        ("辉南县甲建筑有限公司", "处置中", 40),
        ("长春市丁建设有限公司", "已化解", 50),
        ("通化市丙机械有限公司", "已化解", 15),
    ]
    march = ds.incidents(dispute_warehouse, PROVINCE_ADMIN, ds.Query(start="2025-03", end="2025-03"))
    assert _rows(march) == [
        ("辉南县甲建筑有限公司", "未化解", 40),
        ("通化市丙机械有限公司", "处置中", 15),
        ("长春市丁建设有限公司", "已化解", 50),
    ]
    first = march.row(0, named=True)
    assert (first["region_name"], first["unit_name"], first["industry_name"], first["reported_period"]) == (
        "辉南县",
        "通化市",
        "建筑业",
        "2025-03",
    )


def test_incident_filters(dispute_warehouse):
    wh = dispute_warehouse
    everything = ds.Query(start="2025-03", end="2025-03", major_only=False)
    assert len(ds.incidents(wh, PROVINCE_ADMIN, everything)) == 4  # with I2, below the 重大 thresholds
    resolved = ds.Query(start="2025-03", end="2025-04", statuses=("已化解",))
    assert [r[0] for r in _rows(ds.incidents(wh, PROVINCE_ADMIN, resolved))] == [
        "长春市丁建设有限公司",
        "通化市丙机械有限公司",
    ]
    building = ds.Query(start="2025-03", end="2025-04", industry="E")
    assert [r[0] for r in _rows(ds.incidents(wh, PROVINCE_ADMIN, building))] == [
        "辉南县甲建筑有限公司",
        "长春市丁建设有限公司",
    ]
    tonghua = ds.Query(start="2025-03", end="2025-04", region="220500")
    assert [r[0] for r in _rows(ds.incidents(wh, PROVINCE_ADMIN, tonghua))] == [
        "辉南县甲建筑有限公司",
        "通化市丙机械有限公司",
    ]
    # April alone: I4 was last reported in March, so it is not in the range
    april = ds.Query(start="2025-04", end="2025-04")
    assert [r[0] for r in _rows(ds.incidents(wh, PROVINCE_ADMIN, april))] == [
        "辉南县甲建筑有限公司",
        "通化市丙机械有限公司",
    ]


def test_summary(dispute_warehouse):
    assert ds.summary(dispute_warehouse, PROVINCE_ADMIN, MARCH_APRIL) == {
        "incidents": 3,
        "open": 0,
        "in_progress": 1,
        "resolved": 2,
        "workers": 105,
        "amount_wan": 250.0,
        "escalated": 0,
        "unresolved": 1,
    }
    assert ds.warning_summary(dispute_warehouse, PROVINCE_ADMIN, MARCH_APRIL) == {
        "warnings": 2,
        "warnings_open": 1,
        "red": 1,
        "orange": 0,
        "yellow": 1,
        "blue": 0,
        "warning_workers": 85,
    }
    huinan = ds.Query(start="2025-03", end="2025-04", region="220523")
    assert ds.summary(dispute_warehouse, PROVINCE_ADMIN, huinan)["workers"] == 40
    assert ds.warning_summary(dispute_warehouse, PROVINCE_ADMIN, huinan)["warnings"] == 1


def test_status_history(dispute_warehouse):
    wh = dispute_warehouse
    incident = ds.incidents(wh, PROVINCE_ADMIN, MARCH_APRIL).row(0, named=True)["incident_id"]
    assert ds.incident_history(wh, PROVINCE_ADMIN, incident).select("period", "status", "changed").rows() == [
        ("2025-03", "未化解", True),
        ("2025-04", "处置中", True),
    ]
    assert ds.incident_history(wh, PROVINCE_ADMIN, incident, until="2025-03").height == 1
    warning = ds.warnings(wh, PROVINCE_ADMIN, MARCH_APRIL).row(0, named=True)["warning_id"]
    assert ds.warning_history(wh, PROVINCE_ADMIN, warning).select("period", "level", "status").rows() == [
        ("2025-03", "红", "未处置"),
        ("2025-04", "红", "处置中"),
    ]


def test_warnings_open_first_and_level_filter(dispute_warehouse):
    wh = dispute_warehouse
    assert ds.warnings(wh, PROVINCE_ADMIN, MARCH_APRIL).select("employer", "level", "status").rows() == [
        ("辉南县戊商贸有限公司", "红", "处置中"),
        ("通化市己物流有限公司", "黄", "已办结"),
    ]
    yellow = ds.Query(start="2025-03", end="2025-04", levels=("黄",))
    assert ds.warnings(wh, PROVINCE_ADMIN, yellow)["employer"].to_list() == ["通化市己物流有限公司"]


def test_unit_by_industry_heat(dispute_warehouse):
    wh = dispute_warehouse
    heat = ds.unit_industry(wh, PROVINCE_ADMIN, MARCH_APRIL)
    assert heat.rows() == [
        ("220100", "长春市", "E", "建筑业", 1, 0, 50),
        ("220500", "通化市", "C", "制造业", 1, 0, 15),
        ("220500", "通化市", "E", "建筑业", 1, 1, 40),
    ]
    by_county = ds.unit_industry(wh, PROVINCE_ADMIN, ds.Query(start="2025-03", end="2025-04", region="220500"))
    assert by_county.select("region_code", "region_name", "industry_code", "items").rows() == [
        ("220500", "通化市本级", "C", 1),
        ("220523", "辉南县", "E", 1),
    ]
    units = ds.by_region(wh, PROVINCE_ADMIN, MARCH_APRIL)
    assert units.height == 11  # every unit, 0 where there was none (the map colours it; 长白山's marker shows)
    assert units.filter(pl.col("items") > 0).rows() == [("220100", "长春市", 1, 0, 50), ("220500", "通化市", 2, 1, 55)]
    assert units.filter(pl.col("region_code") == "229901").rows() == [("229901", "长白山管委会", 0, 0, 0)]
    warnings = ds.by_region(wh, PROVINCE_ADMIN, MARCH_APRIL, "warnings")
    assert warnings.filter(pl.col("items") > 0).rows() == [("220500", "通化市", 2, 1, 85)]


def test_scope_county_clerk(dispute_warehouse):
    wh = dispute_warehouse
    assert [r[0] for r in _rows(ds.incidents(wh, COUNTY_CLERK, MARCH_APRIL))] == ["辉南县甲建筑有限公司"]
    assert ds.warnings(wh, COUNTY_CLERK, MARCH_APRIL)["employer"].to_list() == ["辉南县戊商贸有限公司"]
    assert ds.unit_industry(wh, COUNTY_CLERK, MARCH_APRIL).height == 0  # no province view
    assert ds.summary(wh, COUNTY_CLERK, MARCH_APRIL)["incidents"] == 0
    assert ds.warning_summary(wh, COUNTY_CLERK, MARCH_APRIL)["warnings"] == 0
    unit = ds.Query(start="2025-03", end="2025-04", region="220500")
    # the tile counts what the list under it shows: only its own region's rows, even with its unit in focus
    assert ds.summary(wh, COUNTY_CLERK, unit)["incidents"] == ds.incidents(wh, COUNTY_CLERK, unit).height == 1
    assert ds.warning_summary(wh, COUNTY_CLERK, unit)["warnings"] == ds.warnings(wh, COUNTY_CLERK, unit).height == 1
    assert ds.by_region(wh, COUNTY_CLERK, unit)["region_code"].to_list() == ["220523"]  # only its own row
    others = ds.incidents(wh, PROVINCE_ADMIN, MARCH_APRIL).filter(pl.col("region_code") != "220523")
    assert all(ds.incident_history(wh, COUNTY_CLERK, i).height == 0 for i in others["incident_id"].to_list())


def test_scope_city_clerk(dispute_warehouse):
    wh = dispute_warehouse
    assert [r[0] for r in _rows(ds.incidents(wh, CITY_CLERK, MARCH_APRIL))] == [
        "辉南县甲建筑有限公司",
        "通化市丙机械有限公司",
    ]
    assert ds.by_region(wh, CITY_CLERK, MARCH_APRIL).filter(pl.col("items") > 0)["region_code"].to_list() == [
        "220100",
        "220500",
    ]  # every unit's totals, as rankings
    changchun = ds.Query(start="2025-03", end="2025-04", region="220100")
    assert ds.incidents(wh, CITY_CLERK, changchun).height == 0


def test_exports_and_figures(dispute_warehouse):
    wh = dispute_warehouse
    frame = ds.export_incidents(ds.incidents(wh, PROVINCE_ADMIN, MARCH_APRIL))
    assert frame.columns[:4] == ["地区", "所属单位", "发生日期", "用人单位名称"]
    assert dict(zip(frame.columns, frame.row(0)))["有无激化行为"] == "否"
    assert ds.export_warnings(ds.warnings(wh, PROVINCE_ADMIN, MARCH_APRIL)).columns[-5:] == [
        "预警等级",
        "处置责任单位",
        "处置状态",
        "办结日期",
        "最近报送期",
    ]
    heat = ds.heat_figure(ds.unit_industry(wh, PROVINCE_ADMIN, MARCH_APRIL), "disputes")
    assert list(heat.data[0].y) == ["长春市", "通化市"] and [list(r) for r in heat.data[0].z] == [[None, 1], [1, 1]]
    # industries: short, level, uncut names on the axis; code and full catalogue name on hover
    assert all("…" not in x and len(x.replace("<br>", "")) <= 4 for x in heat.data[0].x)
    assert heat.layout.xaxis.tickangle == 0
    assert all(
        " " in c[2] and len(c[2]) > len(x) for row in heat.data[0].customdata for c, x in zip(row, heat.data[0].x)
    )
    fig = ds.map_figure(ds.by_region(wh, PROVINCE_ADMIN, MARCH_APRIL), "disputes")
    assert fig.layout.geo.visible is False and fig.layout.coloraxis.cmax == 2


def test_span_start():
    assert [ds.span_start("2025-04", s) for s in ("1", "3", "12", "all")] == ["2025-04", "2025-02", "2024-05", None]


def test_empty_warehouse(empty_warehouse):
    assert ds.incidents(empty_warehouse, PROVINCE_ADMIN, MARCH_APRIL).height == 0
    assert ds.summary(empty_warehouse, PROVINCE_ADMIN, MARCH_APRIL)["incidents"] == 0
    assert ds.by_region(empty_warehouse, PROVINCE_ADMIN, MARCH_APRIL)["items"].sum() == 0


# ------------------------------------------------------------------ the page (AppTest)


def test_page_deep_link_with_status_filter(dispute_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(
        monkeypatch,
        dispute_warehouse,
        "pages/disputes.py",
        params={"period": "2025-04", "from": "2025-03", "status": "已化解"},
    )
    assert at.metric[0].value == "2 件"
    assert at.multiselect(key="dsp_status").value == ["已化解"]
    table = at.dataframe[0].value
    assert table["用人单位名称"].tolist() == ["长春市丁建设有限公司", "通化市丙机械有限公司"]
    assert at.query_params["status"] == "已化解"


def test_page_incident_history_and_warnings(dispute_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(monkeypatch, dispute_warehouse, "pages/disputes.py", params={"period": "2025-04", "from": "2025-03"})
    assert [m.value for m in at.metric] == ["3 件", "105 人", "250.00", "0 件", "2 条"]
    history = at.dataframe[1].value
    assert history["处置状态"].tolist() == ["未化解", "处置中"]
    assert at.dataframe[2].value["预警等级"].tolist() == ["红", "黄"]


def test_page_county_clerk(dispute_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(
        monkeypatch,
        dispute_warehouse,
        "pages/disputes.py",
        viewer=COUNTY_CLERK,
        params={"period": "2025-04", "from": "2025-03"},
    )
    assert at.metric[0].value == "1 件"  # the rows of the list below (its own region), not 通化市's total
    assert at.dataframe[0].value["用人单位名称"].tolist() == ["辉南县甲建筑有限公司"]


def test_page_on_empty_warehouse(empty_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(monkeypatch, empty_warehouse, "pages/disputes.py")
    assert any("暂无" in i.value for i in at.info)


def test_heat_figure_keeps_the_regions_with_most(dispute_warehouse):
    heat = ds.heat_figure(ds.unit_industry(dispute_warehouse, PROVINCE_ADMIN, MARCH_APRIL), "disputes", "热力", limit=1)
    assert list(heat.data[0].y) == ["通化市"] and "数量最多的1个地区" in heat.layout.title.text


def test_list_limit(dispute_warehouse):
    assert ds.incidents(dispute_warehouse, PROVINCE_ADMIN, MARCH_APRIL, 1)["employer"].to_list() == [
        "辉南县甲建筑有限公司"
    ]
    assert ds.warnings(dispute_warehouse, PROVINCE_ADMIN, MARCH_APRIL, None).height == 2


def test_page_mart_path_matches_the_public_views(dispute_warehouse):
    """At the latest month the as-of states read from the page marts are the public views' latest states."""
    wh = dispute_warehouse
    everything = ds.Query(start=None, end="2025-04", major_only=False)
    mine = (
        ds.incidents(wh, PROVINCE_ADMIN, everything, None)
        .select("incident_id", "region_code", "employer", "status", "workers", "is_major", "first_period")
        .sort("incident_id")
    )
    view = wh.query("""select incident_id, region_code, employer, status, workers, is_major, first_period
                       from v_major_disputes order by incident_id""")
    assert mine.rows() == view.rows()
    warnings = (
        ds.warnings(wh, PROVINCE_ADMIN, everything, None).select("warning_id", "level", "status").sort("warning_id")
    )
    assert (
        warnings.rows() == wh.query("select warning_id, level, status from v_risk_warnings order by warning_id").rows()
    )
