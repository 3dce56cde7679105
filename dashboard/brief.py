"""月度简报: the month's key figures and generated Chinese sentences, as an .xlsx workbook (openpyxl).

`build()` gathers the figures through the scoped page queries (so a brief never shows more than its viewer may
see); `sentences()` is a pure function of those figures (tested with hand-checkable numbers); `brief_xlsx()`
writes the workbook: 简报 (sentences + key figures), 各单位 (ranking), 重大集体争议, 口径说明.
The Word document (dashboard/brief_docx.py) renders this same Brief, adding the 总览 charts and 同比.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from auth.viewer import Viewer
from dashboard import common
from dashboard import queries as q
from dashboard import submissions as subs
from dashboard import targets as campaign
from dashboard.export import file_name as safe_file_name
from dashboard.export import neutralise, write_sheet
from dashboard.format import count, money_wan, percent, period_label, range_label, shift_period
from warehouse import config, labels
from warehouse.db import Warehouse

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Coverage:
    label: str
    rate: float | None
    numerator: int | None
    denominator: int | None
    target: float | None = None
    target_year: int | None = None
    target_date: dt.date | None = None  # the deadline of the target in force (macro targets_in_force)
    status: str | None = None  # dashboard.targets.status for the brief's month (labels.TARGET_STATUS key)


@dataclass
class BriefFigures:
    """Everything the sentences talk about; None where there is no figure."""

    area: str  # 全省 / 通化市 / 集安市
    period: str
    accepted: int | None = None
    accepted_prev: int | None = None
    accepted_last_year: int | None = None
    closed: int | None = None
    succeeded: int | None = None
    success_rate: float | None = None
    success_rate_prev: float | None = None
    share: float | None = None
    share_num: float | None = None
    share_den: float | None = None
    share_prev: float | None = None
    share_target: float | None = None
    share_baseline: float | None = None
    share_target_year: int | None = None
    share_target_date: dt.date | None = None  # deadline of the share's target in force
    ytd_start: str | None = None
    ytd_accepted: int | None = None
    ytd_succeeded: int | None = None
    ytd_share: float | None = None
    coverage: list[Coverage] = field(default_factory=list)
    ranking_label: str | None = None
    top_units: list[tuple[str, float]] = field(default_factory=list)
    bottom_units: list[tuple[str, float]] = field(default_factory=list)
    major_new: int | None = None
    major_open: int | None = None  # 在办 (未化解 + 处置中), 总览's tile
    major_not_started: int | None = None  # of which 未化解
    major_in_progress: int | None = None  # of which 处置中
    major_workers: int | None = None
    major_amount: float | None = None
    major_escalated: int | None = None
    units_due: int | None = None
    units_on_time: int | None = None
    units_late: list[str] = field(default_factory=list)
    units_missing: list[str] = field(default_factory=list)


@dataclass
class Brief:
    figures: BriefFigures
    sentences: list[str]
    key_figures: pl.DataFrame
    units: pl.DataFrame
    disputes: pl.DataFrame
    freshness: str
    title: str
    ranking: pl.DataFrame = field(default_factory=pl.DataFrame)  # q.unit_ranking rows behind `units` (Word brief)


# ------------------------------------------------------------------ sentences
def _change(current, previous) -> str:
    """'环比上升5.2%' / '环比下降3.0%' / '与上月持平' / '' (no base)."""
    if current is None or not previous:
        return ""
    delta = (current - previous) / previous
    if abs(delta) < 0.0005:
        return "与上月持平"
    return f"环比{'上升' if delta > 0 else '下降'}{abs(100 * delta):.1f}%"


def _yoy(current, previous) -> str:
    if current is None or not previous:
        return ""
    delta = (current - previous) / previous
    if abs(delta) < 0.0005:
        return "与上年同期持平"
    return f"同比{'上升' if delta > 0 else '下降'}{abs(100 * delta):.1f}%"


def _points(current, previous, up: str = "提高", down: str = "下降") -> str:
    if current is None or previous is None:
        return ""
    delta = 100 * (current - previous)
    if abs(delta) < 0.05:
        return "与上月持平"
    return f"较上月{up if delta > 0 else down}{abs(delta):.1f}个百分点"


def _join(parts) -> str:
    return "，".join(p for p in parts if p)


def sentences(f: BriefFigures) -> list[str]:
    """The brief's paragraphs in Chinese, generated from the figures (each ends with 。)."""
    out = []
    when = period_label(f.period)
    if f.accepted is not None:
        first = _join(
            [
                f"{when}，{f.area}各类调解组织受理劳动人事争议案件{count(f.accepted)}件",
                _change(f.accepted, f.accepted_prev),
                _yoy(f.accepted, f.accepted_last_year),
            ]
        )
        second = _join(
            [
                f"调解结案{count(f.closed)}件",
                f"调解成功{count(f.succeeded)}件",
                f"调解成功率{percent(f.success_rate)}" if f.success_rate is not None else "",
                _points(f.success_rate, f.success_rate_prev),
            ]
        )
        out.append(f"{first}；{second}。")
    else:
        out.append(f"{when}，{f.area}暂无调解情况报表数据。")
    if f.share is not None:
        text = _join(
            [
                f"协商调解解决占比为{percent(f.share)}"
                + (
                    f"（调解成功{count(f.share_num)}件 ÷ 调解受理与仲裁立案合计{count(f.share_den)}件）"
                    if f.share_den
                    else ""
                ),
                _points(f.share, f.share_prev),
            ]
        )
        if f.share_target is not None:
            goal = f"{f.share_target_year or ''}年底目标{percent(f.share_target)}"
            if f.share_baseline is not None:
                goal += f"（2024年均值{percent(f.share_baseline)}提高10个百分点）"
            # one status rule with 组织建设 and 总览: after the deadline '…已逾期，尚差…', never '距…还差'
            deadline = f.share_target_date or (dt.date(f.share_target_year, 12, 31) if f.share_target_year else None)
            phrase = campaign.gap_phrase(goal, f.share, f.share_target, deadline, f.period)
            text += f"，{phrase}" if phrase else ""
        out.append(text + "。")
    if f.ytd_accepted is not None and f.ytd_start and f.ytd_start != f.period:
        out.append(
            _join(
                [
                    f"{range_label(f.ytd_start, f.period)}累计受理{count(f.ytd_accepted)}件",
                    f"调解成功{count(f.ytd_succeeded)}件",
                    f"累计协商调解解决占比{percent(f.ytd_share)}" if f.ytd_share is not None else "",
                ]
            )
            + "。"
        )
    measured = [c for c in f.coverage if c.rate is not None]
    if measured:
        status = {id(c): _coverage_status(c, f.period) for c in measured}
        met = [c for c in measured if status[id(c)] == "reached"]
        overdue = [c for c in measured if status[id(c)] == "overdue"]
        behind = [c for c in measured if status[id(c)] == "behind"]
        parts = []
        if met:
            parts.append("已达到目标的有" + "、".join(f"{c.label}（{percent(c.rate)}）" for c in met))
        if overdue:
            parts.append(
                f"{campaign.label('overdue')}的有"
                + "、".join(
                    f"{c.label}（{percent(c.rate)}，{c.target_year or ''}年底目标{percent(c.target)}已逾期，"
                    f"尚差{campaign.gap_points(c.rate, c.target):.1f}个百分点）"
                    for c in overdue
                )
            )
        if behind:
            parts.append(
                "尚未达到目标的有"
                + "、".join(
                    f"{c.label}（{percent(c.rate)}，目标{percent(c.target)}，差{campaign.gap_points(c.rate, c.target):.1f}个百分点）"
                    for c in behind
                )
            )
        if not parts:
            parts.append("、".join(f"{c.label}{percent(c.rate)}" for c in measured))
        out.append("组织建设方面，" + "；".join(parts) + "。")
    if f.top_units and f.ranking_label:
        text = f"各单位中，{f.ranking_label}较高的是" + "、".join(f"{n}（{percent(v)}）" for n, v in f.top_units)
        if f.bottom_units:
            text += "，较低的是" + "、".join(f"{n}（{percent(v)}）" for n, v in f.bottom_units)
        out.append(text + "。")
    if f.major_open is not None:
        new = f"本月新发生重大集体劳动人事争议{f.major_new}起" if f.major_new else "本月未新发生重大集体劳动人事争议"
        if f.major_open:
            parts = ""
            if f.major_not_started is not None and f.major_in_progress is not None:
                parts = (
                    f"（{labels.DISPUTE_OPEN}{f.major_not_started}起、"
                    f"{labels.DISPUTE_IN_PROGRESS}{f.major_in_progress}起）"
                )
            out.append(
                f"{new}；目前{labels.DISPUTE_UNRESOLVED}{f.major_open}起{parts}，涉及劳动者{count(f.major_workers)}人、金额{money_wan(f.major_amount)}"
                + (f"，其中有激化行为的{f.major_escalated}起" if f.major_escalated else "")
                + "。"
            )
        else:
            out.append(f"{new}，目前无{labels.DISPUTE_UNRESOLVED}的重大集体争议。")
    if f.units_due:
        text = f"报送方面，本月应报单位{f.units_due}个，按时报送{f.units_on_time}个"
        if f.units_late:
            text += f"，{labels.LATE}{len(f.units_late)}个（{'、'.join(f.units_late)}）"
        if f.units_missing:
            text += f"，尚未报送{len(f.units_missing)}个（{'、'.join(f.units_missing)}）"
        out.append(text + "。")
    return out


def _coverage_status(c: Coverage, period: str) -> str:
    """The target status of a coverage measure (dashboard.targets.status), from the figures alone when built by
    hand (tests, other exports): a deadline by year means the year's end."""
    if c.status is not None:
        return c.status
    deadline = c.target_date or (dt.date(c.target_year, 12, 31) if c.target_year else None)
    return campaign.status(c.rate, c.target, deadline, period)


# ------------------------------------------------------------------ gathering the figures
def _int(value):
    return None if value is None else int(value)


def build(wh: Warehouse, viewer: Viewer, region: str | None, period: str, start: str | None = None) -> Brief:
    """The brief of one month for the chosen region, within the viewer's scope.

    ``start`` is the first month of the window the unresolved major disputes are counted in, as on 总览's tile
    (its 统计期间 slider); by default the year to date, 总览's default window (dashboard.state.default_start)."""
    sel = q.selection(wh, viewer, region)
    area = sel.name
    prev = shift_period(period, -1)
    trend = {r["period"]: r for r in q.trend(wh, viewer, region, shift_period(period, -12), period).to_dicts()}
    cur, last, last_year = trend.get(period), trend.get(prev), trend.get(shift_period(period, -12))
    kp = {r["key"]: r for r in q.kpis(wh, viewer, region, period).to_dicts()}
    share = kp["mediation_share"]
    ytd_start = next((p for p in sorted(trend) if p >= period[:4] + "-01"), period)
    ytd = q.mediation_totals(wh, viewer, region, ytd_start, period)["current"]
    f = BriefFigures(area=area, period=period)
    if cur:
        f.accepted, f.closed, f.succeeded = (
            _int(cur["accepted_total"]),
            _int(cur["closed_total"]),
            _int(cur["succeeded_total"]),
        )
        f.success_rate, f.share = cur["success_rate"], cur["mediation_share"]
        f.share_num, f.share_den = cur["mediation_share_num"], cur["mediation_share_den"]
    if last:
        f.accepted_prev, f.success_rate_prev, f.share_prev = (
            _int(last["accepted_total"]),
            last["success_rate"],
            last["mediation_share"],
        )
    if last_year:
        f.accepted_last_year = _int(last_year["accepted_total"])
    f.share_target, f.share_baseline = share["target"], share["baseline"]
    f.share_target_year = share["target_date"].year if share["target_date"] else None
    f.share_target_date = share["target_date"]
    if ytd:
        f.ytd_start = ytd_start
        f.ytd_accepted, f.ytd_succeeded, f.ytd_share = (
            _int(ytd["accepted_total"]),
            _int(ytd["succeeded_total"]),
            ytd["mediation_share"],
        )
    for m in q.coverage_measures():
        r = kp[m["key"]]
        f.coverage.append(
            Coverage(
                m["label"],
                r["value"],
                _int(r["numerator"]),
                _int(r["denominator"]),
                r["target"],
                r["target_date"].year if r["target_date"] else None,
                r["target_date"],
                r["status"],
            )
        )
    ranking = pl.DataFrame()
    if sel.level == "province" or (sel.level == "unit" and scope_sees_all_units(wh, viewer)):
        ranking = q.unit_ranking(wh, viewer, ytd_start, period, True)
        shares = ranking.filter(
            (pl.col("measure") == "mediation_share")
            & pl.col("rate").is_not_null()
            & (pl.col("unit_code") != q.PROVINCE_CODE)
        ).sort("rate", descending=True)
        if shares.height >= 4:
            f.ranking_label = f"{range_label(ytd_start, period)}累计协商调解解决占比"
            pairs = list(zip(shares["unit_name"].to_list(), shares["rate"].to_list()))
            f.top_units, f.bottom_units = pairs[:3], pairs[-2:][::-1]
    window = start or ytd_start  # the 总览 tile's window: the same count on the page and in the brief
    major = q.open_major_count(wh, viewer, region, period, window)
    f.major_open, f.major_workers = major["incidents"], major["workers"]
    f.major_not_started, f.major_in_progress = major["open"], major["in_progress"]
    f.major_amount, f.major_escalated = major["amount_wan"], major["escalated"]
    f.major_new = new_major_disputes(wh, viewer, region, period)
    cells = subs.grid(wh, viewer, period, period, "A")
    if sel.level == "unit":
        cells = cells.filter(pl.col("unit_code") == sel.code)
    if sel.level != "region" and cells.height:
        f.units_due = cells.height
        f.units_on_time = cells.filter(pl.col("status") == "on_time").height
        f.units_late = cells.filter(pl.col("status") == "late")["unit_name"].to_list()
        f.units_missing = cells.filter(pl.col("status") == "missing")["unit_name"].to_list()
    fresh = common.freshness(wh)
    disputes = q.open_major_disputes(wh, viewer, region, 50, period, window)
    return Brief(
        figures=f,
        sentences=sentences(f),
        key_figures=key_figures(kp, f),
        units=q.ranking_table(ranking) if ranking.height else pl.DataFrame(),
        disputes=disputes,
        freshness=f"数据截至 {period_label(fresh.period)} · 已报送 {fresh.units_reported}/{fresh.units_total} 个单位",
        title=f"{'吉林省' if sel.level == 'province' else area}劳动人事争议调解工作月度简报（{period_label(period)}）",
        ranking=ranking,
    )


def scope_sees_all_units(wh: Warehouse, viewer: Viewer) -> bool:
    return q.scope_of(wh, viewer).units is None


def new_major_disputes(wh: Warehouse, viewer: Viewer, region: str | None, period: str) -> int:
    """Major incidents first reported in `period`, in the selection (a count, so totals scope)."""
    sel = q.selection(wh, viewer, region)
    where, params = ("true", []) if sel.members is None else ("list_contains(?, region_code)", [list(sel.members)])
    return int(
        wh.scalar(f"select count(*) from page_major_disputes where first_period = ? and {where}", [period, *params])
        or 0
    )


def key_figures(kp: dict, f: BriefFigures) -> pl.DataFrame:
    """指标 · 单位 · 本月 · 上月 · 环比 · 目标（%） · 差距（百分点） · 达标情况 · 分子 · 分母: numbers stay numbers.

    Rates are percent values with one decimal (72.5 for 72.5%, 单位 "%"), counts whole numbers (单位 "件"/"起"), so a
    clerk can paste or sum them; only 环比 and 达标情况 are words (环比's unit differs per row; 达标情况 is the one target-status rule's
    word, dashboard.targets)."""
    rows = []
    for r in kp.values():
        is_rate = r["unit"] == "%"
        delta = None if r["change"] is None else 100 * r["change"]
        if delta is None:
            change = "—"
        elif abs(delta) < 0.05:
            change = "持平"
        elif is_rate:
            change = f"{'提高' if delta > 0 else '下降'}{abs(delta):.1f}个百分点"
        else:
            change = f"{'上升' if delta > 0 else '下降'}{abs(delta):.1f}%"
        rows.append(
            {
                "指标": r["label"],
                "单位": "%" if is_rate else "件",
                "本月": _figure(r["value"], is_rate),
                "上月": _figure(r["previous"], is_rate),
                "环比": change,
                "目标（%）": _figure(r["target"], True),
                "差距（百分点）": None if r["gap"] is None else round(100 * r["gap"], 1),
                "达标情况": campaign.label(r["status"]) if r["status"] and r["target"] is not None else "—",
                "分子": _int(r["numerator"]),
                "分母": _int(r["denominator"]),
            }
        )
    if f.major_open is not None:
        rows.append(
            {
                "指标": f"{labels.DISPUTE_UNRESOLVED}重大集体争议",
                "单位": "起",
                "本月": float(f.major_open),
                "上月": None,
                "环比": "—",
                "目标（%）": None,
                "差距（百分点）": None,
                "达标情况": "—",
                "分子": None,
                "分母": None,
            }
        )
    return pl.DataFrame(rows, schema=KEY_FIGURE_SCHEMA)


KEY_FIGURE_SCHEMA = {
    "指标": pl.Utf8,
    "单位": pl.Utf8,
    "本月": pl.Float64,
    "上月": pl.Float64,
    "环比": pl.Utf8,
    "目标（%）": pl.Float64,
    "差距（百分点）": pl.Float64,
    "达标情况": pl.Utf8,
    "分子": pl.Int64,
    "分母": pl.Int64,
}
# Excel number formats of the key-figure cells: whole numbers with separators, percent values with one decimal.
COUNT_FORMAT, PERCENT_FORMAT = "#,##0", "0.0"


def _figure(value, is_rate: bool) -> float | None:
    """A rate (fraction) as its percent value with one decimal; a count as it is."""
    if value is None:
        return None
    return round(100 * value, 1) if is_rate else float(value)


def _format_key_figures(ws, frame: pl.DataFrame, header_row: int) -> None:
    """Per-cell number formats of the 关键数字 sheet: 本月/上月 follow the row's 单位; the rest by column."""
    columns = {name: i + 1 for i, name in enumerate(frame.columns)}
    for offset, row in enumerate(frame.iter_rows(named=True), start=1):
        for name in ("本月", "上月"):
            ws.cell(row=header_row + offset, column=columns[name]).number_format = (
                PERCENT_FORMAT if row["单位"] == "%" else COUNT_FORMAT
            )
        for name, number_format in (
            ("目标（%）", PERCENT_FORMAT),
            ("差距（百分点）", PERCENT_FORMAT),
            ("分子", COUNT_FORMAT),
            ("分母", COUNT_FORMAT),
        ):
            ws.cell(row=header_row + offset, column=columns[name]).number_format = number_format


# ------------------------------------------------------------------ workbook
def brief_xlsx(brief: Brief) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "简报"
    ws.column_dimensions["A"].width = 110
    ws["A1"] = neutralise(brief.title)
    ws["A1"].font = Font(bold=True, size=16)
    ws["A2"] = f"{brief.freshness} · 生成于 {dt.datetime.now():%Y-%m-%d %H:%M}"
    ws["A2"].font = Font(color="595959")
    ws["A4"] = "一、总体情况"
    ws["A4"].font = Font(bold=True, size=13)
    row = 5
    for text in brief.sentences:
        cell = ws.cell(row=row, column=1, value=neutralise("　　" + text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 18 * max(1, -(-len(text) // 50))
        row += 1
    row += 1
    ws.cell(row=row, column=1, value="二、关键数字").font = Font(bold=True, size=13)
    figures = book.create_sheet("关键数字")
    write_sheet(
        figures,
        brief.key_figures,
        title=f"关键数字（{period_label(brief.figures.period)}）",
        notes=["比率以百分数表示（72.5 即 72.5%），件数、起数为整数；差距为负表示低于目标。"],
    )
    _format_key_figures(figures, brief.key_figures, header_row=3)
    ws.cell(row=row + 1, column=1, value="见“关键数字”工作表；各单位情况见“各单位”工作表。")
    if brief.units.height:
        write_sheet(
            book.create_sheet("各单位"),
            brief.units,
            title="各单位主要指标",
            notes=["调解成效为年初至本月累计，组织建设为本月期末数；比率 = 合计分子 ÷ 合计分母。"],
        )
    if brief.disputes.height:
        d = brief.disputes.select(
            pl.col("occurred_on").alias("发生日期"),
            pl.col("unit_name").alias("单位"),
            pl.col("region_name").alias("地区"),
            pl.col("employer").alias("用人单位"),
            pl.col("workers").alias("涉及人数"),
            pl.col("amount_wan").alias("涉案金额（万元）"),
            pl.col("dispute_type").alias("争议类型"),
            pl.col("status").alias("处置状态"),
        )
        write_sheet(book.create_sheet("重大集体争议"), d, title="未化解的重大集体劳动人事争议")
    notes = book.create_sheet("口径说明")
    settings = config.settings()
    rows = [
        ("调解成功率", settings["measures"]["success_rate"] + "（附件1 调解成功数 ÷ 调解结案数）"),
        (
            "协商调解解决占比",
            settings["measures"]["mediation_share"] + "（附件1 调解成功数 ÷（受理数 + 仲裁立案受理数））",
        ),
        ("汇总口径", "各单位、全省的比率均由分子、分母分别合计后相除，不对比率求平均。"),
        ("组织建设", "附件2 存量指标，取本月期末数。"),
        (
            "重大集体争议",
            f"涉及劳动者 ≥ {settings['major_dispute']['workers_min']} 人，或金额 ≥ "
            f"{settings['major_dispute']['amount_wan_min']:g} 万元，或有激化行为。",
        ),
        ("报送截止", f"次月{settings['reporting']['due_day']}日。"),
    ]
    write_sheet(notes, pl.DataFrame({"项目": [r[0] for r in rows], "说明": [r[1] for r in rows]}), title="口径说明")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_name(area: str, period: str, ext: str = "xlsx") -> str:
    return safe_file_name(
        f"{'吉林省' if area == q.PROVINCE_NAME else area}调解工作月度简报_{period_label(period)}", ext
    )
