"""工作台账 queries (dashboard/ledger.py) on a tiny warehouse with hand-checkable numbers.

Form C snapshots (step · 计划完成时限):

    region           task   2025-03                 2025-04
    220500 通化市本级  T-01   5 闭环 (closed 03-10)    5 闭环
                     T-02   2 · due 2025-02-28       3 · due 2025-02-28
    220523 辉南县     H-01   1 · due 2025-12-31       (no report: stays as of 2025-03)
                     H-02   4 · due 2025-03-15
    220581 梅河口市   M-01   3 · due 2025-05-01       (no report)

As of 2025-03 (month end 03-31) T-02 is 31 days overdue and H-02 16 days; as of 2025-04 (04-30) T-02 is 61 days
and H-02 46 days overdue, M-01 still on time. 闭环率 = closed/all: 全省 1/5, 通化市 1/4, 梅河口市 0/1.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from builders import c1_row, form_workbook

from auth.viewer import PROVINCE_ADMIN, Viewer
from dashboard import ledger as lg
from etl.ingest import ingest
from etl.regions import reference_index

TODAY = dt.date(2025, 5, 15)
D = dt.date
SNAPSHOTS = {
    ("2025-03", "220500"): [
        c1_row("220500", "T-01", "通化市本级", step=5, closed_on=D(2025, 3, 10), due_on=D(2025, 6, 30), done_value=10),
        c1_row(
            "220500",
            "T-02",
            "通化市本级",
            step=2,
            due_on=D(2025, 2, 28),
            task="建立仲裁委托调解工作机制",
            task_force_lead="李强（科长）",
            playbook="《委派委托调解工作流程》",
            target_value=4,
            done_value=1,
        ),
        c1_row("220523", "H-01", "辉南县", step=1, due_on=D(2025, 12, 31)),
        c1_row("220523", "H-02", "辉南县", step=4, due_on=D(2025, 3, 15)),
    ],
    ("2025-03", "220581"): [c1_row("220581", "M-01", "梅河口市", step=3, due_on=D(2025, 5, 1))],
    ("2025-04", "220500"): [
        c1_row("220500", "T-01", "通化市本级", step=5, closed_on=D(2025, 3, 10), due_on=D(2025, 6, 30), done_value=10),
        c1_row(
            "220500",
            "T-02",
            "通化市本级",
            step=3,
            due_on=D(2025, 2, 28),
            task="建立仲裁委托调解工作机制",
            task_force_lead="李强（科长）",
            playbook="《委派委托调解工作流程》",
            target_value=4,
            done_value=3,
            progress="已开展督导检查",
        ),
    ],
}
COUNTY_CLERK = Viewer("huinan", "county", "220523")
CITY_CLERK = Viewer("tonghua", "city", "220500")
COUNT_COLUMNS = [
    "level",
    "region_code",
    "region_name",
    "step_1",
    "step_2",
    "step_3",
    "step_4",
    "step_5",
    "total",
    "closed",
    "overdue",
    "closure_rate",
]


@pytest.fixture(scope="module")
def ledger_warehouse(tmp_path_factory):
    from warehouse.db import Warehouse

    wh = Warehouse(tmp_path_factory.mktemp("ledger") / "wh.duckdb")
    index = reference_index()
    for (period, unit), rows in SNAPSHOTS.items():
        result = ingest(
            wh,
            form_workbook("C", {"工作台账": rows}, period=period, unit=index.get(unit)),
            f"{unit}-{period}.xlsx",
            today=TODAY,
        )
        assert result.status == "loaded", result.errors
    yield wh
    wh.close()


def _counts(frame: pl.DataFrame) -> list[tuple]:
    return frame.select(COUNT_COLUMNS).rows()


def test_step_counts_province_by_unit(ledger_warehouse):
    assert _counts(lg.step_counts(ledger_warehouse, PROVINCE_ADMIN, "2025-03")) == [
        ("total", "220000", "全省", 1, 1, 1, 1, 1, 5, 1, 2, 0.2),
        ("child", "220500", "通化市", 1, 1, 0, 1, 1, 4, 1, 2, 0.25),
        ("child", "220581", "梅河口市", 0, 0, 1, 0, 0, 1, 0, 0, 0.0),
    ]


def test_step_counts_unit_by_region_as_of_a_later_month(ledger_warehouse):
    # 2025-04: T-02 moved to step 3; 辉南县 did not report and keeps its 2025-03 snapshot
    assert _counts(lg.step_counts(ledger_warehouse, PROVINCE_ADMIN, "2025-04", "220500")) == [
        ("total", "220500", "通化市", 1, 0, 1, 1, 1, 4, 1, 2, 0.25),
        ("child", "220500", "通化市本级", 0, 0, 1, 0, 1, 2, 1, 1, 0.5),
        ("child", "220523", "辉南县", 1, 0, 0, 1, 0, 2, 0, 1, 0.0),
    ]


def test_step_counts_of_one_county(ledger_warehouse):
    assert _counts(lg.step_counts(ledger_warehouse, PROVINCE_ADMIN, "2025-03", "220523")) == [
        ("total", "220523", "辉南县", 1, 0, 0, 1, 0, 2, 0, 1, 0.0),
    ]


def test_tasks_overdue_first(ledger_warehouse):
    frame = lg.tasks(ledger_warehouse, PROVINCE_ADMIN, "2025-03")
    assert frame.select("region_code", "task_id", "step", "overdue", "days_overdue").rows() == [
        ("220500", "T-02", 2, True, 31),
        ("220523", "H-02", 4, True, 16),
        ("220523", "H-01", 1, False, None),
        ("220581", "M-01", 3, False, None),
        ("220500", "T-01", 5, False, None),
    ]
    t02 = frame.row(0, named=True)
    assert (t02["task_force_lead"], t02["playbook"], t02["target_value"], t02["done_value"], t02["completion"]) == (
        "李强（科长）",
        "《委派委托调解工作流程》",
        4.0,
        1.0,
        0.25,
    )


def test_tasks_as_of_later_month_and_filters(ledger_warehouse):
    wh = ledger_warehouse
    frame = lg.tasks(wh, PROVINCE_ADMIN, "2025-04", "220500", show="overdue")
    assert frame.select("task_id", "step", "days_overdue", "last_reported_period").rows() == [
        ("T-02", 3, 61, "2025-04"),
        ("H-02", 4, 46, "2025-03"),
    ]
    assert lg.tasks(wh, PROVINCE_ADMIN, "2025-04", steps=[5])["task_id"].to_list() == ["T-01"]
    # before any snapshot the ledger is empty
    assert lg.tasks(wh, PROVINCE_ADMIN, "2025-02").height == 0


def test_task_history_and_step_spans(ledger_warehouse):
    history = lg.task_history(ledger_warehouse, PROVINCE_ADMIN, "220500", "T-02")
    assert history.select("period", "step", "step_name", "done_value", "changed").rows() == [
        ("2025-03", 2, "推进落实", 1.0, True),
        ("2025-04", 3, "督导检查", 3.0, True),
    ]
    assert lg.step_spans(history).rows() == [
        (2, "推进落实", "2025-03", "2025-03", 1),
        (3, "督导检查", "2025-04", "2025-04", 1),
    ]
    assert lg.task_history(ledger_warehouse, PROVINCE_ADMIN, "220500", "T-02", until="2025-03").height == 1


def test_scope_county_clerk(ledger_warehouse):
    wh = ledger_warehouse
    assert lg.step_counts(wh, COUNTY_CLERK, "2025-03").height == 0  # no province totals
    assert _counts(lg.step_counts(wh, COUNTY_CLERK, "2025-03", "220500")) == [
        ("total", "220500", "通化市", 1, 1, 0, 1, 1, 4, 1, 2, 0.25),  # its unit's totals
        ("child", "220523", "辉南县", 1, 0, 0, 1, 0, 2, 0, 1, 0.0),  # but only its own row
    ]
    assert lg.tasks(wh, COUNTY_CLERK, "2025-03")["task_id"].to_list() == ["H-02", "H-01"]
    assert lg.tasks(wh, COUNTY_CLERK, "2025-03", "220581").height == 0
    assert lg.task_history(wh, COUNTY_CLERK, "220500", "T-02").height == 0


def test_scope_city_clerk(ledger_warehouse):
    wh = ledger_warehouse
    assert [r[1] for r in _counts(lg.step_counts(wh, CITY_CLERK, "2025-03"))] == ["220000", "220500", "220581"]
    assert lg.tasks(wh, CITY_CLERK, "2025-03")["task_id"].to_list() == ["T-02", "H-02", "H-01", "T-01"]
    assert lg.step_counts(wh, CITY_CLERK, "2025-03", "220581").height == 1  # another unit's totals, as rankings
    assert lg.tasks(wh, CITY_CLERK, "2025-03", "220581").height == 0  # but not its tasks


def test_exports_have_chinese_headers(ledger_warehouse):
    counts = lg.export_counts(lg.step_counts(ledger_warehouse, PROVINCE_ADMIN, "2025-03"))
    assert counts.columns == [
        "地区代码",
        "地区",
        "1 任务部署",
        "2 推进落实",
        "3 督导检查",
        "4 考核评估",
        "5 闭环销号",
        "任务总数",
        "已闭环",
        "闭环率（%）",
        "逾期任务",
        "未更新任务",
    ]
    assert counts.row(0) == ("220000", "全省", 1, 1, 1, 1, 1, 5, 1, 20.0, 2, 0)
    tasks = lg.export_tasks(lg.tasks(ledger_warehouse, PROVINCE_ADMIN, "2025-03"))
    first = dict(zip(tasks.columns, tasks.row(0)))
    assert (
        first["任务编号"],
        first["当前环节"],
        first["是否逾期"],
        first["逾期天数"],
        first["完成率（%）"],
        first["最近上报月份"],
        first["未更新起始月份"],
    ) == ("T-02", "2 推进落实", "是", 31, 25.0, "2025-03", None)


def test_figures_are_specs(ledger_warehouse):
    counts = lg.step_counts(ledger_warehouse, PROVINCE_ADMIN, "2025-03")
    fig = lg.steps_figure(counts)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.name for t in bars] == ["1 任务部署", "2 推进落实", "3 督导检查", "4 考核评估", "5 闭环销号"]
    assert len({t.marker.color for t in bars}) == 5
    assert list(bars[0].y) == ["通化市", "梅河口市"]  # lowest 闭环率 drawn on top (last category)
    assert "逾期 2" in fig.data[-1].text[0]
    pipe = lg.pipeline_figure(counts.row(0, named=True))
    assert [t.x[0] for t in pipe.data] == [1, 1, 1, 1, 1]
    history = lg.history_figure(lg.task_history(ledger_warehouse, PROVINCE_ADMIN, "220500", "T-02"))
    assert list(history.data[1].y) == [2, 3]


def test_empty_warehouse(empty_warehouse):
    assert lg.step_counts(empty_warehouse, PROVINCE_ADMIN, "2025-03").height == 0
    assert lg.tasks(empty_warehouse, PROVINCE_ADMIN, "2025-03").height == 0


# ------------------------------------------------------------------ the page (AppTest)


def task_box(at):
    """The 选择任务 selectbox (its widget key names the region and month it belongs to)."""
    return next(box for box in at.selectbox if box.label == "选择任务")


def test_page_deep_link_to_a_unit_and_task(ledger_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(
        monkeypatch,
        ledger_warehouse,
        "pages/ledger.py",
        params={"period": "2025-03", "region": "220500", "task": "220500:T-02"},
    )
    assert [(m.label, m.value) for m in at.metric] == [
        ("任务总数", "4 项"),
        ("已闭环销号", "1 项"),
        ("闭环率", "25.0%"),
        ("逾期任务", "2 项"),
        ("未更新任务", "0 项"),
    ]
    steps = at.dataframe[0].value
    assert steps["region_name"].tolist() == ["通化市本级", "辉南县"]
    assert steps["closure_rate"].tolist() == [50.0, 0.0]
    tasks = at.dataframe[1].value  # shown as a Styler: overdue rows highlighted
    assert tasks["任务编号"].tolist() == ["T-02", "H-02", "H-01", "T-01"]
    assert tasks["逾期天数"].tolist() == ["31 天", "16 天", "", ""]
    assert task_box(at).value == "220500:T-02"
    attributes = dict(zip(*at.dataframe[2].value.T.values))
    assert (attributes["专班负责人"], attributes["操作手册/标准模板"], attributes["目标值 / 完成值"]) == (
        "李强（科长）",
        "《委派委托调解工作流程》",
        "4 / 1",
    )


def test_page_overdue_filter_is_kept_in_the_url(ledger_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(monkeypatch, ledger_warehouse, "pages/ledger.py", params={"period": "2025-04", "show": "overdue"})
    assert at.radio(key="ledger_show").value == "overdue"
    assert at.dataframe[1].value["任务编号"].tolist() == ["T-02", "H-02"]
    assert at.query_params["show"] == "overdue"


def test_page_old_overdue_link_still_filters(ledger_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(monkeypatch, ledger_warehouse, "pages/ledger.py", params={"period": "2025-04", "overdue": "1"})
    assert at.dataframe[1].value["任务编号"].tolist() == ["T-02", "H-02"]
    assert (at.query_params.get("show"), at.query_params.get("overdue")) == ("overdue", None)


def test_page_county_clerk(ledger_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(monkeypatch, ledger_warehouse, "pages/ledger.py", viewer=COUNTY_CLERK, params={"period": "2025-03"})
    assert at.metric[0].value == "4 项"  # its unit's totals
    assert at.dataframe[0].value["region_name"].tolist() == ["辉南县"]
    assert at.dataframe[1].value["任务编号"].tolist() == ["H-02", "H-01"]
    # the list's filter counts the rows the list can show (its own county), not the unit's totals above it
    assert at.radio(key="ledger_show").options == ["在账任务（2）", "只看逾期（1）", "只看未更新（0）"]
    assert any("只列出您可查看明细的地区" in c.value for c in at.caption)


def test_page_on_empty_warehouse(empty_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(monkeypatch, empty_warehouse, "pages/ledger.py")
    assert any("暂无" in i.value for i in at.info)


def test_page_drill_down_province_to_unit(ledger_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(monkeypatch, ledger_warehouse, "pages/ledger.py", params={"period": "2025-03"})
    assert at.dataframe[0].value["region_name"].tolist() == ["通化市", "梅河口市"]
    at.selectbox(key="ledger_drill").set_value("220500").run()
    assert not at.exception, at.exception
    assert at.query_params["region"] == "220500"
    assert at.dataframe[0].value["region_name"].tolist() == ["通化市本级", "辉南县"]


def test_steps_figure_keeps_the_lowest_closure_rates(ledger_warehouse):
    fig = lg.steps_figure(lg.step_counts(ledger_warehouse, PROVINCE_ADMIN, "2025-03"), "环节分布", limit=1)
    assert list(fig.data[0].y) == ["梅河口市"] and "闭环率最低的1个" in fig.layout.title.text


def test_tasks_limit(ledger_warehouse):
    assert lg.tasks(ledger_warehouse, PROVINCE_ADMIN, "2025-03", limit=2)["task_id"].to_list() == ["T-02", "H-02"]
    assert lg.tasks(ledger_warehouse, PROVINCE_ADMIN, "2025-03", limit=None).height == 5


def test_page_mart_path_matches_the_public_view(ledger_warehouse):
    """At the latest month the ledger read from the page mart is v_ledger (each task's latest snapshot)."""
    mine = (
        lg.tasks(ledger_warehouse, PROVINCE_ADMIN, "2025-04", limit=None)
        .select("region_code", "task_id", "step", "due_on", "closed_on")
        .sort("region_code", "task_id")
    )
    view = ledger_warehouse.query("select region_code, task_id, step, due_on, closed_on from v_ledger order by 1, 2")
    assert mine.rows() == view.rows()


def test_page_step_filter_is_kept_in_the_url(ledger_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(monkeypatch, ledger_warehouse, "pages/ledger.py", params={"period": "2025-03", "steps": "4,5"})
    assert at.dataframe[1].value["任务编号"].tolist() == ["H-02", "T-01"]
    assert at.query_params["steps"] == "4,5"


# ------------------------------------------------------------------ 未更新 (stale) tasks: issue 10 item 5
# 辉南县 reports in 2025-03 and only A-02 in 2025-04: A-01 (not closed, due 2025-01-31) is missing from
# its region's latest ledger. 东昌区 reports D-01 in 2025-03 and no ledger since: its task stays live as of 2025-03.
#
#     region        task   2025-03                 2025-04
#     220523 辉南县  A-01   2 · due 2025-01-31      (not listed: 未更新 from 2025-04)
#                   A-02   1 · due 2025-12-31      2 · due 2025-12-31
#     220502 东昌区  D-01   4 · due 2025-02-15      (no ledger from 东昌区)
#                   D-02   5 闭环 (closed 03-05)    (no ledger from 东昌区)
#
# As of 2025-03 (month end 03-31) A-01 is 59 days overdue and D-01 44; as of 2025-04 A-01 is 未更新 (not overdue)
# and D-01 is 74 days overdue (04-30 − 02-15).
STALE_SNAPSHOTS = {
    "2025-03": [
        c1_row("220523", "A-01", "辉南县", step=2, due_on=D(2025, 1, 31), task="建立调解员名册并动态管理"),
        c1_row("220523", "A-02", "辉南县", step=1, due_on=D(2025, 12, 31)),
        c1_row("220502", "D-01", "东昌区", step=4, due_on=D(2025, 2, 15)),
        c1_row("220502", "D-02", "东昌区", step=5, closed_on=D(2025, 3, 5), due_on=D(2025, 6, 30)),
    ],
    "2025-04": [c1_row("220523", "A-02", "辉南县", step=2, due_on=D(2025, 12, 31))],
}


@pytest.fixture(scope="module")
def stale_warehouse(tmp_path_factory):
    from warehouse.db import Warehouse

    wh = Warehouse(tmp_path_factory.mktemp("stale") / "wh.duckdb")
    for period, rows in STALE_SNAPSHOTS.items():
        result = ingest(
            wh,
            form_workbook("C", {"工作台账": rows}, period=period, unit=reference_index().get("220500")),
            f"220500-{period}.xlsx",
            today=TODAY,
        )
        assert result.status == "loaded", result.errors
    yield wh
    wh.close()


def test_a_task_missing_from_its_regions_latest_ledger_is_stale_not_overdue(stale_warehouse):
    wh = stale_warehouse
    columns = [
        "task_id",
        "step",
        "overdue",
        "days_overdue",
        "stale",
        "stale_since",
        "last_reported_period",
        "ledger_period",
    ]
    assert lg.tasks(wh, PROVINCE_ADMIN, "2025-03").select(columns).rows() == [
        ("A-01", 2, True, 59, False, None, "2025-03", "2025-03"),
        ("D-01", 4, True, 44, False, None, "2025-03", "2025-03"),
        ("A-02", 1, False, None, False, None, "2025-03", "2025-03"),
        ("D-02", 5, False, None, False, None, "2025-03", "2025-03"),
    ]
    assert lg.tasks(wh, PROVINCE_ADMIN, "2025-04").select(columns).rows() == [
        ("D-01", 4, True, 74, False, None, "2025-03", "2025-03"),  # 东昌区 reported no ledger since: still live
        ("A-02", 2, False, None, False, None, "2025-04", "2025-04"),  # by step, whatever month it was reported
        ("D-02", 5, False, None, False, None, "2025-03", "2025-03"),
    ]
    assert lg.tasks(wh, PROVINCE_ADMIN, "2025-04", show="overdue")["task_id"].to_list() == ["D-01"]
    assert lg.tasks(wh, PROVINCE_ADMIN, "2025-04", show="stale").select(columns).rows() == [
        ("A-01", 2, False, None, True, "2025-04", "2025-03", "2025-04"),
    ]


def test_stale_tasks_are_counted_apart(stale_warehouse):
    columns = [*COUNT_COLUMNS, "stale"]
    assert lg.step_counts(stale_warehouse, PROVINCE_ADMIN, "2025-04", "220500").select(columns).rows() == [
        ("total", "220500", "通化市", 0, 1, 0, 1, 1, 3, 1, 1, 1 / 3, 1),
        ("child", "220502", "东昌区", 0, 0, 0, 1, 1, 2, 1, 1, 0.5, 0),
        ("child", "220523", "辉南县", 0, 1, 0, 0, 0, 1, 0, 0, 0.0, 1),
    ]
    # a month earlier the same task was live (and overdue): the state is read as of the month
    assert lg.step_counts(stale_warehouse, PROVINCE_ADMIN, "2025-03", "220523").select(columns).rows() == [
        ("total", "220523", "辉南县", 1, 1, 0, 0, 0, 2, 0, 1, 0.0, 0),
    ]
    exported = lg.export_counts(lg.step_counts(stale_warehouse, PROVINCE_ADMIN, "2025-04"))
    assert dict(zip(exported.columns, exported.row(0)))["未更新任务"] == 1


def test_public_view_says_a_stale_task_is_not_overdue(stale_warehouse):
    assert stale_warehouse.query("select task_id, period, overdue from v_ledger order by task_id").rows() == [
        ("A-01", "2025-03", False),
        ("A-02", "2025-04", False),
        ("D-01", "2025-03", True),
        ("D-02", "2025-03", False),
    ]


def test_stale_rule_is_one_macro():
    """ledger_stale: not closed and reported before its region's latest ledger; a closed task never is."""
    import duckdb
    from conftest import ROOT

    con = duckdb.connect()
    con.execute((ROOT / "warehouse/models/macros/ledger_stale.sql").read_text(encoding="utf-8"))
    assert con.execute("""
        select ledger_stale(2, '2025-03', '2025-04'), ledger_stale(5, '2025-03', '2025-04'),
               ledger_stale(2, '2025-04', '2025-04')
    """).fetchall() == [(True, False, False)]


def test_page_shows_stale_tasks_apart(stale_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(monkeypatch, stale_warehouse, "pages/ledger.py", params={"period": "2025-04", "region": "220500"})
    assert [(m.label, m.value) for m in at.metric] == [
        ("任务总数", "3 项"),
        ("已闭环销号", "1 项"),
        ("闭环率", "33.3%"),
        ("逾期任务", "1 项"),
        ("未更新任务", "1 项"),
    ]
    assert at.dataframe[0].value["stale"].tolist() == [0, 1]  # 东昌区, 辉南县
    listed = at.dataframe[1].value
    assert listed[["任务编号", "最近上报月份", "逾期天数"]].values.tolist() == [
        ["D-01", "2025年3月", "74 天"],
        ["A-02", "2025年4月", ""],
        ["D-02", "2025年3月", ""],
    ]
    assert at.radio(key="ledger_show").options == ["在账任务（3）", "只看逾期（1）", "只看未更新（1）"]
    at.radio(key="ledger_show").set_value("stale").run()
    assert not at.exception, at.exception
    listed = at.dataframe[1].value
    assert listed[["任务编号", "最近上报月份", "未更新起始月份"]].values.tolist() == [
        ["A-01", "2025年3月", "2025年4月"]
    ]
    assert at.query_params["show"] == "stale"
    assert task_box(at).options == ["辉南县 · A-01 · 建立调解员名册并动态管理（未更新）"]


# ------------------------------------------------------------------ 选择任务 follows the region and month: item 6


def test_task_box_offers_only_the_current_regions_tasks_after_a_drill(ledger_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(monkeypatch, ledger_warehouse, "pages/ledger.py", params={"period": "2025-03", "region": "220500"})
    task_box(at).set_value("220500:T-01").run()
    assert (task_box(at).value, at.query_params["task"]) == ("220500:T-01", "220500:T-01")

    at.selectbox(key="ledger_drill").set_value("220523").run()  # 下钻到地区 → 辉南县
    assert not at.exception, at.exception
    box = task_box(at)
    assert box.options == [
        "辉南县 · H-02 · 推进乡镇（街道）调解中心实体化建设（逾期）",
        "辉南县 · H-01 · 推进乡镇（街道）调解中心实体化建设",
    ]
    assert (box.value, at.query_params["task"]) == ("220523:H-02", "220523:H-02")

    task_box(at).set_value("220523:H-01").run()
    at.selectbox(key="flt_region").set_value("220581").run()  # the sidebar's 地区 → 梅河口市
    assert not at.exception, at.exception
    box = task_box(at)
    assert box.options == ["梅河口市 · M-01 · 推进乡镇（街道）调解中心实体化建设"]
    assert (box.value, at.query_params["task"]) == ("220581:M-01", "220581:M-01")


def test_task_box_resets_when_the_month_changes(ledger_warehouse, monkeypatch):
    from test_coverage import run_page

    at = run_page(
        monkeypatch,
        ledger_warehouse,
        "pages/ledger.py",
        params={"period": "2025-04", "region": "220523", "task": "220523:H-01"},
    )
    assert task_box(at).value == "220523:H-01"  # a deep link opens its task
    at.selectbox(key="flt_period").set_value("2025-03").run()
    assert not at.exception, at.exception
    assert (task_box(at).value, at.query_params["task"]) == ("220523:H-02", "220523:H-02")


def test_list_counts_are_the_rows_each_list_shows_for_every_viewer_and_region(ledger_warehouse, stale_warehouse):
    """The filter's counts (one counting query) equal the lengths of the lists they label."""
    cases = [
        (ledger_warehouse, PROVINCE_ADMIN, "2025-03", lg.PROVINCE_CODE),
        (ledger_warehouse, CITY_CLERK, "2025-03", lg.PROVINCE_CODE),
        (ledger_warehouse, CITY_CLERK, "2025-03", "220581"),
        (ledger_warehouse, COUNTY_CLERK, "2025-03", "220500"),
        (stale_warehouse, PROVINCE_ADMIN, "2025-04", "220500"),
        (stale_warehouse, PROVINCE_ADMIN, "2025-03", "220523"),
    ]
    for wh, viewer, period, region in cases:
        listed = {show: lg.tasks(wh, viewer, period, region, show=show, limit=None).height for show in lg.SHOW}
        assert lg.list_counts(wh, viewer, period, region) == listed, (viewer, period, region)
    assert lg.list_counts(stale_warehouse, PROVINCE_ADMIN, "2025-04", "220500")["stale"] == 1
