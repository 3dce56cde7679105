"""The closed loop on early-warning signals (处置 → 反馈), who may act, the audit trail, the scoped page queries
of dashboard/signals.py and the 风险预警 page itself (AppTest)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from builders import a1_row, a3_row, a4_row, credit_code
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from auth.viewer import PROVINCE_ADMIN, Viewer
from dashboard import signals as sq
from etl.formdefs import load_form
from etl.ingest import ingest
from etl.regions import reference_index
from etl.template import write_workbook
from warehouse import signals
from warehouse.db import Warehouse

NINGJIANG, QIANGUO, DONGCHANG = "220702", "220721", "220502"  # 松原市宁江区, 松原市前郭县, 通化市东昌区
LEADER = Viewer("lingdao", "leader", None, "厅领导")
SONGYUAN_CITY = Viewer("songyuan", "city", "220700", "松原市填报员")
TONGHUA_CITY = Viewer("tonghua", "city", "220500", "通化市填报员")
NINGJIANG_COUNTY = Viewer("ningjiang", "county", NINGJIANG, "宁江区填报员")
QIANGUO_COUNTY = Viewer("qianguo", "county", QIANGUO, "前郭县填报员")


def _load(wh, unit: str, data: dict) -> None:
    content = write_workbook(
        load_form("A"), period="2024-01", unit=reference_index().get(unit), data=data, protect=False, instructions=False
    )
    result = ingest(
        wh, content, f"{unit}.xlsx", period="2024-01", today=dt.date(2026, 6, 30), loaded_at=dt.datetime(2024, 2, 5, 9)
    )
    assert result.status == "loaded", [e.message for e in result.errors]


def _build(path) -> Warehouse:
    """January 2024 (the first month: no earlier reports to miss). 松原市宁江区: an escalated 85-worker dispute
    (R1 red); 通化市东昌区: a 红 warning open 26 days (R5 red)."""
    wh = Warehouse(path)
    _load(
        wh,
        "220700",
        {
            "调解情况": [a1_row(NINGJIANG), a1_row(QIANGUO)],
            "重大集体争议": [
                a3_row(
                    NINGJIANG,
                    credit_code=credit_code(NINGJIANG, "MA0000085"),
                    employer="宁江区*星光*建筑[工程]有限公司",
                    workers=85,
                    escalated=True,
                    status="未化解",
                    occurred_on=dt.date(2024, 1, 3),
                )
            ],
        },
    )
    _load(
        wh,
        "220500",
        {
            "调解情况": [a1_row(DONGCHANG)],
            "预警信息": [a4_row(DONGCHANG, level="红", status="未处置", found_on=dt.date(2024, 1, 5))],
        },
    )
    return wh


@pytest.fixture
def wh(tmp_path):
    warehouse = _build(tmp_path / "wh.duckdb")
    yield warehouse
    warehouse.close()


def sid_of(wh, rule: str) -> str:
    return wh.scalar("select signal_id from v_signals where rule = ?", [rule])


def status_of(wh, sid: str) -> str:
    return wh.scalar("select status from v_signals where signal_id = ?", [sid])


# ------------------------------------------------------------------ 处置 and 反馈
def test_acknowledge_then_close_with_history_and_audit(wh):
    sid = sid_of(wh, "R1")
    signals.acknowledge(wh, SONGYUAN_CITY, sid, "  已成立工作专班进驻企业  ", at=dt.datetime(2024, 2, 6, 10))
    assert status_of(wh, sid) == "acknowledged"
    signals.acknowledge(wh, NINGJIANG_COUNTY, sid, "已约谈企业负责人", at=dt.datetime(2024, 2, 8, 15))
    signals.close(wh, NINGJIANG_COUNTY, sid, "企业已全额支付，劳动者撤回投诉", at=dt.datetime(2024, 2, 20, 9))
    assert status_of(wh, sid) == "closed"
    steps = wh.query(
        "select acted_at, actor, action, note, level from signal_actions where signal_id = ? order by acted_at", [sid]
    ).rows()
    assert steps == [
        (dt.datetime(2024, 2, 5, 9), "system", "raise", "松原市宁江区重大集体争议已激化（建筑业，85 人）", "red"),
        (dt.datetime(2024, 2, 6, 10), "songyuan", "ack", "已成立工作专班进驻企业", "red"),
        (dt.datetime(2024, 2, 8, 15), "ningjiang", "ack", "已约谈企业负责人", "red"),
        (dt.datetime(2024, 2, 20, 9), "ningjiang", "close", "企业已全额支付，劳动者撤回投诉", "red"),
    ]
    audit = wh.query(
        "select actor, action, target, detail from audit_log where action like 'signal%' order by logged_at, action"
    ).rows()
    assert [(a, b, c) for a, b, c, _ in audit] == [
        ("songyuan", "signal_ack", sid),
        ("ningjiang", "signal_ack", sid),
        ("ningjiang", "signal_close", sid),
    ]
    assert json.loads(audit[-1][3]) == {
        "rule": "R1",
        "region": NINGJIANG,
        "level": "red",
        "from": "acknowledged",
        "to": "closed",
        "note": "企业已全额支付，劳动者撤回投诉",
    }
    # the closing baseline is kept for re-opening
    assert wh.query("select closed_level, closed_metric from signals where signal_id = ?", [sid]).row(0) == (
        "red",
        85.0,
    )


def test_action_text_is_required_and_the_order_is_enforced(wh):
    sid = sid_of(wh, "R1")
    with pytest.raises(signals.SignalActionError, match="请填写处置措施"):
        signals.acknowledge(wh, PROVINCE_ADMIN, sid, "   ")
    with pytest.raises(signals.SignalActionError, match="请先登记处置措施"):
        signals.close(wh, PROVINCE_ADMIN, sid, "已办结")
    signals.acknowledge(wh, PROVINCE_ADMIN, sid, "已处置")
    with pytest.raises(signals.SignalActionError, match="请填写办结反馈"):
        signals.close(wh, PROVINCE_ADMIN, sid, "")
    with pytest.raises(signals.SignalActionError, match="最多 1000 个字"):
        signals.close(wh, PROVINCE_ADMIN, sid, "办" * 1001)
    signals.close(wh, PROVINCE_ADMIN, sid, "已办结")
    with pytest.raises(signals.SignalActionError, match="已办结"):
        signals.acknowledge(wh, PROVINCE_ADMIN, sid, "再处置")
    with pytest.raises(signals.SignalActionError, match="没有编号为"):
        signals.acknowledge(wh, PROVINCE_ADMIN, "0000000000000000", "处置")
    assert wh.query("select action from signal_actions where signal_id = ? order by acted_at", [sid]).rows() == [
        ("raise",),
        ("ack",),
        ("close",),
    ]


@pytest.mark.parametrize(
    "viewer, allowed",
    [
        (PROVINCE_ADMIN, True),
        (SONGYUAN_CITY, True),
        (NINGJIANG_COUNTY, True),
        (LEADER, False),
        (TONGHUA_CITY, False),
        (QIANGUO_COUNTY, False),
    ],
)
def test_only_the_responsible_unit_and_administrators_may_act(wh, viewer, allowed):
    sid = sid_of(wh, "R1")  # 松原市宁江区
    if allowed:
        signals.acknowledge(wh, viewer, sid, "已处置")
        assert status_of(wh, sid) == "acknowledged"
    else:
        with pytest.raises(PermissionError, match="省级领导为只读"):
            signals.acknowledge(wh, viewer, sid, "已处置")
        assert status_of(wh, sid) == "new"
        assert wh.scalar("select count(*) from audit_log where action like 'signal%'") == 0


def test_unit_level_signals_belong_to_the_city_not_to_its_counties():
    index = reference_index()
    assert signals.can_act(SONGYUAN_CITY, "220700", index) is True
    assert signals.can_act(NINGJIANG_COUNTY, "220700", index) is False
    assert signals.can_act(LEADER, NINGJIANG, index) is False


# ------------------------------------------------------------------ scoped queries of the page
def test_open_counts_and_lists_stay_inside_the_viewer_scope(wh):
    assert sq.open_counts(wh, PROVINCE_ADMIN) == {"red": 2, "orange": 0, "yellow": 0, "blue": 0}
    assert sq.open_counts(wh, LEADER) == {"red": 2, "orange": 0, "yellow": 0, "blue": 0}
    assert sq.open_counts(wh, SONGYUAN_CITY) == {"red": 1, "orange": 0, "yellow": 0, "blue": 0}
    assert sq.open_counts(wh, QIANGUO_COUNTY) == {"red": 0, "orange": 0, "yellow": 0, "blue": 0}
    listed = sq.signal_list(wh, TONGHUA_CITY, period="2024-01")
    assert listed.select("rule", "region_label", "level_label", "status_label").rows() == [
        ("R5", "通化市东昌区", "红色", "待处置")
    ]
    # a province region filter cannot widen a city's scope; a county filter narrows the province's
    assert sq.signal_list(wh, TONGHUA_CITY, region="220700").height == 0
    assert sq.signal_list(wh, PROVINCE_ADMIN, region=NINGJIANG)["rule"].to_list() == ["R1"]
    assert sq.signal_list(wh, PROVINCE_ADMIN, industry="E")["rule"].to_list() == ["R1"]


def test_a_signal_outside_the_scope_shows_nothing(wh):
    sid = sid_of(wh, "R1")
    assert sq.signal(wh, TONGHUA_CITY, sid) is None
    assert sq.evidence(wh, TONGHUA_CITY, sid) == []
    assert sq.history(wh, TONGHUA_CITY, sid).height == 0


def test_evidence_rows_in_chinese_with_the_employer_as_text(wh):
    sid = sid_of(wh, "R1")
    (label1, latest), (label2, months) = sq.evidence(wh, NINGJIANG_COUNTY, sid)
    assert (label1, label2) == ("事件最新状态", "逐月报送情况")
    assert latest.select("地区", "用人单位", "行业", "涉及人数", "有无激化", "处置状态", "化解日期").rows() == [
        ("松原市宁江区", "宁江区*星光*建筑[工程]有限公司", "建筑业", 85, "是", "未化解", "—")
    ]
    assert months.select("报送月份", "处置状态").rows() == [("2024年1月", "未化解")]
    history = sq.history(wh, NINGJIANG_COUNTY, sid)
    assert history.select("操作", "操作人", "级别").rows() == [("系统预警", "系统", "红色")]


def test_markdown_text_is_escaped_for_user_data():
    assert sq.md_text("宁江区*星光*建筑[工程](x)有限公司 $1") == "宁江区\\*星光\\*建筑\\[工程\\]\\(x\\)有限公司 \\$1"


def test_heat_has_a_row_per_unit_and_trend_counts_months(wh):
    heat = sq.heat(wh, LEADER, period="2024-01")
    assert heat.height == 11
    hot = heat.filter(heat["n"] > 0).select("row_label", "industry_label", "n", "red", "score").rows()
    assert hot == [("通化市", "批发零售", 1, 1, 4), ("松原市", "建筑", 1, 1, 4)]
    county_rows = sq.heat(wh, PROVINCE_ADMIN, period="2024-01", region="220700")
    assert set(county_rows["row_label"]) >= {"松原市宁江区", "松原市前郭县"}
    assert sq.trend(wh, LEADER, period="2024-01").rows() == [("2024-01", "red", 2)]
    assert sq.headline(wh, sq.signal_list(wh, LEADER, period="2024-01")) == (
        "需重点关注：红色 2 条（重大集体争议 1 条、预警超期未办结 1 条）；涉及松原市 1 条、通化市 1 条。"
    )
    assert sq.rules_in_force()["规则"].to_list() == ["R1", "R2", "R3", "R4", "R5", "R6", "R7"]


def test_heat_and_trend_figures_draw_the_counts_and_levels_of_their_frames(wh):
    heat = sq.heat(wh, LEADER, period="2024-01")
    rows, _ = sq.heat_rows(heat)
    fig = sq.heat_figure(heat, rows)
    drawn = {
        (row, col): (count, tip.split("<br>")[1])
        for row, counts, tips in zip(fig.data[0].y, fig.data[0].text, fig.data[0].customdata)
        for col, count, tip in zip(fig.data[0].x, counts, tips)
        if count
    }
    assert drawn == {
        ("通化市", "批发零售"): ("1", "未办结 1 条：红色 1"),
        ("松原市", "建筑"): ("1", "未办结 1 条：红色 1"),
    }
    trend = sq.trend_figure(sq.trend(wh, LEADER, period="2024-01"))
    assert [(t.name, list(t.y)) for t in trend.data] == [("蓝色", []), ("黄色", []), ("橙色", []), ("红色", [2])]


# ------------------------------------------------------------------ the page (AppTest)
@pytest.fixture
def page_db(tmp_path, monkeypatch):
    _build(tmp_path / "page.duckdb").close()
    monkeypatch.setenv("MEDIATION_DB", str(tmp_path / "page.duckdb"))
    return tmp_path / "page.duckdb"


def _page(viewer: Viewer, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "risk.py"), default_timeout=60)
    at.session_state["viewer"] = viewer
    if params:
        at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def test_page_acknowledges_and_closes_through_its_forms(page_db):
    at = _page(SONGYUAN_CITY)
    assert [m.value for m in at.metric][:4] == ["1 条", "0 条", "0 条", "0 条"]
    at.text_area(key="risk_ack_text").input("已成立工作专班进驻企业")
    at.button[0].click().run()  # 提交处置
    assert not at.exception, at.exception
    wh = Warehouse(page_db)
    try:
        assert wh.query("select status from v_signals where rule = 'R1'").rows() == [("acknowledged",)]
    finally:
        wh.close()


def test_page_is_read_only_for_leaders_and_shows_the_rules(page_db):
    at = _page(LEADER, {"signal": "not-a-signal"})
    assert not at.text_area, "no forms for a leader"
    assert any("省级领导为只读" in c.value for c in at.caption)
    assert any("需重点关注：红色 2 条" in m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) == 2


def test_a_heat_map_of_many_rows_keeps_the_riskiest_in_code_order_and_says_how_many_it_left_out():
    import polars as pl

    heat = pl.DataFrame(
        {
            "row_code": [f"{c:03d}" for c in range(5) for _ in (0, 1)],
            "row_label": [f"单位{c}" for c in range(5) for _ in (0, 1)],
            "score": [0, 0, 4, 3, 1, 0, 4, 0, 2, 2],
        }
    )
    assert sq.heat_rows(heat, limit=3) == (["单位1", "单位3", "单位4"], "共 5 行，显示风险分值最高的 3 行")
    assert sq.heat_rows(heat, limit=5) == (["单位0", "单位1", "单位2", "单位3", "单位4"], None)
