"""总览: are we on track for the campaign targets, which unit lags, where is risk building up."""

import polars as pl
import streamlit as st

from dashboard import brief, brief_docx, charts, common, layout, state, targets
from dashboard import format as fmt
from dashboard import queries as q
from dashboard.layout import cached
from dashboard.panels import measure_panels
from dashboard.runtime import warehouse
from dashboard.session import current_viewer
from warehouse import config, labels

wh = warehouse()
viewer = current_viewer()
layout.header("总览", wh, "吉林省劳动人事争议调解组织建设行动（吉人社联〔2024〕63号）· 目标进展、单位排名、趋势与预警")
periods = cached(common.periods, wh, None)
if not periods:
    layout.empty_state()
    st.stop()
flt = state.filters(periods, cached(common.region_choices, wh, viewer), show_industry=False, show_range=True)
start, end = flt.months
try:
    sel = cached(q.selection, wh, viewer, flt.region)
except q.ScopeError as exc:
    st.warning(str(exc))
    st.stop()

# ------------------------------------------------------------------ headline
missing = cached(q.missing_units, wh, None, end)
if missing and sel.level == "province":
    names = "、".join(missing[:6]) + (" 等" if len(missing) > 6 else "")
    st.warning(
        f"{fmt.period_label(end)}尚有 {len(missing)} 个单位未报送附件1（{names}），"
        "全省本月合计只含已报送单位，环比仅供参考。",
        icon=":material/warning:",
    )
top_left, top_right = st.columns([4, 1], vertical_alignment="bottom")
top_left.markdown(f"#### {sel.name} · {fmt.period_label(end)}")
with top_right:
    st.download_button(
        "月度简报（Excel）",
        data=lambda: brief.brief_xlsx(brief.build(wh, viewer, flt.region, end, start)),
        file_name=brief.file_name(sel.name, end),
        mime=brief.XLSX_MIME,
        icon=":material/summarize:",
        on_click="ignore",
        type="primary",
        key="brief_download",
        help="本月关键数字与自动生成的文字说明，可直接用于简报",
    )
    st.download_button(
        "月度简报（Word）",
        data=lambda: brief_docx.brief_docx(brief_docx.gather(wh, viewer, flt.region, end, start)),
        file_name=brief_docx.file_name(sel.name, end),
        mime=brief_docx.DOCX_MIME,
        icon=":material/description:",
        on_click="ignore",
        key="brief_docx_download",
        help="Word 文档：关键数字（环比、同比、目标差距）、文字说明、总览图表、各单位表格，便于印发传阅",
    )

kp = cached(q.kpis, wh, viewer, flt.region, end)
rows = {r["key"]: r for r in kp.to_dicts()}


def rate_tile(key: str) -> None:
    r = rows[key]
    parts = []
    if r["target"] is not None:
        when = f"（{r['target_date'].year}年底）" if r["target_date"] else ""
        parts.append(f"目标 {fmt.percent(r['target'])}{when}")
        if r["gap"] is not None:  # one status rule (dashboard.targets): past the deadline 逾期未达标, never just 差
            parts.append(targets.gap_note(r["status"], r["value"], r["target"]))
    if r["numerator"] is not None:
        parts.append(f"{fmt.count(r['numerator'])}/{fmt.count(r['denominator'])}")
    progress = (r["value"] / r["target"]) if (r["value"] is not None and r["target"]) else None
    layout.kpi(
        r["tile"],
        fmt.percent(r["value"]),
        delta=fmt.points(r["change"]) if r["change"] is not None else None,
        delta_description="环比",
        help=fmt.measure_help(key, r["target_text"] if r["target"] is not None else None),
        note=" · ".join(parts) or labels.TARGET_STATUS["no_target"],
        progress=progress,
    )


st.markdown("**调解成效**")
c1, c2, c3, c4 = st.columns(4)
with c1:
    r = rows["accepted_total"]
    layout.kpi(
        "受理案件数（本月）",
        fmt.count(r["value"], " 件"),
        delta=fmt.change_pct(r["value"], r["previous"]) if r["previous"] else None,
        delta_description="环比",
        delta_color="off",
        help=fmt.measure_help("accepted_total"),
        note=f"调解成功 {fmt.count(rows['success_rate']['numerator'])} 件 · 结案 "
        f"{fmt.count(rows['success_rate']['denominator'])} 件",
    )
with c2:
    rate_tile("success_rate")
with c3:
    rate_tile("mediation_share")
with c4:
    major = cached(q.open_major_count, wh, viewer, flt.region, end, start)
    thresholds = config.settings()["major_dispute"]
    layout.kpi(
        f"{labels.DISPUTE_UNRESOLVED}重大集体争议",
        f"{major['incidents']} 起",
        delta_color="off",
        help=f"**重大集体争议**：附件1“重大集体争议”表中所选期间有报送、截至期末处置状态为"
        f"“{labels.DISPUTE_OPEN}”或“{labels.DISPUTE_IN_PROGRESS}”的事件（与“重大集体争议”页同一口径），"
        f"“重大”指涉及劳动者 ≥ {thresholds['workers_min']} 人，或金额 ≥ {thresholds['amount_wan_min']:g} 万元"
        f"{'，或有激化行为' if thresholds['escalation_counts'] else ''}（config [major_dispute]）。",
        note=f"{labels.DISPUTE_OPEN} {major['open']} · {labels.DISPUTE_IN_PROGRESS} {major['in_progress']} · "
        f"涉及 {fmt.count(major['workers'])} 人 · {fmt.money_wan(major['amount_wan'])} · "
        f"有激化行为 {major['escalated']} 起",
    )
st.markdown(f"**组织建设**（{fmt.period_label(end)} 期末数）")
coverage_keys = [m["key"] for m in q.coverage_measures()]
order = [
    "union_100_committee",
    "above_scale_committee",
    "township_center",
    "arbitration_center",
    "chamber_org",
    "park_org",
]
coverage_keys = [k for k in order if k in coverage_keys] + [k for k in coverage_keys if k not in order]
for first in range(0, len(coverage_keys), 3):
    for col, key in zip(st.columns(3), coverage_keys[first : first + 3]):
        with col:
            rate_tile(key)
st.caption(
    "比率均由所选范围内各地区分子、分母分别合计后相除；组织建设为存量指标，取所选月份期末数。"
    "将鼠标移到指标名旁的 ⓘ 可查看定义、公式和数据来源（报表·列）。"
)

# ------------------------------------------------------------------ targets, ranking, progress and trend
# One section, three views; only the open one is computed and drawn (st.tabs with on_change="rerun"), so the
# first screen after signing in carries two charts instead of four — the progress over the months and the case
# trend are a click away (docs/performance.md, "Speed a leader feels").
campaign_start = max(periods[0], config.settings()["reporting"]["first_period"])
trend_start = max(periods[0], min(start, fmt.shift_period(end, -23)))
layout.section(
    "目标进度与趋势",
    f"组织建设取 {fmt.period_label(end)} 期末数；调解成效取 {fmt.range_label(start, end)} 累计；"
    "各项指标逐月变化与受理、调解趋势见“逐月进展”“调解趋势”标签页。",
)
targets_tab, progress_tab, trend_tab = st.tabs(
    ["目标与排名", "逐月进展", "调解趋势"], key="overview_view", on_change="rerun"
)
share = rows["mediation_share"]


@st.fragment
def ranking_chart(units_only: pl.DataFrame, province_rows: dict, measure_labels: dict) -> None:
    """The ranking of the units by one measure; changing the measure reruns only this fragment."""
    if units_only["unit_code"].n_unique() < 2:
        layout.no_data("单位排名向省级和市级用户显示；当前账号只能查看本单位汇总。")
        return
    options = [m for m in ["mediation_share", "success_rate", *coverage_keys] if m in measure_labels]
    choice = st.selectbox(
        "排名指标",
        options,
        format_func=lambda m: measure_labels[m],
        placeholder="请选择",
        key="overview_rank_measure",
        help="调解成效按所选期间累计计算；组织建设按期末存量计算。",
    )
    data = units_only.filter(pl.col("measure") == choice)
    prov = province_rows.get(choice)
    common_target = data["target"].drop_nulls().unique().to_list()
    per_unit = choice == "mediation_share"
    window = fmt.range_label(start, end) if choice in q.RANKING_MEASURES else fmt.period_label(end)
    fig = charts.ranking_bars(
        data,
        "unit_name",
        "rate",
        f"各单位{measure_labels[choice]}",
        subtitle=window + (" · 竖线为各单位目标（2024年均值+10个百分点）" if per_unit else " · 红色虚线为目标值"),
        target_col="target" if per_unit else None,
        target=None if per_unit or len(common_target) != 1 else common_target[0],
        average=prov["rate"] if prov else None,
        num_col="numerator",
        den_col="denominator",
        highlight=sel.name if sel.level == "unit" else None,
    )
    layout.chart(fig, f"各单位{measure_labels[choice]}_{end}", key="overview_rank_chart")


def targets_and_ranking() -> None:
    left, right = st.columns(2, gap="large")
    with left:
        # the ranking's windows (q.target_progress): mediation over the span, coverage at its end
        progress = cached(q.target_progress, wh, viewer, flt.region, start, end)
        targeted = progress.filter(
            pl.col("key").is_in(["mediation_share", *coverage_keys]) & pl.col("target").is_not_null()
        )
        if targeted.height and targeted["value"].is_not_null().any():
            layout.chart(
                charts.target_bullets(
                    targeted,
                    "各项目标完成情况",
                    subtitle=(
                        f"{sel.name} · 协商调解解决占比为 {fmt.range_label(start, end)} 累计，组织建设为 {fmt.period_label(end)} 期末数"
                        " · 红色虚线为目标值"
                    ),
                ),
                f"目标完成情况_{sel.name}_{end}",
            )
        else:
            layout.no_data("所选月份没有可与目标比较的数据。")

    ranking = cached(q.unit_ranking, wh, viewer, start, end, True)
    units_only = ranking.filter(pl.col("unit_code") != q.PROVINCE_CODE)
    province_rows = {r["measure"]: r for r in ranking.filter(pl.col("unit_code") == q.PROVINCE_CODE).to_dicts()}
    measure_labels = dict(zip(ranking["measure"], ranking["label"])) if ranking.height else {}

    with right:
        ranking_chart(units_only, province_rows, measure_labels)

    if units_only.height:
        # computed and sent only while open (on_change="rerun"): at 40× it is 440 rows nobody reads at sign-in
        table_box = st.expander("各单位主要指标一览（可下载）", key="overview_ranking_table", on_change="rerun")
        if table_box.open:
            with table_box:
                table = q.ranking_table(ranking)
                rate_cols = [c for c in table.columns if c not in ("单位", "达标项数", "有目标项数")]
                layout.table(
                    table,
                    f"各单位主要指标_{end}",
                    column_config={c: layout.percent_column() for c in rate_cols},
                    notes=(
                        f"调解成效为 {fmt.range_label(start, end)} 累计，组织建设为 {fmt.period_label(end)} 期末数。",
                        "比率 = 合计分子 ÷ 合计分母。",
                    ),
                    key="dl_overview_ranking",
                )


def progress_per_measure() -> None:
    st.caption(f"{sel.name} · {fmt.range_label(campaign_start, end)} 逐月变化，红色虚线为目标值。")
    cov_trend = cached(q.coverage_trend, wh, viewer, flt.region, campaign_start, end)
    med_trend = cached(q.trend, wh, viewer, flt.region, campaign_start, end)
    panels = measure_panels(med_trend, cov_trend, cached(q.targets, wh, None), coverage_keys, share)
    if panels:
        layout.chart(charts.measure_panels(panels, cols=4), f"各项指标进展_{sel.name}_{end}")
    else:
        layout.no_data("暂无逐月数据。")


def cases_trend() -> None:
    st.caption(f"{sel.name} · {fmt.range_label(trend_start, end)}（至少显示近24个月）")
    trend = cached(q.trend, wh, viewer, flt.region, trend_start, end)
    if trend.height:
        targets_line = (
            {"mediation_share": (share["target"], f"占比目标 {fmt.percent(share['target'])}")}
            if share["target"]
            else None
        )
        layout.chart(
            charts.cases_and_rates(
                trend,
                "受理、结案、调解成功与成功率",
                subtitle="柱：件数（左轴）· 线：比率（右轴）",
                rate_targets=targets_line,
            ),
            f"受理与调解趋势_{sel.name}_{end}",
        )
    else:
        layout.no_data("所选期间没有调解数据。")


for tab, draw in ((targets_tab, targets_and_ranking), (progress_tab, progress_per_measure), (trend_tab, cases_trend)):
    if tab.open:
        with tab:
            draw()

# ------------------------------------------------------------------ early warning
layout.section(
    "最新预警",
    f"红色、橙色预警信号（{labels.SIGNAL_OPEN}）与{labels.DISPUTE_UNRESOLVED}（"
    f"{labels.DISPUTE_OPEN}、{labels.DISPUTE_IN_PROGRESS}）的重大集体劳动人事争议。",
)
signals = cached(q.open_signals, wh, viewer, flt.region)
if signals.height:
    shown = signals.with_columns(
        pl.col("level").replace_strict(labels.SIGNAL_LEVEL, default=pl.col("level")),
        pl.col("status").replace_strict(labels.SIGNAL_STATUS, default=pl.col("status")),
    )
    layout.table(
        shown.select("level", "period", "region_name", "title", "explanation", "status"),
        "预警信号",
        headers={"level": "预警等级", "title": "预警事项", "explanation": "说明"},
        key="dl_signals",
        column_config=layout.WIDE_REGION_COLUMNS,
    )
else:
    layout.no_data(f"暂无{labels.SIGNAL_OPEN}的红色、橙色预警信号。")
disputes = cached(q.open_major_disputes, wh, viewer, flt.region, 10, end, start)
if disputes.height:
    st.markdown(
        f"**{labels.DISPUTE_UNRESOLVED}重大集体争议**（共 {major['incidents']} 起，显示最新 {disputes.height} 起，"
        "按发生日期）"
    )
    shown = disputes.select(
        pl.col("occurred_on"),
        pl.col("unit_name"),
        pl.col("region_name"),
        pl.col("employer"),
        pl.col("workers"),
        pl.col("amount_wan"),
        pl.col("dispute_type"),
        pl.when(pl.col("escalated")).then(pl.lit("是")).otherwise(pl.lit("否")).alias("escalated"),
        pl.col("status"),
    )
    layout.table(
        shown,
        f"{labels.DISPUTE_UNRESOLVED}重大集体争议_{end}",
        headers={
            "occurred_on": "发生日期",
            "unit_name": "单位",
            "region_name": "地区",
            "employer": "用人单位",
            "workers": "涉及人数",
            "amount_wan": "涉案金额（万元）",
            "dispute_type": "争议类型",
            "escalated": "有无激化",
            "status": "处置状态",
        },
        key="dl_disputes",
        column_config=layout.WIDE_REGION_COLUMNS,
    )
    try:
        st.page_link("pages/disputes.py", label="查看全部重大集体争议", icon=":material/groups:")
    except Exception:
        pass
else:
    layout.no_data(f"所选期间没有{labels.DISPUTE_UNRESOLVED}的重大集体争议。")
