"""调解成效: accepted/closed/succeeded over time, success rate and mediation share by region, kind of organization
and industry, and the court-entrusted, online, arbitration-review and judicial-confirmation figures."""

import polars as pl
import streamlit as st

from dashboard import charts, common, layout, state
from dashboard import format as fmt
from dashboard import queries as q
from dashboard.layout import cached
from dashboard.runtime import warehouse
from dashboard.session import current_viewer
from etl.regions import read_industries

wh = warehouse()
viewer = current_viewer()
layout.header(
    "调解成效", wh, "附件1《劳动人事争议调解情况（月报）》· 受理、结案、调解成功、调解成功率与协商调解解决占比"
)
periods = cached(common.periods, wh, None)
if not periods:
    layout.empty_state("调解数据")
    st.stop()
flt = state.filters(periods, cached(common.region_choices, wh, viewer), show_range=True)
start, end = flt.months
try:
    sel = cached(q.selection, wh, viewer, flt.region)
except q.ScopeError as exc:
    st.warning(str(exc))
    st.stop()
window = fmt.range_label(start, end)
totals = cached(q.mediation_totals, wh, viewer, flt.region, start, end)
cur, last_year = totals["current"], totals["last_year"]
if cur is None:
    layout.empty_state(f"{sel.name}{window}的调解数据")
    st.stop()

# ------------------------------------------------------------------ totals
st.markdown(f"#### {sel.name} · {window}累计")


def yoy_count(key: str) -> str | None:
    return fmt.change_pct(cur[key], last_year[key]) if last_year and last_year[key] else None


def yoy_rate(key: str) -> str | None:
    return (
        fmt.points(cur[key] - last_year[key])
        if last_year and last_year[key] is not None and cur[key] is not None
        else None
    )


cols = [*st.columns(3), *st.columns(3)]
with cols[0]:
    layout.kpi(
        "受理案件数",
        fmt.count(cur["accepted_total"], " 件"),
        delta=yoy_count("accepted_total"),
        delta_color="off",
        delta_description="同比",
        help=fmt.measure_help("accepted_total"),
    )
with cols[1]:
    layout.kpi(
        "调解结案数",
        fmt.count(cur["closed_total"], " 件"),
        delta=yoy_count("closed_total"),
        delta_color="off",
        delta_description="同比",
        help=fmt.measure_help("closed_total"),
    )
with cols[2]:
    layout.kpi(
        "调解成功数",
        fmt.count(cur["succeeded_total"], " 件"),
        delta=yoy_count("succeeded_total"),
        delta_description="同比",
        help=fmt.measure_help("succeeded_total"),
    )
with cols[3]:
    layout.kpi(
        "调解成功率",
        fmt.percent(cur["success_rate"]),
        delta=yoy_rate("success_rate"),
        delta_description="同比",
        help=fmt.measure_help("success_rate"),
        note=f"{fmt.count(cur['success_rate_num'])}/{fmt.count(cur['success_rate_den'])}",
    )
with cols[4]:
    layout.kpi(
        "协商调解解决占比",
        fmt.percent(cur["mediation_share"]),
        delta=yoy_rate("mediation_share"),
        delta_description="同比",
        help=fmt.measure_help("mediation_share"),
        note=f"{fmt.count(cur['mediation_share_num'])}/{fmt.count(cur['mediation_share_den'])}",
    )
with cols[5]:
    layout.kpi(
        "涉案金额",
        fmt.money_wan(cur["amount_wan"]),
        delta=yoy_count("amount_wan"),
        delta_color="off",
        delta_description="同比",
        help=fmt.measure_help("amount_wan"),
        note=f"涉及劳动者 {fmt.count(cur['workers'])} 人",
    )
st.caption(
    ("同比为与上年同期相比。" if last_year else "上年同期数据不全，不显示同比。")
    + "比率由期间内各地区分子、分母分别合计后相除。"
)

# ------------------------------------------------------------------ trend
trend_start = (
    start if start != end and fmt.shift_period(start, 5) <= end else max(periods[0], fmt.shift_period(end, -11))
)
trend = cached(q.trend, wh, viewer, flt.region, trend_start, end)
layout.section(
    "逐月变化",
    f"{sel.name} · {fmt.range_label(trend_start, end)}"
    + ("（所选期间不足6个月，显示近12个月）" if trend_start != start else ""),
)
layout.chart(
    charts.cases_and_rates(trend, "受理、结案、调解成功与成功率", subtitle="柱：件数（左轴）· 线：比率（右轴）"),
    f"调解成效逐月_{sel.name}_{end}",
)

# ------------------------------------------------------------------ by region
children = cached(q.mediation_by_child, wh, viewer, flt.region, start, end)
level_word = "各单位" if sel.child_level == "unit" else "各地区"
layout.section(
    f"{level_word}对比",
    f"{window}累计；虚线为{sel.name}整体水平。" + ("市本级指市直调解组织、市仲裁院等。" if sel.level == "unit" else ""),
)
if children.height > 1:
    left, right = st.columns(2, gap="large")
    with left:
        layout.chart(
            charts.ranking_bars(
                children,
                "name",
                "success_rate",
                f"{level_word}调解成功率",
                subtitle=window,
                average=cur["success_rate"],
                average_label=sel.name,
                num_col="success_rate_num",
                den_col="success_rate_den",
            ),
            f"{level_word}调解成功率_{end}",
        )
    with right:
        layout.chart(
            charts.ranking_bars(
                children,
                "name",
                "mediation_share",
                f"{level_word}协商调解解决占比",
                subtitle=window,
                average=cur["mediation_share"],
                average_label=sel.name,
                num_col="mediation_share_num",
                den_col="mediation_share_den",
            ),
            f"{level_word}协商调解解决占比_{end}",
        )
    with st.expander(f"{level_word}明细（可下载）"):
        table = children.select(
            "name",
            "accepted_total",
            "closed_total",
            "succeeded_total",
            "success_rate",
            "mediation_share",
            "arbitration_filed",
            "workers",
            "amount_wan",
            "accepted_share",
        )
        layout.table(
            table,
            f"{level_word}调解成效_{window}",
            headers={"name": "地区", "accepted_share": "受理占比"},
            column_config={h: layout.percent_column() for h in ("调解成功率", "协商调解解决占比", "受理占比")},
            notes=("比率 = 合计分子 ÷ 合计分母。",),
            key="dl_children",
        )
else:
    layout.no_data("所选地区没有下级明细（或当前账号只能查看本地区）。")

# ------------------------------------------------------------------ by kind of organization
kinds = cached(q.org_kinds, wh, viewer, flt.region, start, end)
layout.section(
    "各类调解组织", "附件1 受理案件数、调解成功数按组织类型（第4–8列、第11–15列）；菱形为成功数占受理数的比例。"
)
layout.chart(
    charts.grouped_bars(
        kinds,
        "label",
        {"accepted": "受理", "succeeded": "调解成功"},
        "各类调解组织受理与调解成功",
        subtitle=f"{sel.name} · {window}",
        rate_col="success_share",
        rate_label="成功占受理比例",
    ),
    f"各类调解组织_{end}",
)

# ------------------------------------------------------------------ by industry
layout.section(
    "分行业情况",
    "附件1“分行业”表（选填，只列非零行）；未分行业 = 调解情况合计 − 分行业合计。"
    "分行业表没有结案数，这里的比例为调解成功数 ÷ 受理案件数。",
)
industries = cached(q.industry_breakdown, wh, viewer, flt.region, start, end)
names = read_industries()
if industries.height:

    def industry_bars() -> None:
        left, right = st.columns(2, gap="large")
        named = industries.with_columns((pl.col("industry_code") + " " + pl.col("industry_name")).alias("行业"))
        with left:
            top = named.head(12)
            layout.chart(
                charts.ranking_bars(
                    top,
                    "行业",
                    "accepted",
                    "受理案件数最多的行业",
                    subtitle=window,
                    percent=False,
                    height=max(340, 30 * top.height + 110),
                ),
                f"分行业受理_{end}",
            )
        with right:
            collective = named.filter(pl.col("collective_cases") > 0).sort("collective_cases", descending=True).head(12)
            if collective.height:
                layout.chart(
                    charts.ranking_bars(
                        collective,
                        "行业",
                        "collective_cases",
                        "集体劳动人事争议最多的行业",
                        subtitle=f"{window} · 10人以上集体争议件数",
                        percent=False,
                        height=max(340, 30 * top.height + 110),
                    ),
                    f"分行业集体争议_{end}",
                )
            else:
                layout.no_data("所选期间分行业表中没有集体劳动人事争议。")

    @st.fragment
    def industry_heatmap() -> None:
        metric = st.segmented_control(
            "热力图数值", ["受理案件数", "调解成功占受理比例"], default="受理案件数", key="mediation_heat_metric"
        )
        matrix = cached(q.industry_matrix, wh, viewer, flt.region, start, end)
        if not matrix.height:
            layout.no_data("没有分行业明细。")
            return
        present = set(matrix["industry_code"].to_list())
        order = [c for c in industries["industry_code"].to_list() if c in present][:12]
        data = matrix.filter(pl.col("industry_code").is_in(order))
        percent = metric == "调解成功占受理比例"
        data = data.with_columns(
            pl.col("industry_code").map_elements(fmt.industry_tick, return_dtype=pl.Utf8).alias("行业")
        )
        fig = charts.heatmap(
            data,
            "行业",
            "name",
            "success_share" if percent else "accepted",
            f"{level_word} × 行业",
            subtitle=f"{window} · 受理数前12的行业",
            percent=percent,
            x_order=[fmt.industry_tick(c) for c in order],
            y_order=[n for _, n in sel.children],
            colorscale="RdYlGn" if percent else "Blues",
            z_label="成功占受理" if percent else "受理件数",
            rank_col="accepted",
            rank_word="受理数",
        )
        layout.chart(fig, f"地区行业热力图_{end}", key="mediation_heatmap")

    # one view at a time (st.tabs, on_change="rerun"): the unit × industry map is drawn only when asked for
    bars_view, heat_view = st.tabs(
        ["受理与集体争议最多的行业", "行业热力图"], key="mediation_industry_view", on_change="rerun"
    )
    if bars_view.open:
        with bars_view:
            industry_bars()
    if heat_view.open:
        with heat_view:
            industry_heatmap()
    with st.expander("分行业明细（可下载）"):
        layout.table(
            industries.select(
                "industry_code",
                "industry_name",
                "accepted",
                "succeeded",
                "success_share",
                "collective_cases",
                "workers",
                "accepted_share",
            ),
            f"分行业调解情况_{window}",
            headers={
                "success_share": "调解成功占受理比例",
                "accepted_share": "受理占比",
                "collective_cases": "集体争议件数（件）",
            },
            column_config={h: layout.percent_column() for h in ("调解成功占受理比例", "受理占比")},
            key="dl_industries",
        )
    if flt.industry:
        one = cached(q.industry_trend, wh, viewer, flt.region, trend_start, end, flt.industry)
        if one.height:
            layout.chart(
                charts.count_lines(
                    one,
                    ["accepted", "succeeded", "collective_cases"],
                    f"{flt.industry} {names.get(flt.industry, '')}：逐月受理与调解成功",
                    subtitle=f"{sel.name} · 侧栏“行业”筛选",
                    labels={"collective_cases": "集体争议"},
                ),
                f"行业{flt.industry}逐月_{end}",
            )
        else:
            layout.no_data(f"所选期间没有 {flt.industry} {names.get(flt.industry, '')} 的分行业数据。")
else:
    layout.no_data("所选期间没有分行业数据（分行业表为选填）。")

# ------------------------------------------------------------------ channels
layout.section(
    "委派委托、线上调解与协议效力确认",
    "附件1 第21–25列：法院委派委托调解、线上调解受理、调解协议申请仲裁审查和司法确认、仲裁机构立案受理。",
)
channel_keys = [
    "court_entrusted",
    "online_accepted",
    "arbitration_review",
    "judicial_confirmation",
    "arbitration_filed",
]
notes = {
    "court_entrusted": f"占受理 {fmt.percent(cur['court_entrusted'] / cur['accepted_total'] if cur['accepted_total'] else None)}",
    "online_accepted": f"占受理 {fmt.percent(cur['online_accepted'] / cur['accepted_total'] if cur['accepted_total'] else None)}",
    "arbitration_review": f"占调解成功 {fmt.percent(cur['arbitration_review'] / cur['succeeded_total'] if cur['succeeded_total'] else None)}",
    "judicial_confirmation": f"占调解成功 {fmt.percent(cur['judicial_confirmation'] / cur['succeeded_total'] if cur['succeeded_total'] else None)}",
    "arbitration_filed": "协商调解解决占比的分母之一",
}
labels = {
    "court_entrusted": "法院委派委托调解",
    "online_accepted": "线上调解受理",
    "arbitration_review": "申请仲裁审查",
    "judicial_confirmation": "申请司法确认",
    "arbitration_filed": "仲裁立案受理",
}
for col, key in zip(st.columns(len(channel_keys)), channel_keys):
    with col:
        layout.kpi(
            labels[key],
            fmt.count(cur[key], " 件"),
            delta=yoy_count(key),
            delta_color="off",
            delta_description="同比",
            help=fmt.column_help(key),
            note=notes[key],
        )
layout.chart(
    charts.count_lines(
        trend,
        channel_keys[:4],
        "委派委托、线上调解与协议效力确认（逐月）",
        subtitle=f"{sel.name} · {fmt.range_label(trend_start, end)}",
    ),
    f"委派委托与线上调解_{end}",
)
with st.expander("逐月明细（可下载）"):
    monthly = trend.select(
        "period",
        "accepted_total",
        "closed_total",
        "succeeded_total",
        "success_rate",
        "mediation_share",
        *channel_keys,
        "collective_cases",
        "workers",
        "amount_wan",
    )
    layout.table(
        monthly,
        f"调解成效逐月_{sel.name}_{fmt.range_label(trend_start, end)}",
        column_config={h: layout.percent_column() for h in ("调解成功率", "协商调解解决占比")},
        key="dl_monthly",
    )
