"""Demo only: the bureaus' handling of early-warning signals (处置, then 反馈), simulated month by month while
the demo warehouse's signals are replayed (warehouse.signals.refresh_all(after_month=...)).

So the demo shows the closed loop at work: signals of earlier months acknowledged and closed by the responsible
unit's clerk, the latest month's still waiting, some closed ones re-opened by the system when the data got worse.
Major disputes (R1), risk warnings (R5) and lagging coverage (R7) are acknowledged but left to the data to close.
Deterministic for a seed; goes through the same acknowledge()/close() as the page (audited).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from auth.viewer import Viewer
from warehouse import signals as engine

P_ACK = 0.85  # a signal of last month is acknowledged this month
P_CLOSE = 0.75  # an acknowledged one is closed a month later (not R1/R5: their data closes them)
SYSTEM_CLOSED = ("R1", "R5", "R7")  # closed by the data: 化解, 办结, target reached

ACK = {
    "R1": (
        "已成立工作专班进驻企业，约谈企业负责人，督促制定工资清偿计划",
        "已启动应急处置预案，会同住建、公安部门现场处置，劳动者情绪基本稳定",
        "已将案件移交劳动保障监察立案查处，同步开展调解",
    ),
    "R2": ("已对该行业本月受理案件逐件分析，排查在建项目欠薪隐患", "已约谈行业主管部门和重点企业，开展专项排查"),
    "R3": ("已对涉事企业开展联合排查，建立“一企一策”台账", "已会同行业主管部门约谈涉事企业，督促落实工资支付保障"),
    "R4": ("已调取本月调解不成案件逐件复核，组织调解员业务培训", "已派员到基层调解组织督导，分析成功率下降原因"),
    "R5": ("已督促处置责任单位限期办结，每周调度进展", "已会同属地乡镇（街道）上门核实，督促企业制定整改方案"),
    "R6": ("已电话督促报送，并在全市通报", "已督促报送责任人当日补报"),
    "R7": ("已召开专班推进会，制定分月推进计划", "已将该指标列入年度考核，专班每月督导"),
}
CLOSE = {
    "R2": (
        "排查完毕：受理量上升主要因个别项目集中欠薪，已督促清偿，案件已陆续调解结案",
        "已查明原因并完成专项整治，次月受理量回落",
    ),
    "R3": ("涉事企业争议均已化解，已纳入重点监控名单", "已建立行业欠薪预警联动机制，后续未再发生"),
    "R4": ("已查明原因（新入职调解员较多、疑难案件集中），已完成培训，成功率已回升", "已完成督导整改"),
    "R6": ("已补报，已要求今后按时报送", "已补报并说明原因，已纳入月度通报"),
    "R7": ("已制定推进计划并分解到县（市、区），按月调度", "已完成阶段性推进任务，纳入专班督导"),
}


def _months_between(first: str, last: str) -> int:
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:])


def handling(wh, seed: int = 2024):
    """after_month(period, at) for refresh_all: acknowledge and close open signals as a bureau would."""
    rng = np.random.default_rng([seed, 7])
    index = wh.region_index()
    clerks = dict(
        wh.query("""
        select r.unit_code, mode(v.loaded_by) as clerk
        from versions as v join version_regions as vr using (version_id) join ref_region as r on r.code = vr.region_code
        group by r.unit_code
    """).rows()
    )

    def after_month(period: str, at: dt.datetime) -> None:
        open_rows = wh.query("""
            select signal_id, rule, region_code, status, first_period from signals
            where status <> 'closed' order by signal_id
        """).rows()
        for sid, rule, region_code, status, first_period in open_rows:
            age = _months_between(first_period, period)
            region = index.get(region_code)
            unit = region.unit_code if region else region_code
            clerk = Viewer(clerks.get(unit, "填报员"), "city", unit)
            when = at + dt.timedelta(hours=int(rng.integers(2, 96)))
            if status == "new" and age >= 1 and rng.random() < P_ACK:
                texts = ACK[rule]
                engine.acknowledge(wh, clerk, sid, texts[int(rng.integers(len(texts)))], at=when)
            elif status == "acknowledged" and age >= 2 and rule not in SYSTEM_CLOSED and rng.random() < P_CLOSE:
                texts = CLOSE[rule]
                engine.close(wh, clerk, sid, texts[int(rng.integers(len(texts)))], at=when)

    return after_month
