"""Early-warning rules R1–R7 (warehouse/signals.py): each fires on a tiny warehouse and stays quiet on its
control case; the planted scenario of the issue; re-opening; idempotent refresh; only touched regions recomputed.

Every warehouse is built by loading small workbooks through etl.ingest.ingest, as a clerk's upload would.
"""

from __future__ import annotations

import datetime as dt

import pytest
from builders import a1_row, a2_row, a3_row, a4_row, b1_row, c1_row, credit_code

from auth.viewer import PROVINCE_ADMIN
from etl.formdefs import load_form
from etl.ingest import ingest
from etl.regions import reference_index
from etl.template import write_workbook
from warehouse import signals
from warehouse.db import Warehouse

TODAY = dt.date(2026, 6, 30)  # "today" for the period check of ingest: every test period is in the past
UNIT = "220700"  # 松原市
NINGJIANG, QIANGUO, CHANGLING = "220702", "220721", "220722"  # 宁江区, 前郭县, 长岭县


# ------------------------------------------------------------------ building tiny warehouses
@pytest.fixture
def wh(tmp_path):
    warehouse = Warehouse(tmp_path / "wh.duckdb")
    yield warehouse
    warehouse.close()


def shift(period: str, months: int) -> str:
    return signals._shift(period, months)


def on_time(period: str) -> dt.datetime:
    """The 5th of the next month, 09:00: before the due day (10th)."""
    nxt = shift(period, 1)
    return dt.datetime(int(nxt[:4]), int(nxt[5:]), 5, 9, 0)


def load(wh, form: str, period: str, data: dict, *, unit: str = UNIT, loaded_at: dt.datetime | None = None):
    content = write_workbook(
        load_form(form), period=period, unit=reference_index().get(unit), data=data, protect=False, instructions=False
    )
    result = ingest(
        wh, content, f"{unit}-{period}-{form}.xlsx", period=period, today=TODAY, loaded_at=loaded_at or on_time(period)
    )
    assert result.status == "loaded", [e.message for e in result.errors]
    return result


def a1(code: str, *, accepted: int = 10, closed: int = 8, succeeded: int = 6) -> dict:
    """调解情况 with chosen accepted / closed / succeeded (all in 企业调解委员会; no collective cases)."""
    row = a1_row(
        code,
        accepted_total=accepted,
        closed_total=closed,
        succeeded_total=succeeded,
        collective_cases=0,
        collective_workers=0,
        court_entrusted=0,
        online_accepted=0,
        arbitration_review=0,
        judicial_confirmation=0,
        workers=accepted,
    )
    for part in ("enterprise", "township", "arbitration", "chamber", "other"):
        row[f"accepted_{part}"] = accepted if part == "enterprise" else 0
        row[f"succeeded_{part}"] = succeeded if part == "enterprise" else 0
    return row


def a2(code: str, industry: str, accepted: int) -> dict:
    return a2_row(
        code, industry=industry, accepted=accepted, succeeded=accepted // 2, collective_cases=0, workers=accepted
    )


def incident(code: str, body: str, **over) -> dict:
    """A 重大集体争议 row of its own employer (credit code body, 9 characters)."""
    return a3_row(code, credit_code=credit_code(code, body), employer=f"松原市测试{body[-2:]}建筑有限公司", **over)


def warning(code: str, body: str, **over) -> dict:
    return a4_row(code, credit_code=credit_code(code, body), employer=f"松原市测试{body[-2:]}商贸有限公司", **over)


def rows(wh, rule: str | None = None) -> list[tuple]:
    """(rule, level, period, region, industry, status) of every signal (of one rule), sorted."""
    frame = wh.query("""
        select rule, level, period, region_code, coalesce(industry_code, '') as industry, status
        from v_signals order by rule, region_code, industry, period, level
    """)
    return [r for r in frame.rows() if rule is None or r[0] == rule]


def explanation(wh, rule: str, region: str) -> str:
    return wh.scalar(
        "select explanation from v_signals where rule = ? and region_code = ? order by period desc limit 1",
        [rule, region],
    )


# ------------------------------------------------------------------ R1 重大集体争议
def test_r1_unresolved_major_dispute_is_red_after_15_days_orange_before_and_minor_or_resolved_ones_are_quiet(wh):
    load(
        wh,
        "A",
        "2025-03",
        {
            "调解情况": [a1(NINGJIANG)],
            "重大集体争议": [
                incident(NINGJIANG, "MA0000011", occurred_on=dt.date(2025, 3, 5), workers=35),  # 26 days open → red
                incident(
                    NINGJIANG, "MA0000012", occurred_on=dt.date(2025, 3, 20), workers=40, industry="C"
                ),  # 11 days → orange
                incident(
                    NINGJIANG, "MA0000013", occurred_on=dt.date(2025, 3, 25), workers=12, amount_wan=30.0
                ),  # not 重大
                incident(
                    NINGJIANG,
                    "MA0000014",
                    occurred_on=dt.date(2025, 3, 2),
                    workers=50,
                    status="已化解",
                    resolved_on=dt.date(2025, 3, 20),
                ),  # resolved at once
            ],
        },
    )
    assert rows(wh, "R1") == [
        ("R1", "orange", "2025-03", NINGJIANG, "C", "new"),
        ("R1", "red", "2025-03", NINGJIANG, "E", "new"),
    ]
    red = wh.scalar("select explanation from v_signals where rule = 'R1' and level = 'red'")
    assert "涉及劳动者 35 人" in red and "已持续 26 天" in red and "未化解超过 15 天" in red


def test_r1_signal_closes_when_the_dispute_is_reported_resolved(wh):
    load(
        wh,
        "A",
        "2025-03",
        {
            "调解情况": [a1(NINGJIANG)],
            "重大集体争议": [incident(NINGJIANG, "MA0000011", occurred_on=dt.date(2025, 3, 5), workers=35)],
        },
    )
    load(
        wh,
        "A",
        "2025-04",
        {
            "调解情况": [a1(NINGJIANG)],
            "重大集体争议": [
                incident(
                    NINGJIANG,
                    "MA0000011",
                    occurred_on=dt.date(2025, 3, 5),
                    workers=35,
                    status="已化解",
                    resolved_on=dt.date(2025, 4, 12),
                )
            ],
        },
    )
    assert rows(wh, "R1") == [("R1", "red", "2025-03", NINGJIANG, "E", "closed")]
    steps = wh.query("""
        select action, actor, note from signal_actions join signals using (signal_id)
        where rule = 'R1' order by acted_at, action""").rows()
    assert steps == [
        ("raise", "system", "松原市宁江区重大集体争议未化解（建筑业，35 人）"),
        ("resolve", "system", "事件已于2025年4月12日化解（2025年4月报表）。"),
    ]


# ------------------------------------------------------------------ R2 受理量激增
def test_r2_intake_jump_to_four_times_the_six_month_mean_is_red_and_a_steady_region_is_quiet(wh):
    history = [14, 16, 15, 13, 17, 15]  # mean 15
    for k, n in enumerate(history + [60]):
        period = shift("2025-01", k)
        load(
            wh,
            "A",
            period,
            {
                "调解情况": [a1(NINGJIANG, accepted=80), a1(QIANGUO, accepted=80)],
                "分行业": [a2(NINGJIANG, "E", n), a2(QIANGUO, "E", history[k % 6])],
            },
        )
    assert rows(wh, "R2") == [("R2", "red", "2025-07", NINGJIANG, "E", "new")]
    assert explanation(wh, "R2", NINGJIANG).startswith(
        "松原市宁江区建筑业2025年7月受理 60 件，为近6个月均值的 4.0 倍（月均 15.0 件），去年同期无数据"
    )


def test_r2_seasonal_rise_before_the_spring_festival_is_not_a_surge(wh):
    """Both regions double in January against the last 6 months; only 宁江区 also doubles on last January."""
    months = {"2024-01": (40, 40), **{shift("2024-07", k): (15, 15) for k in range(6)}, "2025-01": (90, 42)}
    for period, (ningjiang, qianguo) in months.items():
        load(
            wh,
            "A",
            period,
            {
                "调解情况": [a1(NINGJIANG, accepted=120), a1(QIANGUO, accepted=120)],
                "分行业": [a2(NINGJIANG, "E", ningjiang), a2(QIANGUO, "E", qianguo)],
            },
        )
    assert rows(wh, "R2") == [("R2", "red", "2025-01", NINGJIANG, "E", "new")]
    assert "去年同期（2024年1月）40 件" in explanation(wh, "R2", NINGJIANG)


def test_r2_small_counts_do_not_fire(wh):
    for k, n in enumerate([5, 6, 5, 4, 6, 5, 19]):  # 19 < min_cases 20 although 3.6 × the mean
        load(
            wh, "A", shift("2025-01", k), {"调解情况": [a1(NINGJIANG, accepted=40)], "分行业": [a2(NINGJIANG, "E", n)]}
        )
    assert rows(wh, "R2") == []


# ------------------------------------------------------------------ R3 集体争议聚集
def test_r3_three_collective_disputes_of_one_unit_and_industry_within_three_months_cluster(wh):
    minor = dict(workers=12, amount_wan=20.0, status="已化解")  # collective, below 重大: no R1 noise
    plan = {  # period → incidents that occurred in it
        "2024-12": [
            incident(
                QIANGUO,
                "MA0000021",
                industry="C",
                occurred_on=dt.date(2024, 12, 3),
                resolved_on=dt.date(2024, 12, 20),
                **minor,
            )
        ],
        "2025-01": [
            incident(
                NINGJIANG, "MA0000031", occurred_on=dt.date(2025, 1, 10), resolved_on=dt.date(2025, 1, 25), **minor
            )
        ],
        "2025-02": [
            incident(QIANGUO, "MA0000032", occurred_on=dt.date(2025, 2, 12), resolved_on=dt.date(2025, 2, 26), **minor),
            incident(
                QIANGUO,
                "MA0000022",
                industry="C",
                occurred_on=dt.date(2025, 2, 2),
                resolved_on=dt.date(2025, 2, 20),
                **minor,
            ),
        ],
        "2025-03": [
            incident(
                NINGJIANG, "MA0000033", occurred_on=dt.date(2025, 3, 15), resolved_on=dt.date(2025, 3, 28), **minor
            ),
            incident(
                QIANGUO,
                "MA0000023",
                industry="C",
                occurred_on=dt.date(2025, 3, 4),
                resolved_on=dt.date(2025, 3, 21),
                **minor,
            ),
        ],
    }
    for period, reported in plan.items():
        load(wh, "A", period, {"调解情况": [a1(NINGJIANG), a1(QIANGUO)], "重大集体争议": reported})
    # E: Jan, Feb, Mar → 3 in the window; C: Dec, Feb, Mar → only 2 in Jan–Mar
    assert rows(wh, "R3") == [("R3", "orange", "2025-03", UNIT, "E", "new")]
    text = explanation(wh, "R3", UNIT)
    assert text.startswith("2025年1月至2025年3月，松原市建筑业发生集体劳动争议 3 起（涉及劳动者 36 人")


# ------------------------------------------------------------------ R4 调解成功率下降
def test_r4_success_rate_drop_fires_with_enough_closed_cases_only(wh):
    for k in range(4):
        last = k == 3
        load(
            wh,
            "A",
            shift("2025-01", k),
            {
                "调解情况": [
                    a1(NINGJIANG, accepted=110, closed=100, succeeded=50 if last else 80),  # 80% → 50%: −30 points
                    a1(QIANGUO, accepted=110, closed=100, succeeded=74 if last else 80),  # −6 points: within the noise
                    a1(
                        CHANGLING, accepted=25, closed=20, succeeded=6 if last else 16
                    ),  # −50 points on 20 cases: too few
                ]
            },
        )
    assert rows(wh, "R4") == [("R4", "orange", "2025-04", NINGJIANG, "", "new")]
    assert explanation(wh, "R4", NINGJIANG).startswith(
        "松原市宁江区2025年4月调解成功率 50.0%（成功 50 / 结案 100），此前 3 个月（2025年1月至2025年3月）合计为 80.0%"
        "（240 / 300），下降 30.0 个百分点"
    )


# ------------------------------------------------------------------ R5 预警超期未办结
def test_r5_red_and_orange_warnings_overdue_fire_younger_or_lower_ones_do_not(wh):
    load(
        wh,
        "A",
        "2025-03",
        {
            "调解情况": [a1(NINGJIANG)],
            "预警信息": [
                warning(NINGJIANG, "MA0000041", level="红", status="未处置", found_on=dt.date(2025, 3, 5)),  # 26 > 15
                warning(NINGJIANG, "MA0000042", level="红", status="未处置", found_on=dt.date(2025, 3, 20)),  # 11 days
                warning(NINGJIANG, "MA0000043", level="橙", status="处置中", found_on=dt.date(2025, 3, 5)),  # 26 ≤ 30
                warning(NINGJIANG, "MA0000044", level="黄", status="未处置", found_on=dt.date(2025, 1, 5)),  # 黄: never
            ],
        },
    )
    assert rows(wh, "R5") == [("R5", "red", "2025-03", NINGJIANG, "F", "new")]
    load(
        wh,
        "A",
        "2025-04",
        {
            "调解情况": [a1(NINGJIANG)],
            "预警信息": [
                warning(
                    NINGJIANG,
                    "MA0000041",
                    level="红",
                    status="已办结",
                    found_on=dt.date(2025, 3, 5),
                    closed_on=dt.date(2025, 4, 3),
                ),
                warning(
                    NINGJIANG,
                    "MA0000042",
                    level="红",
                    status="已办结",
                    found_on=dt.date(2025, 3, 20),
                    closed_on=dt.date(2025, 4, 2),
                ),
                warning(
                    NINGJIANG, "MA0000043", level="橙", status="处置中", found_on=dt.date(2025, 3, 5)
                ),  # now 56 days
            ],
        },
    )
    assert rows(wh, "R5") == [
        ("R5", "red", "2025-03", NINGJIANG, "F", "closed"),
        ("R5", "orange", "2025-04", NINGJIANG, "F", "new"),
    ]


# ------------------------------------------------------------------ R6 迟报未报
def forms_of(period: str, code: str = QIANGUO) -> dict[str, dict]:
    ref = reference_index().get(code).townships_ref
    return {
        "A": {"调解情况": [a1(code)]},
        "B": {"组织建设": [b1_row(code, townships=ref)]},
        "C": {"工作台账": [c1_row(code)]},
    }


def test_r6_late_report_is_yellow_missing_report_is_orange_on_time_is_quiet(wh):
    data = forms_of("2024-01")
    load(wh, "A", "2024-01", data["A"], loaded_at=dt.datetime(2024, 2, 5, 9))
    load(wh, "C", "2024-01", data["C"], loaded_at=dt.datetime(2024, 2, 6, 10))
    load(wh, "B", "2024-01", data["B"], loaded_at=dt.datetime(2024, 2, 18, 16))  # due 2024-02-10: 8 days late
    assert rows(wh, "R6") == [("R6", "yellow", "2024-01", UNIT, "", "new")]
    assert explanation(wh, "R6", UNIT) == (
        "松原市2024年1月报表应于2024年2月10日前报送：附件2 组织建设统计表迟报 8 天（2024年2月18日报送）。"
        "截至2024年2月18日。迟报超过 3 天为黄色，以内为蓝色。"
    )
    # February: A and B on time, C never comes; the daily refresh finds it missing after the due day
    data = forms_of("2024-02")
    load(wh, "A", "2024-02", data["A"], loaded_at=dt.datetime(2024, 3, 4, 9))
    load(wh, "B", "2024-02", data["B"], loaded_at=dt.datetime(2024, 3, 4, 9))
    assert rows(wh, "R6") == [("R6", "yellow", "2024-01", UNIT, "", "new")]  # not due yet
    signals.refresh_all(wh, now=dt.datetime(2024, 3, 12, 8))
    # (the other ten units, which have reported nothing at all, are missing too)
    assert [r for r in rows(wh, "R6") if r[3] == UNIT] == [
        ("R6", "yellow", "2024-01", UNIT, "", "new"),
        ("R6", "orange", "2024-02", UNIT, "", "new"),
    ]
    assert "工作台账未报送（已逾期 2 天）" in explanation(wh, "R6", UNIT)


def test_r6_backfill_of_old_months_raises_nothing(wh):
    data = forms_of("2024-01")
    for form in "ABC":  # loaded two years late, in one afternoon
        load(wh, form, "2024-01", data[form], loaded_at=dt.datetime(2026, 3, 2, 15))
    assert rows(wh, "R6") == []


# ------------------------------------------------------------------ R7 建设进度滞后
def test_r7_coverage_whose_pace_misses_the_target_date_fires_a_fast_one_does_not(wh):
    ref = reference_index().get(QIANGUO).townships_ref
    full = dict(
        above_scale_enterprises=20,
        union_100_enterprises=20,
        parks=3,
        parks_with_org=3,
        township_centers=ref,
        township_windows=ref,
        chambers=6,
        chambers_with_org=6,
    )
    for k in range(6):  # 2025-01 … 2025-06
        row = b1_row(
            QIANGUO,
            townships=ref,
            **full,
            union_100_with_committee=10,  # 50 % flat; target 90 % by 2025-12-31
            above_scale_with_committee=10 + 2 * k,
        )  # 50 % → 100 %: on pace for 80 %
        load(wh, "B", shift("2025-01", k), {"组织建设": [row]})
    assert rows(wh, "R7") == [("R7", "yellow", "2025-06", UNIT, "", "new")]
    assert explanation(wh, "R7", UNIT) == (
        "松原市工会百人以上企业调委会设立率2025年6月为 50.0%（10 / 20），2025年1月以来每月提高 0.0 个百分点；"
        "按此进度到2025年12月31日预计 50.0%，低于目标 90.0% 40.0 个百分点（还剩 6 个月）。"
    )


# ------------------------------------------------------------------ the planted scenario of the issue
def test_planted_surge_and_escalated_dispute_raise_red_signals_for_exactly_that_region(wh):
    """宁江区: construction intake jumps to 4× its 6-month mean, and an escalated 85-worker dispute stays
    unresolved. 前郭县 and 长岭县 report steady figures. Every form of every month is loaded on time."""
    regions = [NINGJIANG, QIANGUO, CHANGLING]
    steady = [14, 16, 15, 13, 17, 15]
    dispute = incident(
        NINGJIANG,
        "MA0000085",
        workers=85,
        amount_wan=160.0,
        escalated=True,
        status="未化解",
        occurred_on=dt.date(2024, 6, 12),
    )
    for k in range(7):  # 2024-01 … 2024-07
        period = shift("2024-01", k)
        ningjiang_e = 60 if k == 6 else steady[k]
        load(
            wh,
            "A",
            period,
            {
                "调解情况": [a1(code, accepted=100, closed=90, succeeded=70) for code in regions],
                "分行业": [
                    a2(NINGJIANG, "E", ningjiang_e),
                    a2(NINGJIANG, "C", 20),
                    a2(QIANGUO, "E", steady[k % 6]),
                    a2(QIANGUO, "C", 20),
                    a2(CHANGLING, "E", steady[5 - k % 6]),
                ],
                "重大集体争议": [dispute] if k >= 5 else [],
            },
        )
        refs = {code: reference_index().get(code).townships_ref for code in regions}
        load(
            wh,
            "B",
            period,
            {
                "组织建设": [
                    b1_row(
                        code,
                        townships=refs[code],
                        above_scale_with_committee=20,
                        union_100_with_committee=10,
                        parks_with_org=3,
                        township_centers=refs[code],
                        township_windows=refs[code],
                        chambers_with_org=6,
                    )
                    for code in regions
                ]
            },
        )
        load(wh, "C", period, {"工作台账": [c1_row(code, task_id=f"T-{code}") for code in regions]})
    urgent = wh.query("""
        select rule, level, region_code, industry_code from v_signals
        where level in ('red', 'orange') order by rule
    """).rows()
    assert urgent == [("R1", "red", NINGJIANG, "E"), ("R2", "red", NINGJIANG, "E")]
    assert rows(wh) == [
        ("R1", "red", "2024-07", NINGJIANG, "E", "new"),
        ("R2", "red", "2024-07", NINGJIANG, "E", "new"),
    ]
    assert explanation(wh, "R2", NINGJIANG).startswith(
        "松原市宁江区建筑业2024年7月受理 60 件，为近6个月均值的 4.0 倍（月均 15.0 件）"
    )
    r1 = explanation(wh, "R1", NINGJIANG)
    assert "涉及劳动者 85 人、金额 160.00 万元，有激化行为" in r1 and "已持续 49 天" in r1


# ------------------------------------------------------------------ re-open, idempotence, touched regions
def test_closed_signal_reopens_when_its_level_rises_and_stays_closed_when_unchanged(wh):
    young = incident(NINGJIANG, "MA0000051", occurred_on=dt.date(2025, 3, 20), workers=40)  # orange in March
    load(wh, "A", "2025-03", {"调解情况": [a1(NINGJIANG)], "重大集体争议": [young]})
    sid = wh.scalar("select signal_id from v_signals where rule = 'R1'")
    signals.acknowledge(wh, PROVINCE_ADMIN, sid, "已约谈企业负责人，督促制定清偿计划")
    signals.close(wh, PROVINCE_ADMIN, sid, "企业承诺4月底前支付")
    assert rows(wh, "R1") == [("R1", "orange", "2025-03", NINGJIANG, "E", "closed")]
    load(wh, "A", "2025-04", {"调解情况": [a1(NINGJIANG)], "重大集体争议": [young]})  # still unresolved: 41 days
    assert rows(wh, "R1") == [("R1", "red", "2025-04", NINGJIANG, "E", "new")]
    assert wh.query("select first_period, opened_period from signals where signal_id = ?", [sid]).row(0) == (
        "2025-03",
        "2025-04",
    )
    reopen = wh.query("select actor, note from signal_actions where action = 'reopen'").rows()
    assert reopen[0][0] == "system" and reopen[0][1].startswith("级别由橙色升为红色：")
    assert wh.query(
        "select actor, action, target from audit_log where action like 'signal%' order by logged_at, action"
    ).rows() == [("admin", "signal_ack", sid), ("admin", "signal_close", sid), ("system", "signal_reopen", sid)]
    # closed again at red; the same state next month does not re-open it, more workers do
    signals.acknowledge(wh, PROVINCE_ADMIN, sid, "专班进驻")
    signals.close(wh, PROVINCE_ADMIN, sid, "已分批支付")
    load(wh, "A", "2025-05", {"调解情况": [a1(NINGJIANG)], "重大集体争议": [young]})
    assert rows(wh, "R1") == [("R1", "red", "2025-05", NINGJIANG, "E", "closed")]
    load(wh, "A", "2025-06", {"调解情况": [a1(NINGJIANG)], "重大集体争议": [{**young, "workers": 60}]})
    assert rows(wh, "R1") == [("R1", "red", "2025-06", NINGJIANG, "E", "new")]
    notes = wh.query("select note from signal_actions where action = 'reopen' order by acted_at").rows()
    assert notes[-1][0].startswith("关键数值由 40 增至 60：")


def _state(wh) -> tuple:
    sig = wh.query("""
        select signal_id, rule, level, period, region_code, industry_code, title, explanation, status, active,
               first_period, metric from signals where rule <> 'R6' order by signal_id
    """).rows()
    periods = wh.query("""
        select signal_id, period, level from signal_periods
        where signal_id in (select signal_id from signals where rule <> 'R6') order by all
    """).rows()
    return sig, periods


def test_refresh_is_idempotent_and_replays_what_the_loads_computed(wh):
    for k in range(7):
        period = shift("2025-01", k)
        load(
            wh,
            "A",
            period,
            {
                "调解情况": [a1(NINGJIANG, accepted=110, closed=100, succeeded=50 if k == 6 else 80)],
                "分行业": [a2(NINGJIANG, "E", 60 if k == 6 else 15)],
                "重大集体争议": [incident(NINGJIANG, "MA0000061", occurred_on=dt.date(2025, 2, 3), workers=45)]
                if k >= 1
                else [],
                "预警信息": [warning(NINGJIANG, "MA0000062", level="红", status="处置中", found_on=dt.date(2025, 5, 2))]
                if k >= 4
                else [],
            },
        )
    after_loads = _state(wh)
    assert {r[1] for r in after_loads[0]} == {"R1", "R2", "R4", "R5"}
    non_r6_actions = (
        "select count(*) from signal_actions where signal_id in (select signal_id from signals where rule <> 'R6')"
    )
    actions = wh.scalar(non_r6_actions)
    signals.refresh_all(wh, now=dt.datetime(2025, 8, 5))
    assert _state(wh) == after_loads
    signals.refresh_all(wh, now=dt.datetime(2025, 8, 5))
    assert _state(wh) == after_loads
    assert wh.scalar(non_r6_actions) == actions
    assert wh.scalar("select count(*) - count(distinct signal_id || period) from signal_periods") == 0


def test_a_load_recomputes_only_the_touched_regions_and_the_months_it_can_affect(wh, monkeypatch):
    for k in range(3):
        load(
            wh,
            "A",
            shift("2025-01", k),
            {
                "调解情况": [a1(NINGJIANG), a1(QIANGUO)],
                "预警信息": [warning(QIANGUO, "MA0000071", level="红", status="未处置", found_on=dt.date(2025, 1, 3))],
            },
        )
    wh.scalar("update signals set title = '未重算' where rule = 'R5' and region_code = ?", [QIANGUO])
    calls = []
    real = signals._rows

    def spy(cur, name, params):
        calls.append((name, params.get("regions", params.get("units")), params.get("periods", params.get("period"))))
        return real(cur, name, params)

    monkeypatch.setattr(signals, "_rows", spy)
    load(wh, "A", "2025-01", {"调解情况": [a1(NINGJIANG, accepted=12)]})  # a correction of January, 宁江区 only
    assert calls == [
        ("r1_major_disputes", [NINGJIANG], "2025-03"),  # standing rules: as of the region's latest month
        ("r2_intake_surge", [NINGJIANG], ["2025-01", "2025-02", "2025-03"]),  # January and the months it is baseline of
        ("r3_cluster", [UNIT], "2025-03"),
        ("r4_success_drop", [NINGJIANG], ["2025-01", "2025-02", "2025-03"]),
        ("r5_open_warnings", [NINGJIANG], "2025-03"),
        ("r6_reports", [UNIT], ["2024-12", "2025-01"]),
    ]
    assert wh.scalar("select title from signals where rule = 'R5' and region_code = ?", [QIANGUO]) == "未重算"


def test_restore_recomputes_signals(wh):
    old = load(
        wh,
        "A",
        "2025-03",
        {
            "调解情况": [a1(NINGJIANG)],
            "预警信息": [warning(NINGJIANG, "MA0000081", level="红", status="未处置", found_on=dt.date(2025, 3, 2))],
        },
    )
    load(
        wh,
        "A",
        "2025-03",
        {
            "调解情况": [a1(NINGJIANG)],
            "预警信息": [
                warning(
                    NINGJIANG,
                    "MA0000081",
                    level="红",
                    status="已办结",
                    found_on=dt.date(2025, 3, 2),
                    closed_on=dt.date(2025, 3, 9),
                )
            ],
        },
    )
    assert rows(wh, "R5") == [("R5", "red", "2025-03", NINGJIANG, "F", "closed")]
    from warehouse.load import restore_version

    restore_version(wh, old.version_id, user="admin")
    assert rows(wh, "R5") == [("R5", "red", "2025-03", NINGJIANG, "F", "new")]


def test_cli_signals_refresh_recomputes_every_month(tmp_path, capsys):
    from etl.cli import main

    warehouse = Warehouse(tmp_path / "cli.duckdb")
    load(
        warehouse,
        "A",
        "2025-03",
        {
            "调解情况": [a1(NINGJIANG)],
            "重大集体争议": [incident(NINGJIANG, "MA0000091", occurred_on=dt.date(2025, 3, 5), workers=35)],
        },
    )
    warehouse.scalar("delete from signals")
    warehouse.close()
    assert main(["signals", "refresh", "--db", str(tmp_path / "cli.duckdb")]) == 0
    assert capsys.readouterr().out.startswith("已重新计算预警信号：新增 ")
    warehouse = Warehouse(tmp_path / "cli.duckdb")
    try:
        assert rows(warehouse, "R1") == [("R1", "red", "2025-03", NINGJIANG, "E", "new")]
    finally:
        warehouse.close()
