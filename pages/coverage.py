"""组织建设: coverage of the four kinds of mediation organization (附件2), by unit and county, with each unit's
trajectory toward the campaign target and the month it reaches it at the current pace."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, common, export, layout, state
from dashboard import coverage as cov
from dashboard import format as fmt
from dashboard import targets as campaign
from dashboard.runtime import warehouse
from dashboard.session import current_viewer
from etl.regions import PROVINCE_CODE
from warehouse import labels as words

wh = warehouse()
viewer = current_viewer()
layout.header("组织建设", wh, "调解组织建设覆盖情况 · 附件2《调解组织建设情况统计表》（存量指标，取所选月份期末数）")
periods = common.periods(wh)
if not periods:
    layout.empty_state()
    st.stop()
flt = state.filters(periods, common.region_choices(wh, viewer), show_industry=False)


def q(fn, *args):
    """A query of dashboard.coverage through the page cache (keyed on the warehouse generation and viewer)."""
    return layout.cached(fn, wh, viewer, *args)


drill_to = state.drill_to


def drill_from(key: str) -> None:
    state.drill_from(key, drill_to)


period, focus = flt.period, flt.region
labels = cov.measure_labels()
keys = list(labels)
focus_totals = q(cov.totals, period, focus)
if focus_totals.height == 0:
    latest = q(cov.latest_report, period, focus)
    if latest:  # the focus has not reported this month: say since when, rather than look empty
        st.info(
            f"所选地区未报送{fmt.period_label(period)}附件2，最近一次报送为{fmt.period_label(latest)}。"
            f"请在“统计期”中选择{fmt.period_label(latest)}查看，或返回全省，在排名中查看其按最近一次报送显示的数据。",
            icon=":material/inbox:",
        )
    else:
        st.info(
            f"{fmt.period_label(period)}暂无组织建设数据（附件2）。请选择其他月份，或先上报附件2。",
            icon=":material/inbox:",
        )
    layout.empty_state("组织建设数据")
    st.stop()

index = wh.region_index()
level = (
    "province"
    if focus == PROVINCE_CODE
    else ("unit" if index.get(focus) and index.get(focus).unit_code == focus else "region")
)
unit = None if level == "province" else index.get(focus).unit_code
focus_name = "全省" if level == "province" else index.get(focus).name
previous = fmt.shift_period(period, -1)
prev_totals = q(cov.totals, previous, focus) if previous in periods else focus_totals.head(0)
prev_rate = dict(zip(prev_totals["measure"].to_list(), prev_totals["rate"].to_list()))


def target_text(row: dict) -> str:
    if row["target"] is None:
        return "未设目标值"
    return f"{fmt.percent(row['target'], 0)}（{fmt.period_label(row['target_date'].strftime('%Y-%m'))}底前）"


# ---------------------------------------------------------------- 一、覆盖指标
st.subheader(f"一、{focus_name}覆盖指标 · {fmt.period_label(period)}")
reported = int(focus_totals["regions_reported"].max() or 0)
st.caption(f"共 {reported} 个地区报送了本月附件2。比率 = 分子 ÷ 分母，汇总时先合计分子、分母再相除。")
rows = focus_totals.to_dicts()
for start in range(0, len(rows), 3):
    cols = st.columns(3)
    for col, row in zip(cols, rows[start : start + 3]):
        delta = None
        if row["rate"] is not None and prev_rate.get(row["measure"]) is not None:
            delta = fmt.points(row["rate"] - prev_rate[row["measure"]]).replace(" 个百分点", "个百分点")
        status = campaign.status(row["rate"], row["target"], row["target_date"], period)
        color = {"reached": "green", "overdue": "red", "behind": "orange"}.get(status)
        badge = f" :{color}-badge[{campaign.label(status)}]" if color else ""
        with col:
            layout.kpi(
                row["label"],
                fmt.percent(row["rate"]),
                delta=delta,
                help=fmt.measure_help(row["measure"], target_text(row)),
                note=f"分子 {fmt.count(row['numerator'])} / 分母 {fmt.count(row['denominator'])} · "
                f"目标 {target_text(row)}{badge}",
                progress=row["rate"],
            )

# ---------------------------------------------------------------- 二、分布地图
st.subheader("二、分布地图")
default_measure = st.query_params.get("measure") if st.query_params.get("measure") in keys else keys[0]
measure = st.selectbox(
    "指标",
    keys,
    index=keys.index(default_measure),
    format_func=labels.get,
    placeholder="请选择",
    key="cov_measure",
    help=cov.definition(keys[0]),
)
st.query_params["measure"] = measure
st.caption(f"**{labels[measure]}**：{cov.definition(measure)}")
target_now = focus_totals.filter(pl.col("measure") == measure)["target"][0]

if level == "province":
    map_data = q(cov.unit_map_frame, period, measure)
    map_title = f"全省各单位{labels[measure]}"
else:
    map_data = q(cov.county_map_frame, period, unit, measure)
    map_title = f"{index.get(unit).name}各县（市、区）{labels[measure]}"


on_map_select = state.drill_on_map_select("cov_map", lambda code: cov.may_see(wh, viewer, code))


left, right = st.columns([3, 2])
with left:
    if level != "province" and unit == "229901":
        st.info("长白山管委会无下辖县级行政区划边界，请查看右侧排名和下方明细表。", icon=":material/map:")
    elif map_data.height:
        fig = cov.map_figure(
            map_data,
            labels[measure],
            unit_code=None if level == "province" else unit,
            title=map_title,
            target=target_now,
            visible=viewer.detail_regions(index),
        )
        layout.plotly_chart(
            fig, key="cov_map", on_select=on_map_select, selection_mode="points", config=charts.plotly_config(map_title)
        )
        hint = (
            "点击地图上的单位可下钻到其县（市、区）"
            if level == "province"
            else "灰色为无数据；市本级不单独成图，见明细表"
        )
        st.caption(f"{hint}；长白山管委会无独立边界，以圆点标注；梅河口市单列。")
    else:
        st.info("本月无可显示的地图数据。", icon=":material/map:")
with right:
    if map_data.height:
        layout.plotly_chart(
            cov.ranking_figure(map_data, labels[measure], target_now),
            key="cov_rank",
            config=charts.plotly_config(f"{labels[measure]}排名_{period}"),
        )
        if (map_data["标注"] != "").any():
            never = int((map_data[words.DATA_MONTH] == words.SUBMISSION_STATUS["missing"]).sum())
            st.caption(
                f"未报送{fmt.period_label(period)}附件2的地区按其最近一次报送的数据显示（浅色，名称后标注数据月份）"
                + (f"；{never} 个从未报送，标注“{words.SUBMISSION_STATUS['missing']}”。" if never else "。")
            )
    nav = st.columns(2)
    if level != "province" and cov.may_see(wh, viewer, PROVINCE_CODE):
        nav[0].button("⬆ 返回全省", on_click=drill_to, args=(PROVINCE_CODE,), width="stretch", key="cov_up_province")
    if level == "region" and cov.may_see(wh, viewer, unit):
        nav[1].button(
            f"⬆ 返回{index.get(unit).name}", on_click=drill_to, args=(unit,), width="stretch", key="cov_up_unit"
        )
    if level != "region" and map_data.height:
        codes = [c for c in map_data["region_code"].to_list() if c != focus]
        names = dict(zip(map_data["region_code"].to_list(), map_data["地区"].to_list()))
        st.selectbox(
            "下钻到单位" if level == "province" else "下钻到县（市、区）",
            [None, *codes],
            format_func=lambda c: "（请选择）" if c is None else names[c],
            placeholder="请选择",
            key="cov_drill",
            on_change=drill_from,
            args=("cov_drill",),
        )

# ---------------------------------------------------------------- 三、达标进度
st.subheader("三、达标进度与预测")
target_rows = q(cov.target_line, measure, period).to_dicts()
series = q(cov.trajectory, measure, period, None)
proj = q(cov.projections, measure, period)
if series.height:
    layout.plotly_chart(
        cov.trajectory_figure(series, proj, target_rows, labels[measure]),
        key="cov_traj",
        config=charts.plotly_config(f"{labels[measure]}达标进度_{period}"),
    )
    st.caption(
        f"红色虚线为行动目标值；点线为按近{cov.WINDOW}个月线性拟合的月均进度推算至达标月份。"
        "预计达标月份 = 本月 + ⌈(目标 − 当前比率) ÷ 月均进度⌉。"
    )
    table = proj.with_columns(
        (pl.col("rate") * 100).alias("rate"),
        pl.col("pace").map_elements(lambda v: f"{100 * v:+.2f}", return_dtype=pl.Utf8).fill_null("—").alias("pace"),
        pl.col("target").map_elements(lambda v: f"{100 * v:.0f}%", return_dtype=pl.Utf8).fill_null("—").alias("target"),
        pl.col("deadline").map_elements(fmt.period_label, return_dtype=pl.Utf8).fill_null("—").alias("deadline"),
        pl.col("projected").map_elements(fmt.period_label, return_dtype=pl.Utf8).fill_null("—").alias("projected"),
    ).select(
        "region_name", "as_of", "rate", "numerator", "denominator", "pace", "target", "deadline", "projected", "message"
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=35 * (table.height + 1) + 3,
        column_config={
            "region_name": st.column_config.TextColumn("地区"),
            "as_of": st.column_config.TextColumn(
                words.DATA_MONTH, help="比率所依据的附件2报送月份（本月未报送的为最近一次报送）"
            ),
            "rate": st.column_config.ProgressColumn(
                "当前比率", format="%.1f%%", min_value=0, max_value=100, help=fmt.measure_help(measure)
            ),
            "numerator": st.column_config.NumberColumn("分子", format="localized"),
            "denominator": st.column_config.NumberColumn("分母", format="localized"),
            "pace": st.column_config.TextColumn(
                "月均进度（百分点）", help=f"近{cov.WINDOW}个月比率的最小二乘斜率（每月变化的百分点）；已达标的不再测算"
            ),
            "target": st.column_config.TextColumn("目标值"),
            "deadline": st.column_config.TextColumn("目标期限"),
            "projected": st.column_config.TextColumn("预计达标月份"),
            "message": st.column_config.TextColumn("研判", width="large"),
        },
    )
    proj_export = table.with_columns(  # numbers stay numbers in the download (percent values, one decimal)
        (proj["pace"] * 100).alias("pace"), (proj["target"] * 100).alias("target")
    ).rename(
        {
            "region_name": "地区",
            "as_of": words.DATA_MONTH,
            "rate": "当前比率（%）",
            "numerator": "分子",
            "denominator": "分母",
            "pace": "月均进度（百分点）",
            "target": "目标值（%）",
            "deadline": "目标期限",
            "projected": "预计达标月份",
            "message": "研判",
        }
    )
    export.download_xlsx(
        proj_export, f"{labels[measure]}达标预测（{fmt.period_label(period)}）", label="下载达标预测表", key="dl_proj"
    )
else:
    st.info("暂无历史数据，无法绘制达标进度。", icon=":material/show_chart:")

# ---------------------------------------------------------------- 四、明细表
if level == "province":
    st.subheader("四、分单位明细")
    detail = q(cov.unit_rates, period)
    caption = "各单位为其全部报送地区的合计（分子、分母分别求和后相除）。"
else:
    st.subheader(f"四、{index.get(unit).name}分县（市、区）明细")
    detail = q(cov.county_rates, period, unit)
    caption = "市本级指市直属机构（市仲裁院、市级商协会等）。仅显示您有权查看的地区。"
if detail.height:
    wide = cov.wide(detail)
    column_config = {
        "region_code": st.column_config.TextColumn("地区代码"),
        "region_name": st.column_config.TextColumn("地区"),
        words.DATA_MONTH: st.column_config.TextColumn(
            words.DATA_MONTH, help="数据所依据的附件2报送月份：本月未报送的按最近一次报送显示"
        ),
    }
    shown = ["region_name", words.DATA_MONTH]
    for key in keys:
        shown += [f"{key}__rate", f"{key}__frac"]
        column_config[f"{key}__rate"] = st.column_config.ProgressColumn(
            cov.short_label(key), format="%.1f%%", min_value=0, max_value=100, help=fmt.measure_help(key)
        )
        column_config[f"{key}__frac"] = st.column_config.TextColumn("分子/分母", width="small")
    view = wide.with_columns(
        cov.data_month_column(),
        *[(pl.col(f"{k}__rate") * 100).alias(f"{k}__rate") for k in keys],
        *[pl.format("{}/{}", pl.col(f"{k}__numerator"), pl.col(f"{k}__denominator")).alias(f"{k}__frac") for k in keys],
    ).select(shown)
    st.dataframe(
        view, hide_index=True, width="stretch", column_config=column_config, height=min(35 * (view.height + 1) + 3, 760)
    )
    stale = wide.filter(pl.col("as_of").is_null() | (pl.col("as_of") != period)).height
    st.caption(
        caption
        + (
            f"其中 {stale} 个未报送{fmt.period_label(period)}附件2，按最近一次报送的数据显示（见“{words.DATA_MONTH}”列）。"
            if stale
            else ""
        )
    )
    export.download_xlsx(
        cov.export_table(detail),
        f"组织建设明细_{focus_name}（{fmt.period_label(period)}）",
        label="下载明细表",
        key="dl_detail",
    )
else:
    st.info("本月无可显示的明细。", icon=":material/list_alt:")
