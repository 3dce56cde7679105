"""Early-warning signals (监测—预警—处置—反馈): rules R1–R7 computed when data loads, stored in `signals`.

Each rule is one small SQL query (warehouse/signals/rN_*.sql, thresholds bound from config [signals]) plus a
Python function that turns its rows into signals with a Chinese title and an explanation quoting the numbers
that fired it, and links (JSON) to the evidence rows.

Identity and life cycle
- signal_id = md5(rule | region | industry | subject)[:16]: re-computation updates a signal, never duplicates
  it. The subject is the period for month rules (R2 R4 R6), the incident / warning for R1 / R5, the unit ×
  industry for R3, the measure × target date for R7.
- Month rules are evaluated for given periods; "standing" rules (R1 R3 R5 R7) are evaluated as of one period
  (the latest the region reported) and keep one signal per subject, whose `period` moves forward.
- Day-based rules (R1 15 days, R5 N days) count to the end of the evaluated period, never to the wall clock,
  so a rebuild gives the same result. R6 counts to the moment of the load (or of the refresh).
- status new → acknowledged (处置) → closed (反馈) by users; the system closes a signal whose condition no
  longer holds (incident resolved, warning closed, data corrected) and re-opens a closed one when a later
  computation finds it worse than when it was closed (level higher, or its figure grown by reopen_growth).
- signal_periods keeps every month in which a signal's condition held (trend and backtest);
  signal_actions keeps every step of its history; user steps and re-openings also go to audit_log.

refresh() runs inside the load's write transaction (warehouse/load.py) and recomputes only the rules of the
loaded form, for the touched regions and the later months whose baseline includes the loaded month.
refresh_all() replays every month (CLI `python -m etl signals refresh`, end of the demo build).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl

from auth.viewer import Viewer
from etl.regions import RegionIndex, read_industries
from warehouse import config
from warehouse.labels import SIGNAL_LEVEL, SIGNAL_STATUS

SQL_DIR = Path(__file__).resolve().parent / "signals"
SYSTEM = "system"

LEVELS = ("red", "orange", "yellow", "blue")
LEVEL_RANK = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}
LEVEL_NAMES = SIGNAL_LEVEL  # the words every page shows (warehouse/labels.py)
STATUSES = ("new", "acknowledged", "closed")
STATUS_NAMES = SIGNAL_STATUS
ACTION_NAMES = {"raise": "系统预警", "ack": "处置", "close": "办结反馈", "reopen": "重新打开", "resolve": "条件解除"}
RULES = {
    "R1": "重大集体争议",
    "R2": "受理量激增",
    "R3": "集体争议聚集",
    "R4": "调解成功率下降",
    "R5": "预警超期未办结",
    "R6": "迟报未报",
    "R7": "建设进度滞后",
}
RULES_BY_FORM = {"A": ("R1", "R2", "R3", "R4", "R5", "R6"), "B": ("R6", "R7"), "C": ("R6",)}
STANDING_RULES = ("R1", "R3", "R5", "R7")  # one signal per subject, evaluated as of the latest period
FORM_NAMES = {"A": "附件1 调解情况月报", "B": "附件2 组织建设统计表", "C": "工作台账"}
MAX_NOTE = 1000

# Defaults of config [signals] (config/settings.toml documents each value and its rationale).
DEFAULTS = {
    "reopen_growth": 0.20,
    "r1": {"red_days": 15},
    "r2": {
        "window_months": 6,
        "min_history_months": 3,
        "min_cases": 20,
        "ratio_yellow": 2.0,
        "ratio_orange": 3.0,
        "ratio_red": 4.0,
        "yoy_ratio": 1.5,
        "ratio_no_last_year": 3.0,
        "min_z": 3.0,
    },
    "r3": {"window_months": 3, "min_disputes": 3, "red_disputes": 5},
    "r4": {
        "history_months": 12,
        "min_history_months": 3,
        "min_closed": 30,
        "drop_points": 10.0,
        "orange_points": 15.0,
        "min_z": 2.5,
    },
    "r5": {"red_days": 15, "orange_days": 30},
    "r6": {"lookback_days": 92, "minor_late_days": 3},
    "r7": {"pace_months": 6, "min_pace_months": 3, "tolerance_points": 2.0},
}


class SignalActionError(ValueError):
    """A user step that cannot be taken (empty text, wrong status, unknown signal); message in Chinese."""


def signal_settings() -> dict:
    """config [signals] over the defaults, plus the 重大 thresholds and the due day the rules use."""
    settings = config.settings()
    merged = {"reopen_growth": settings.get("signals", {}).get("reopen_growth", DEFAULTS["reopen_growth"])}
    for rule in ("r1", "r2", "r3", "r4", "r5", "r6", "r7"):
        merged[rule] = {**DEFAULTS[rule], **settings.get("signals", {}).get(rule, {})}
    merged["major"] = settings["major_dispute"]
    merged["reporting"] = settings["reporting"]
    return merged


# ------------------------------------------------------------------ labels and formatting
def period_label(period: str) -> str:
    return f"{int(period[:4])}年{int(period[5:7])}月"


def date_label(day: dt.date | None) -> str:
    return "—" if day is None else f"{day.year}年{day.month}月{day.day}日"


def _shift(period: str, months: int) -> str:
    y, m = int(period[:4]), int(period[5:7]) + months
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return f"{y:04d}-{m:02d}"


def _num(value, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _money(value) -> str:
    return f"{float(value or 0):,.2f} 万元"


def _pct(value) -> str:
    return f"{100 * value:.1f}%"


def short_unit_name(index: RegionIndex, code: str) -> str:
    """延边州 for 延边朝鲜族自治州; the name otherwise."""
    region = index.get(code)
    if region is None:
        return code
    for alias in region.aliases:
        if alias.endswith(("州", "县")) and not alias[0].isdigit():
            return alias
    return region.name


def region_label(index: RegionIndex, code: str) -> str:
    """A data row's region: 长春市本级, 梅河口市, 松原市宁江区."""
    region = index.get(code)
    if region is None:
        return code
    if region.is_city:
        return f"{short_unit_name(index, code)}本级"
    if region.code == region.unit_code or not region.unit_code:
        return short_unit_name(index, code)
    return short_unit_name(index, region.unit_code) + short_unit_name(index, code)


def unit_label(index: RegionIndex, code: str) -> str:
    """A reporting unit as a whole: 长春市, 延边州, 长白山管委会."""
    return short_unit_name(index, code)


@lru_cache(maxsize=1)
def _industries() -> dict[str, str]:
    return read_industries()


def industry_label(code: str | None) -> str:
    return "" if not code else _industries().get(code, code)


# ------------------------------------------------------------------ signals
def signal_id(rule: str, region_code: str, industry_code: str | None, subject: str) -> str:
    return hashlib.md5(f"{rule}|{region_code}|{industry_code or ''}|{subject}".encode()).hexdigest()[:16]


@dataclass
class Signal:
    rule: str
    region_code: str
    industry_code: str | None
    subject: str
    period: str
    level: str
    title: str
    explanation: str
    metric: float
    evidence: list[dict]

    @property
    def signal_id(self) -> str:
        return signal_id(self.rule, self.region_code, self.industry_code, self.subject)


@dataclass
class Evaluation:
    """One rule evaluated over a scope: what fired, and closing notes for subjects known to be resolved."""

    rule: str
    regions: list[str]  # region codes (unit codes for R3 R6 R7) the evaluation covered
    periods: list[str]  # month rules: the evaluated periods; standing rules: [the period evaluated as of]
    fired: list[Signal] = field(default_factory=list)
    resolved: dict[str, str] = field(default_factory=dict)  # signal_id -> why its condition no longer holds

    @property
    def standing(self) -> bool:
        return self.rule in STANDING_RULES


@dataclass
class Context:
    wh: object
    cur: object
    index: RegionIndex
    cfg: dict
    at: dt.datetime  # first_seen / last_seen of what this computation finds; the "now" of R6


@lru_cache(maxsize=None)
def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _rows(cur, name: str, params: dict) -> list[dict]:
    """Run warehouse/signals/<name>.sql with the bound parameters it names; rows as dicts."""
    sql = _sql(name)
    used = set(re.findall(r"\$([a-z_]+)", sql))
    missing = used - set(params)
    if missing:
        raise KeyError(f"{name}.sql needs parameters {sorted(missing)}")
    cur.execute(sql, {k: v for k, v in params.items() if k in used})
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row)) for row in cur.fetchall()]


def _evidence(view: str, label: str, **where) -> dict:
    return {"view": view, "label": label, "where": where}


# ------------------------------------------------------------------ R1 重大集体争议
def rule_r1(ctx: Context, period: str, regions: list[str]) -> Evaluation:
    cfg, major = ctx.cfg["r1"], ctx.cfg["major"]
    rows = _rows(
        ctx.cur,
        "r1_major_disputes",
        {
            "period": period,
            "regions": regions,
            "workers_min": major["workers_min"],
            "amount_wan_min": major["amount_wan_min"],
            "escalation_counts": bool(major["escalation_counts"]),
        },
    )
    ev = Evaluation("R1", regions, [period])
    for r in rows:
        sid = signal_id("R1", r["region_code"], r["industry_code"], r["incident_id"])
        if r["status"] == "已化解":
            ev.resolved[sid] = f"事件已于{date_label(r['resolved_on'])}化解（{period_label(r['last_period'])}报表）。"
            continue
        red = r["escalated"] or r["days_open"] > cfg["red_days"]
        reasons = []
        if r["escalated"]:
            reasons.append("有激化行为")
        if r["days_open"] > cfg["red_days"]:
            reasons.append(f"未化解超过 {cfg['red_days']} 天")
        where = region_label(ctx.index, r["region_code"])
        industry = industry_label(r["industry_code"])
        title = f"{where}重大集体争议{'已激化' if r['escalated'] else '未化解'}（{industry}，{r['workers']} 人）"
        explanation = (
            f"{r['employer']}（{where}，{industry}）{date_label(r['occurred_on'])}发生{r['dispute_type']}争议，"
            f"涉及劳动者 {_num(r['workers'])} 人、金额 {_money(r['amount_wan'])}，"
            f"{'有激化行为（聚集、堵路、上访等）' if r['escalated'] else '无激化行为'}；"
            f"截至{date_label(r['as_of'])}（{period_label(r['last_period'])}报表）状态为“{r['status']}”，"
            f"已持续 {r['days_open']} 天。"
            + (
                f"{'、'.join(reasons)}，列为红色。"
                if red
                else f"未化解不超过 {cfg['red_days']} 天且无激化行为，列为橙色。"
            )
        )
        ev.fired.append(
            Signal(
                "R1",
                r["region_code"],
                r["industry_code"],
                r["incident_id"],
                period,
                "red" if red else "orange",
                title,
                explanation,
                float(r["workers"]),
                [
                    _evidence("v_major_disputes", "事件最新状态", incident_id=r["incident_id"]),
                    _evidence("mart_major_dispute_history", "逐月报送情况", incident_id=r["incident_id"]),
                ],
            )
        )
    return ev


# ------------------------------------------------------------------ R2 受理量激增
def rule_r2(ctx: Context, periods: list[str], regions: list[str]) -> Evaluation:
    cfg = ctx.cfg["r2"]
    rows = _rows(ctx.cur, "r2_intake_surge", {"periods": periods, "regions": regions, **cfg})
    ev = Evaluation("R2", regions, periods)
    for r in rows:
        ratio = r["ratio"]
        level = "red" if ratio >= cfg["ratio_red"] else ("orange" if ratio >= cfg["ratio_orange"] else "yellow")
        where = region_label(ctx.index, r["region_code"])
        industry = industry_label(r["industry_code"])
        mean_text = f"月均 {_num(r['mean'], 1)} 件" if r["mean"] >= 1 else "月均不足 1 件"
        last_year = (
            f"去年同期（{period_label(r['ly_period'])}）{_num(r['last_year'])} 件"
            if r["last_year"] is not None
            else "去年同期无数据"
        )
        explanation = (
            f"{where}{industry}{period_label(r['period'])}受理 {_num(r['accepted'])} 件，"
            f"为近{r['months']}个月均值的 {ratio:.1f} 倍（{mean_text}），{last_year}（z = {r['z']:.1f}，不是偶然波动）。"
            + (
                f"同比为去年同期的 {r['accepted'] / r['last_year']:.1f} 倍，不是单纯的季节性上升。"
                if r["last_year"]
                else ""
            )
            + f"达到 {cfg['ratio_' + level]:g} 倍，列为{LEVEL_NAMES[level]}。"
        )
        base = sorted(r["base_periods"]) + ([r["ly_period"]] if r["ly_period"] else []) + [r["period"]]
        ev.fired.append(
            Signal(
                "R2",
                r["region_code"],
                r["industry_code"],
                r["period"],
                r["period"],
                level,
                f"{where}{industry}受理量激增（{ratio:.1f} 倍）",
                explanation,
                float(r["accepted"]),
                [
                    _evidence(
                        "v_mediation_industry",
                        "分行业受理（本月、近几个月与去年同期）",
                        region_code=r["region_code"],
                        industry_code=r["industry_code"],
                        period=sorted(set(base)),
                    )
                ],
            )
        )
    return ev


# ------------------------------------------------------------------ R3 集体争议聚集
def rule_r3(ctx: Context, period: str, units: list[str]) -> Evaluation:
    cfg = ctx.cfg["r3"]
    rows = _rows(ctx.cur, "r3_cluster", {"period": period, "units": units, **cfg})
    ev = Evaluation("R3", units, [period])
    first = _shift(period, 1 - cfg["window_months"])
    for r in rows:
        level = "red" if r["disputes"] >= cfg["red_disputes"] else "orange"
        where = unit_label(ctx.index, r["region_code"])
        industry = industry_label(r["industry_code"])
        names = "、".join(dict.fromkeys(r["employers"]))
        explanation = (
            f"{period_label(first)}至{period_label(period)}，{where}{industry}发生集体劳动争议 {r['disputes']} 起"
            f"（涉及劳动者 {_num(r['workers'])} 人、金额 {_money(r['amount_wan'])}；"
            f"其中 {r['escalated']} 起有激化行为、{r['unresolved']} 起未化解）："
            f"{names}。{cfg['window_months']}个月内达到 {cfg['min_disputes']} 起即为聚集，"
            f"{cfg['red_disputes']} 起及以上为红色。"
        )
        ev.fired.append(
            Signal(
                "R3",
                r["region_code"],
                r["industry_code"],
                "cluster",
                period,
                level,
                f"{where}{industry}集体争议聚集（近{cfg['window_months']}个月 {r['disputes']} 起）",
                explanation,
                float(r["disputes"]),
                [_evidence("v_major_disputes", "窗口内的集体争议", incident_id=list(r["incident_ids"]))],
            )
        )
    return ev


# ------------------------------------------------------------------ R4 调解成功率下降
def rule_r4(ctx: Context, periods: list[str], regions: list[str]) -> Evaluation:
    cfg = ctx.cfg["r4"]
    rows = _rows(ctx.cur, "r4_success_drop", {"periods": periods, "regions": regions, **cfg})
    ev = Evaluation("R4", regions, periods)
    for r in rows:
        points = 100 * r["drop"]
        level = "orange" if points >= cfg["orange_points"] else "yellow"
        where = region_label(ctx.index, r["region_code"])
        explanation = (
            f"{where}{period_label(r['period'])}调解成功率 {_pct(r['rate'])}（成功 {_num(r['succeeded_total'])} / "
            f"结案 {_num(r['closed_total'])}），此前 {r['months']} 个月（{period_label(r['first_base'])}至"
            f"{period_label(r['last_base'])}）合计为 {_pct(r['base_rate'])}（{_num(r['succeeded_sum'])} / "
            f"{_num(r['closed_sum'])}），下降 {points:.1f} 个百分点（z = {r['z']:.1f}，不是偶然波动）。"
            f"下降 {cfg['orange_points']:g} 个百分点及以上为橙色。"
        )
        ev.fired.append(
            Signal(
                "R4",
                r["region_code"],
                None,
                r["period"],
                r["period"],
                level,
                f"{where}调解成功率下降 {points:.1f} 个百分点",
                explanation,
                round(points, 1),
                [
                    _evidence(
                        "v_mediation",
                        "调解情况（本月与此前各月）",
                        region_code=r["region_code"],
                        period=[_shift(r["period"], -k) for k in range(cfg["history_months"], -1, -1)],
                    )
                ],
            )
        )
    return ev


# ------------------------------------------------------------------ R5 预警超期未办结
def rule_r5(ctx: Context, period: str, regions: list[str]) -> Evaluation:
    cfg = ctx.cfg["r5"]
    rows = _rows(ctx.cur, "r5_open_warnings", {"period": period, "regions": regions})
    ev = Evaluation("R5", regions, [period])
    for r in rows:
        sid = signal_id("R5", r["region_code"], r["industry_code"], r["warning_id"])
        if r["status"] == "已办结":
            ev.resolved[sid] = f"预警已于{date_label(r['closed_on'])}办结（{period_label(r['last_period'])}报表）。"
            continue
        limit = cfg["red_days"] if r["warning_level"] == "红" else cfg["orange_days"]
        if r["days_open"] <= limit:
            continue
        where = region_label(ctx.index, r["region_code"])
        industry = industry_label(r["industry_code"])
        explanation = (
            f"{r['employer']}（{where}，{industry}）{date_label(r['found_on'])}发现“{r['risk_type']}”风险，"
            f"涉及 {_num(r['workers'])} 人、{_money(r['amount_wan'])}，预警等级{r['warning_level']}色，"
            f"处置责任单位：{r['owner']}。截至{date_label(r['as_of'])}（{period_label(r['last_period'])}报表）"
            f"状态为“{r['status']}”，已 {r['days_open']} 天未办结，超过{r['warning_level']}色预警 {limit} 天的办结时限。"
        )
        ev.fired.append(
            Signal(
                "R5",
                r["region_code"],
                r["industry_code"],
                r["warning_id"],
                period,
                "red" if r["warning_level"] == "红" else "orange",
                f"{where}{r['warning_level']}色预警超期未办结（{r['risk_type']}，{r['days_open']} 天）",
                explanation,
                float(r["workers"] or 0),
                [_evidence("v_risk_warnings", "预警最新状态", warning_id=r["warning_id"])],
            )
        )
    return ev


# ------------------------------------------------------------------ R6 迟报未报
def rule_r6(ctx: Context, periods: list[str], units: list[str], as_of: dt.datetime) -> Evaluation:
    cfg, reporting = ctx.cfg["r6"], ctx.cfg["reporting"]
    rows = _rows(
        ctx.cur,
        "r6_reports",
        {
            "periods": periods,
            "units": units,
            "as_of": as_of,
            "due_day": int(reporting["due_day"]),
            "first_period": reporting["first_period"],
            "lookback_days": cfg["lookback_days"],
        },
    )
    judged = sorted({r["period"] for r in rows if r["state"] not in ("pending", "stale")})
    ev = Evaluation("R6", units, judged)
    by_unit: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        if r["period"] in judged:
            by_unit.setdefault((r["region_code"], r["period"]), []).append(r)
    for (unit, period), forms in sorted(by_unit.items()):
        bad = [f for f in forms if f["state"] != "on_time"]
        if not bad:
            continue
        missing = [f for f in bad if f["state"] == "missing"]
        worst_late = max((f["days_late"] for f in bad if f["state"] == "late"), default=0)
        level = "orange" if missing else ("yellow" if worst_late > cfg["minor_late_days"] else "blue")
        parts = []
        for f in bad:
            if f["state"] == "missing":
                parts.append(f"{FORM_NAMES[f['form']]}未报送（已逾期 {f['days_late']} 天）")
            else:
                parts.append(
                    f"{FORM_NAMES[f['form']]}迟报 {f['days_late']} 天（{date_label(f['loaded_at'].date())}报送）"
                )
        where = unit_label(ctx.index, unit)
        explanation = (
            f"{where}{period_label(period)}报表应于{date_label(bad[0]['due_on'])}前报送："
            + "；".join(parts)
            + f"。截至{date_label(as_of.date())}。"
            + ("有未报送的报表，列为橙色。" if missing else f"迟报超过 {cfg['minor_late_days']} 天为黄色，以内为蓝色。")
        )
        kind = "未报" if missing else "迟报"
        ev.fired.append(
            Signal(
                "R6",
                unit,
                None,
                period,
                period,
                level,
                f"{where}{period_label(period)}报表{kind}（{len(bad)} 张）",
                explanation,
                float(len(bad)),
                [_evidence("v_submissions", "报送情况", region_code=unit, period=period)],
            )
        )
    return ev


# ------------------------------------------------------------------ R7 建设进度滞后
def rule_r7(ctx: Context, period: str, units: list[str]) -> Evaluation:
    from warehouse.db import measures

    cfg = ctx.cfg["r7"]
    labels = {m["key"]: m["label"] for m in measures()}
    rows = _rows(ctx.cur, "r7_coverage_pace", {"period": period, "units": units, **cfg})
    ev = Evaluation("R7", units, [period])
    for r in rows:
        where = unit_label(ctx.index, r["region_code"])
        label = labels.get(r["measure"], r["measure"])
        passed = r["months_left"] <= 0
        gap = 100 * (r["target"] - (r["rate"] if passed else r["projected"]))
        pace = 100 * r["pace"]
        text = (
            f"{where}{label}{period_label(r['period'])}为 {_pct(r['rate'])}（{_num(r['numerator'])} / "
            f"{_num(r['denominator'])}），{period_label(r['past_period'])}以来每月{'提高' if pace >= 0 else '下降'} "
            f"{abs(pace):.1f} 个百分点；"
        )
        if passed:
            text += (
                f"目标 {_pct(r['target'])} 的期限{date_label(r['target_date'])}已到，仍差 {gap:.1f} 个百分点，"
                "列为橙色。"
            )
        else:
            text += (
                f"按此进度到{date_label(r['target_date'])}预计 {_pct(r['projected'])}，低于目标 {_pct(r['target'])}"
                f" {gap:.1f} 个百分点（还剩 {r['months_left']} 个月）。"
            )
        ev.fired.append(
            Signal(
                "R7",
                r["region_code"],
                None,
                f"{r['measure']}@{r['target_date']}",
                period,
                "orange" if passed else "yellow",
                f"{where}{label}{'未按期达标' if passed else '按当前进度难以按期达标'}",
                text,
                round(gap, 1),
                [
                    _evidence(
                        "v_coverage",
                        "各地区该指标（本月与起算月）",
                        unit_code=r["region_code"],
                        measure=r["measure"],
                        period=[r["past_period"], r["period"]],
                    )
                ],
            )
        )
    return ev


# ------------------------------------------------------------------ storing evaluations
SIGNAL_COLUMNS = {
    "signal_id": pl.Utf8,
    "rule": pl.Utf8,
    "level": pl.Utf8,
    "period": pl.Utf8,
    "region_code": pl.Utf8,
    "industry_code": pl.Utf8,
    "title": pl.Utf8,
    "explanation": pl.Utf8,
    "evidence": pl.Utf8,
    "status": pl.Utf8,
    "first_seen": pl.Datetime("us"),
    "last_seen": pl.Datetime("us"),
    "subject": pl.Utf8,
    "metric": pl.Float64,
    "active": pl.Boolean,
    "first_period": pl.Utf8,
    "closed_level": pl.Utf8,
    "closed_metric": pl.Float64,
    "opened_period": pl.Utf8,
}
PERIOD_COLUMNS = {"signal_id": pl.Utf8, "period": pl.Utf8, "level": pl.Utf8, "metric": pl.Float64}
ACTION_COLUMNS = {
    "signal_id": pl.Utf8,
    "acted_at": pl.Datetime("us"),
    "actor": pl.Utf8,
    "action": pl.Utf8,
    "note": pl.Utf8,
    "level": pl.Utf8,
    "metric": pl.Float64,
    "period": pl.Utf8,
}


def _existing(cur, ev: Evaluation) -> dict[str, dict]:
    if ev.standing:
        cur.execute("select * from signals where rule = ? and list_contains(?, region_code)", [ev.rule, ev.regions])
    else:
        cur.execute(
            "select * from signals where rule = ? and list_contains(?, region_code) and list_contains(?, subject)",
            [ev.rule, ev.regions, ev.periods],
        )
    columns = [d[0] for d in cur.description]
    return {row[0]: dict(zip(columns, row)) for row in cur.fetchall()}


def _worse(new: Signal, old: dict, growth: float) -> str | None:
    """Why a closed signal re-opens, or None: level above the level at closing, or the figure grown."""
    base_level, base_metric = old.get("closed_level"), old.get("closed_metric")
    if base_level is None:
        return "条件解除后再次出现"
    if LEVEL_RANK[new.level] > LEVEL_RANK.get(base_level, 0):
        return f"级别由{LEVEL_NAMES.get(base_level, base_level)}升为{LEVEL_NAMES[new.level]}"
    if base_metric is not None and new.metric > base_metric * (1 + growth) and new.metric > base_metric:
        return f"关键数值由 {base_metric:g} 增至 {new.metric:g}"
    return None


class _Writes:
    """Everything one evaluation changes, written set-wise (a handful of statements, whatever the count)."""

    def __init__(self):
        self.period_keys: list[dict] = []  # signal_periods rows to delete (signal_id, period)
        self.periods: list[dict] = []  # signal_periods rows to insert
        self.inserts: list[dict] = []
        self.updates: list[dict] = []  # full rows replacing the stored ones
        self.actions: list[dict] = []

    def action(self, sid, at, actor, action, note, level, metric, period) -> None:
        self.actions.append(
            {
                "signal_id": sid,
                "acted_at": at,
                "actor": actor,
                "action": action,
                "note": note,
                "level": level,
                "metric": metric,
                "period": period,
            }
        )

    def flush(self, cur) -> None:
        def frame(rows, schema):
            return (
                pl.DataFrame(rows, schema=schema, orient="row")
                if rows and isinstance(rows[0], tuple)
                else pl.DataFrame(rows, schema=schema)
            )

        def run(name, rows, schema, sql):
            if not rows:
                return
            cur.register(name, frame(rows, schema))
            try:
                cur.execute(sql).fetchall()
            finally:
                cur.unregister(name)

        keys = sorted({f"{r['signal_id']}|{r['period']}" for r in self.period_keys + self.periods})
        if keys:
            cur.execute(
                "delete from signal_periods where list_contains(?, signal_id || '|' || period)", [keys]
            ).fetchall()
        run(
            "signal_period_rows",
            self.periods,
            PERIOD_COLUMNS,
            "insert into signal_periods by name select * from signal_period_rows",
        )
        run(
            "signal_new_rows", self.inserts, SIGNAL_COLUMNS, "insert into signals by name select * from signal_new_rows"
        )
        sets = ", ".join(f"{c} = u.{c}" for c in SIGNAL_COLUMNS if c != "signal_id")
        run(
            "signal_update_rows",
            self.updates,
            SIGNAL_COLUMNS,
            f"update signals set {sets} from signal_update_rows as u where signals.signal_id = u.signal_id",
        )
        run(
            "signal_action_rows",
            self.actions,
            ACTION_COLUMNS,
            "insert into signal_actions by name select * from signal_action_rows",
        )


def apply(ctx: Context, ev: Evaluation) -> Counter:
    """Store an evaluation: insert new signals, update known ones, close what no longer holds, re-open what got worse."""
    cur, at = ctx.cur, ctx.at
    counts: Counter = Counter()
    existing = _existing(cur, ev)
    out = _Writes()
    fired = {sig.signal_id: sig for sig in ev.fired}  # one signal per identity (the last wins)
    for sid, sig in fired.items():
        old = existing.get(sid)
        out.periods.append({"signal_id": sid, "period": sig.period, "level": sig.level, "metric": sig.metric})
        row = {
            "signal_id": sid,
            "rule": sig.rule,
            "level": sig.level,
            "period": sig.period,
            "region_code": sig.region_code,
            "industry_code": sig.industry_code,
            "title": sig.title,
            "explanation": sig.explanation,
            "evidence": json.dumps(sig.evidence, ensure_ascii=False, default=str),
            "subject": sig.subject,
            "metric": sig.metric,
            "active": True,
            "last_seen": at,
        }
        if old is None:
            out.inserts.append(
                {
                    **row,
                    "status": "new",
                    "first_seen": at,
                    "first_period": sig.period,
                    "opened_period": sig.period,
                    "closed_level": None,
                    "closed_metric": None,
                }
            )
            out.action(sid, at, SYSTEM, "raise", sig.title, sig.level, sig.metric, sig.period)
            counts["new"] += 1
            continue
        if ev.standing and old["period"] > sig.period:  # a newer month already decided this signal's state
            if sig.period < (old["first_period"] or sig.period):
                out.updates.append({**old, "first_period": sig.period})
            continue
        status = old["status"]
        reason = _worse(sig, old, ctx.cfg["reopen_growth"]) if status == "closed" else None
        if reason:
            status = "new"
            out.action(sid, at, SYSTEM, "reopen", f"{reason}：{sig.explanation}", sig.level, sig.metric, sig.period)
            ctx.wh.audit(cur, SYSTEM, "signal_reopen", sid, {"rule": sig.rule, "reason": reason, "level": sig.level})
            counts["reopened"] += 1
        keep_baseline = status == "closed"
        out.updates.append(
            {
                **old,
                **row,
                "status": status,
                "period": max(sig.period, old["period"]),
                "first_period": min(old["first_period"] or sig.period, sig.period),
                "opened_period": sig.period if reason else (old["opened_period"] or old["first_period"]),
                "closed_level": old["closed_level"] if keep_baseline else None,
                "closed_metric": old["closed_metric"] if keep_baseline else None,
            }
        )
        counts["updated"] += 1
    for sid, old in existing.items():
        if sid in fired:
            continue
        if ev.standing:
            if old["period"] > ev.periods[0]:
                continue
            evaluated = ev.periods[0]
        else:
            evaluated = old["subject"]
        out.period_keys.append({"signal_id": sid, "period": evaluated})
        if not old["active"]:
            continue
        if old["status"] != "closed":
            out.action(
                sid,
                at,
                SYSTEM,
                "resolve",
                ev.resolved.get(sid, "按最新数据，预警条件已不成立。"),
                old["level"],
                old["metric"],
                evaluated,
            )
            counts["resolved"] += 1
        out.updates.append({**old, "active": False, "status": "closed", "closed_level": None, "closed_metric": None})
    out.flush(cur)
    return counts


# ------------------------------------------------------------------ what a load touches
def _latest_periods(cur, form: str, regions: list[str], *, by_unit: bool = False) -> dict[str, list[str]]:
    """{latest period of the form: [regions (or units) whose latest it is]}."""
    column = "r.unit_code" if by_unit else "c.region_code"
    cur.execute(
        f"""
        select {column} as code, max(c.period) as period
        from current_versions as c
        join ref_region as r on r.code = c.region_code
        where c.form = ? and list_contains(?, {column})
        group by {column}
    """,
        [form, regions],
    )
    out: dict[str, list[str]] = {}
    for code, period in cur.fetchall():
        out.setdefault(period, []).append(code)
    return {p: sorted(codes) for p, codes in sorted(out.items())}


def _loaded_periods(cur, form: str, regions: list[str], candidates: list[str]) -> list[str]:
    cur.execute(
        """
        select distinct period from current_versions
        where form = ? and list_contains(?, region_code) and list_contains(?, period)
        order by period
    """,
        [form, regions, candidates],
    )
    return [r[0] for r in cur.fetchall()]


def _units_of(index: RegionIndex, regions) -> list[str]:
    return sorted({index.get(r).unit_code for r in regions if index.get(r) and index.get(r).unit_code})


_DEFERRED: contextvars.ContextVar[bool] = contextvars.ContextVar("signals_deferred", default=False)


@contextlib.contextmanager
def deferred():
    """Bulk loads (the demo build): skip the per-load refresh; the caller runs refresh_all() afterwards."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def batched(wh):
    """Many loads in a row (a CLI batch, several uploads at once): the serving tables and the signals are brought
    up to date once at the end (warehouse/build.py `batched`, which also makes a crashed batch self-healing)."""
    from warehouse import build

    return build.batched(wh)


def refresh_touched(wh, touched: list) -> Counter:
    """Refresh once per form × period for the union of the regions the noted loads touched."""
    groups: dict[tuple[str, str], tuple[set, dt.datetime | None]] = {}
    for form, period, regions, at in touched:
        codes, latest = groups.get((form, period), (set(), None))
        groups[(form, period)] = (codes | set(regions), max(filter(None, (latest, at)), default=None))
    counts: Counter = Counter()
    with wh.write() as cur:
        for (form, period), (codes, at) in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0])):
            counts += refresh(wh, cur, form, period, codes, at=at)
    return counts


def refresh(wh, cur, form: str, period: str, regions, *, at: dt.datetime | None = None) -> Counter:
    """Recompute the signals a load of form × period × regions can change, inside the caller's transaction."""
    if _DEFERRED.get():
        return Counter()
    ctx = Context(wh, cur, wh.region_index(), signal_settings(), at or dt.datetime.now().replace(microsecond=0))
    regions = sorted(regions)
    units = _units_of(ctx.index, regions)
    counts: Counter = Counter()
    for rule in RULES_BY_FORM.get(form, ()):
        if rule in ("R1", "R5"):
            fn = rule_r1 if rule == "R1" else rule_r5
            for latest, codes in _latest_periods(cur, "A", regions).items():
                counts += apply(ctx, fn(ctx, latest, codes))
        elif rule in ("R3", "R7"):
            source = "A" if rule == "R3" else "B"
            fn = rule_r3 if rule == "R3" else rule_r7
            for latest, codes in _latest_periods(cur, source, units, by_unit=True).items():
                counts += apply(ctx, fn(ctx, latest, codes))
        elif rule == "R2":
            cfg = ctx.cfg["r2"]
            later = [_shift(period, k) for k in range(0, cfg["window_months"] + 1)] + [_shift(period, 12)]
            periods = _loaded_periods(cur, "A", regions, later)
            if periods:
                counts += apply(ctx, rule_r2(ctx, periods, regions))
        elif rule == "R4":
            later = [_shift(period, k) for k in range(0, ctx.cfg["r4"]["history_months"] + 1)]
            periods = _loaded_periods(cur, "A", regions, later)
            if periods:
                counts += apply(ctx, rule_r4(ctx, periods, regions))
        elif rule == "R6":
            counts += apply(ctx, rule_r6(ctx, [_shift(period, -1), period], units, ctx.at))
    return counts


def refresh_all(wh, *, now: dt.datetime | None = None, after_month=None) -> Counter:
    """Replay every month in order (all rules, all regions), then R6 as of now; idempotent.

    One transaction per month: an interrupted run leaves consistent months and is completed by running it again.
    after_month(period, at), if given, runs after each month is stored (the demo simulates the bureaus' handling).
    """
    now = now or dt.datetime.now().replace(microsecond=0)
    index = wh.region_index()
    cfg = signal_settings()
    regions = sorted(code for code, r in index.regions.items() if r.kind != "province")
    units = sorted(r.code for r in index.units)
    loads = dict(
        wh.query("select period, max(loaded_at) from versions where loaded_at <= ? group by period", [now]).rows()
    )
    present: dict[tuple[str, str], list[str]] = {}
    for form, period, code in wh.query("select distinct form, period, region_code from current_versions").rows():
        present.setdefault((form, period), []).append(code)
    counts: Counter = Counter()
    for period in sorted({p for _, p in present}):
        at = min(loads.get(period) or now, now)
        with wh.write() as cur:
            ctx = Context(wh, cur, index, cfg, at)
            a_regions = sorted(present.get(("A", period), []))
            b_units = _units_of(index, present.get(("B", period), []))
            if a_regions:
                counts += apply(ctx, rule_r1(ctx, period, a_regions))
                counts += apply(ctx, rule_r5(ctx, period, a_regions))
                counts += apply(ctx, rule_r3(ctx, period, _units_of(index, a_regions)))
                counts += apply(ctx, rule_r2(ctx, [period], regions))
                counts += apply(ctx, rule_r4(ctx, [period], regions))
            if b_units:
                counts += apply(ctx, rule_r7(ctx, period, b_units))
            counts += apply(ctx, rule_r6(ctx, [_shift(period, -1), period], units, at))
        if after_month is not None:
            after_month(period, at)
    first = cfg["reporting"]["first_period"]
    last = f"{now.year:04d}-{now.month:02d}"
    recent = [p for p in (_shift(last, -k) for k in range(cfg["r6"]["lookback_days"] // 28 + 2, 0, -1)) if p >= first]
    with wh.write() as cur:
        ctx = Context(wh, cur, index, cfg, now)
        counts += apply(ctx, rule_r6(ctx, recent, units, now))
    return counts


# ------------------------------------------------------------------ the closed loop: 处置 and 反馈
def can_act(viewer: Viewer, region_code: str, index: RegionIndex) -> bool:
    """The responsible unit's users (city: its unit's regions; county: its own region) and administrators."""
    if viewer.role == "admin":
        return True
    if viewer.role not in ("city", "county"):
        return False
    detail = viewer.detail_regions(index)
    return detail is not None and region_code in detail


def _signal_row(cur, sid: str) -> dict | None:
    cur.execute("select * from signals where signal_id = ?", [sid])
    columns = [d[0] for d in cur.description]
    row = cur.fetchone()
    return dict(zip(columns, row)) if row else None


def _user_step(wh, viewer: Viewer, sid: str, text: str, *, action: str, at: dt.datetime | None) -> dict:
    text = (text or "").strip()
    what = "处置措施" if action == "ack" else "办结反馈"
    if len(text) < 2:
        raise SignalActionError(
            f"请填写{what}（至少 2 个字），说明{'已采取的措施' if action == 'ack' else '处置结果'}。"
        )
    if len(text) > MAX_NOTE:
        raise SignalActionError(f"{what}最多 {MAX_NOTE} 个字，当前 {len(text)} 个字。")
    at = at or dt.datetime.now().replace(microsecond=0)
    with wh.write() as cur:
        row = _signal_row(cur, sid)
        if row is None:
            raise SignalActionError(f"没有编号为 {sid} 的预警信号。")
        if not can_act(viewer, row["region_code"], wh.region_index()):
            raise PermissionError(
                "只有责任单位（市级填报员对本市、县级填报员对本县）和省级管理员可以处置或办结该预警；省级领导为只读。"
            )
        if action == "ack":
            if row["status"] == "closed":
                raise SignalActionError("该预警已办结，不能再登记处置措施。条件恶化时系统会自动重新打开。")
            new_status = "acknowledged"
            cur.execute("update signals set status = 'acknowledged' where signal_id = ?", [sid])
        else:
            if row["status"] != "acknowledged":
                raise SignalActionError(
                    "请先登记处置措施（处置），再办结反馈。" if row["status"] == "new" else "该预警已办结。"
                )
            new_status = "closed"
            cur.execute(
                "update signals set status = 'closed', closed_level = level, closed_metric = metric "
                "where signal_id = ?",
                [sid],
            )
        cur.execute(
            "insert into signal_actions by name select ? as signal_id, ? as acted_at, ? as actor, ? as action, "
            "? as note, ? as level, ? as metric, ? as period",
            [sid, at, viewer.name, action, text, row["level"], row["metric"], row["period"]],
        )
        wh.audit(
            cur,
            viewer.name,
            f"signal_{action}",
            sid,
            {
                "rule": row["rule"],
                "region": row["region_code"],
                "level": row["level"],
                "from": row["status"],
                "to": new_status,
                "note": text,
            },
        )
    return {**row, "status": new_status}


def acknowledge(wh, viewer: Viewer, sid: str, action_taken: str, *, at: dt.datetime | None = None) -> dict:
    """处置: record the action taken; the signal becomes acknowledged (more actions may follow)."""
    return _user_step(wh, viewer, sid, action_taken, action="ack", at=at)


def close(wh, viewer: Viewer, sid: str, feedback: str, *, at: dt.datetime | None = None) -> dict:
    """反馈: close an acknowledged signal with the result; it re-opens if a later load finds it worse."""
    return _user_step(wh, viewer, sid, feedback, action="close", at=at)


def open_level_counts(wh, regions=None) -> dict[str, int]:
    """Signals not closed, by level (all four levels present); regions: None = all, else those region codes."""
    frame = wh.query(
        """
        select level, count(*) as n from signals
        where status <> 'closed' and ($all or list_contains($regions, region_code))
        group by level
    """,
        {"all": regions is None, "regions": sorted(regions or [])},
    )
    found = dict(frame.iter_rows())
    return {level: int(found.get(level, 0)) for level in LEVELS}
