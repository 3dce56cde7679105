"""重大集体争议: major collective disputes and risk warnings (附件1 sheets 重大集体争议 and 预警信息) with filters,
their distribution by unit and industry, and each incident's status history."""

from __future__ import annotations

import pandas as pd
import polars as pl
import streamlit as st

from dashboard import charts, common, export, layout, state
from dashboard import coverage as cov
from dashboard import disputes as ds
from dashboard import format as fmt
from dashboard.runtime import warehouse
from dashboard.session import current_viewer
from etl.regions import PROVINCE_CODE
from warehouse import config, labels

wh = warehouse()
viewer = current_viewer()
layout.header(
    "重大集体争议", wh, "重大集体劳动人事争议与风险预警 · 附件1“重大集体争议”“预警信息”表（监测—预警—处置—反馈）"
)
periods = common.periods(wh)
if not periods:
    layout.empty_state()
    st.stop()
flt = state.filters(periods, common.region_choices(wh, viewer), show_range=True)


def q(fn, *args, **kwargs):
    """A query through the page cache (keyed on the warehouse generation and the viewer)."""
    return layout.cached(fn, wh, viewer, *args, **kwargs)


drill_to = state.drill_to


def lazy_xlsx(label: str, stem: str, key: str, make) -> None:
    """A download of the whole list: queried and written only when the button is clicked."""
    st.download_button(
        label,
        key=key,
        icon=":material/download:",
        on_click="ignore",
        mime=export.XLSX_MIME,
        file_name=export.file_name(stem),
        data=lambda: export.xlsx_bytes(make(), sheet_name=stem[:31], title=stem),
    )


def url_list(key: str, allowed: tuple[str, ...]) -> list[str]:
    """A comma-separated URL parameter, validated against the allowed values."""
    raw = st.query_params.get(key)
    return [v for v in (raw.split(",") if raw else []) if v in allowed]


def keep_list(key: str, values: list[str]) -> None:
    if values:
        st.query_params[key] = ",".join(values)
    else:
        st.query_params.pop(key, None)


start, end = flt.months
focus = flt.region
index = wh.region_index()
level = "province" if focus == PROVINCE_CODE else ("unit" if index.get(focus).unit_code == focus else "region")
focus_name = ds.focus_name(wh, focus)
major = config.settings()["major_dispute"]
major_rule = (
    f"“重大”：涉及劳动者 ≥ {major['workers_min']} 人，或涉案金额 ≥ {major['amount_wan_min']:g} 万元"
    + ("，或有激化行为（聚集、堵路、围堵、上访等）" if major["escalation_counts"] else "")
    + "。"
)

# ---------------------------------------------------------------- page filters (kept in the URL)
with st.container(border=True):
    c1, c2, c3 = st.columns([2, 2, 1])
    statuses = c1.multiselect(
        "争议处置状态",
        ds.DISPUTE_STATUSES,
        default=url_list("status", ds.DISPUTE_STATUSES),
        key="dsp_status",
        placeholder="全部状态",
    )
    levels = c2.pills(
        "预警等级",
        ds.LEVELS,
        selection_mode="multi",
        default=url_list("level", ds.LEVELS),
        key="dsp_level",
        format_func=lambda v: f"{v}色",
    )
    major_only = c3.toggle("仅重大争议", value=st.query_params.get("major") != "0", key="dsp_major", help=major_rule)
keep_list("status", statuses)
keep_list("level", levels)
if major_only:
    st.query_params.pop("major", None)
else:
    st.query_params["major"] = "0"
query = ds.Query(
    start=start,
    end=end,
    region=focus,
    industry=flt.industry,
    statuses=tuple(statuses) or None,
    levels=tuple(levels) or None,
    major_only=major_only,
)
warn_query = ds.Query(start=start, end=end, region=focus, industry=flt.industry, levels=tuple(levels) or None)
span = fmt.range_label(start, end)
industry_note = f" · 行业 {flt.industry}" if flt.industry else ""

# ---------------------------------------------------------------- 一、概况
st.subheader(f"一、{focus_name}概况 · {span}{industry_note}")
summary = q(ds.summary, query)
warn_summary = q(ds.warning_summary, warn_query)
m = st.columns(5)
with m[0]:
    layout.kpi(
        "重大集体争议",
        fmt.count(summary["incidents"], " 件"),
        help=f"所选期间内有报送的重大集体争议（按截至期末的最近一次报送）。{major_rule}",
        note=f"{labels.DISPUTE_UNRESOLVED} {summary['unresolved']}（{labels.DISPUTE_OPEN} {summary['open']} · "
        f"{labels.DISPUTE_IN_PROGRESS} {summary['in_progress']}）· {labels.DISPUTE_RESOLVED} {summary['resolved']}",
    )
with m[1]:
    layout.kpi(
        "涉及劳动者",
        fmt.count(summary["workers"], " 人"),
        help="各争议“涉及劳动者人数（人）”之和（附件1 重大集体争议表）。",
        note=f"平均每件 {fmt.count(summary['workers'] / summary['incidents']) if summary['incidents'] else '—'} 人",
    )
with m[2]:
    layout.kpi(
        "涉案金额（万元）", f"{summary['amount_wan']:,.2f}", help="各争议“涉案金额（万元）”之和。", note="单位：万元"
    )
with m[3]:
    layout.kpi(
        "有激化行为",
        fmt.count(summary["escalated"], " 件"),
        help="“有无激化行为”为“是”的争议数（聚集、堵路、围堵、上访等）。",
        note=f"占 {fmt.percent(summary['escalated'] / summary['incidents']) if summary['incidents'] else '—'}",
    )
with m[4]:
    layout.kpi(
        "风险预警",
        fmt.count(warn_summary["warnings"], " 条"),
        help=f"所选期间内有报送的预警信息（附件1 预警信息表），按截至期末的最近一次报送；{labels.WARNING_UNRESOLVED} = "
        f"{labels.WARNING_OPEN} + {labels.WARNING_IN_PROGRESS}。",
        note=f"{labels.WARNING_UNRESOLVED} {warn_summary['warnings_open']} · "
        + " · ".join(
            f"{word} {warn_summary[key]}"
            for word, key in zip(labels.WARNING_LEVELS, ("red", "orange", "yellow", "blue"))
        ),
    )

# ---------------------------------------------------------------- 二、分布
st.subheader("二、分布：地区 × 行业")
kind = (
    st.segmented_control(
        "显示",
        ["disputes", "warnings"],
        default=st.query_params.get("show", "disputes")
        if st.query_params.get("show") in ("disputes", "warnings")
        else "disputes",
        format_func=lambda k: ds.KIND_WORDS[k][0],
        key="dsp_kind",
    )
    or "disputes"
)
st.query_params["show"] = kind
chosen = query if kind == "disputes" else warn_query
heat = q(ds.unit_industry, chosen, kind)
per_region = q(ds.by_region, chosen, kind)
word = ds.KIND_WORDS[kind][0]
if per_region.height == 0 or per_region["items"].sum() == 0:
    st.info(f"所选期间和条件下没有{word}。", icon=":material/map:")
else:
    left, right = st.columns([1, 1])
    with left:
        unit = None if level == "province" else index.get(focus).unit_code
        if unit == "229901":
            st.info("长白山管委会无下辖县级行政区划边界，请查看右侧热力图。", icon=":material/map:")
        else:
            title = f"{focus_name}{'各单位' if level == 'province' else '各县（市、区）'}{word}"

            on_map_select = state.drill_on_map_select("dsp_map", lambda code: cov.may_see(wh, viewer, code))

            layout.plotly_chart(
                ds.map_figure(per_region, kind, unit_code=unit, title=title),
                key="dsp_map",
                on_select=on_map_select,
                selection_mode="points",
                config=charts.plotly_config(title),
            )
            st.caption("颜色越深数量越多；点击单位可下钻。长白山管委会以圆点标注，梅河口市单列。")
    with right:
        layout.plotly_chart(
            ds.heat_figure(heat, kind, f"{word}：地区 × 行业（{ds.KIND_WORDS[kind][1]}）"),
            key="dsp_heat",
            config=charts.plotly_config(f"{word}地区行业分布_{focus_name}_{span}"),
        )
    if level != "province" and cov.may_see(wh, viewer, PROVINCE_CODE):
        st.button(
            "返回全省", icon=":material/arrow_upward:", on_click=drill_to, args=(PROVINCE_CODE,), key="dsp_up_province"
        )

# ---------------------------------------------------------------- 三、重大集体争议清单
st.subheader("三、重大集体争议清单（未化解置顶）")
incidents = q(ds.incidents, query, ds.LIST_LIMIT + 1)
more_incidents = incidents.height > ds.LIST_LIMIT
incidents = incidents.head(ds.LIST_LIMIT)
if incidents.height == 0:
    st.info("所选期间和条件下没有重大集体争议。", icon=":material/list_alt:")
else:
    view = (
        incidents.with_columns(
            pl.when(pl.col("escalated")).then(pl.lit("是")).otherwise(pl.lit("否")).alias("escalated"),
            pl.col("amount_wan").cast(pl.Float64),
        )
        .select(
            pl.col("status").alias("处置状态"),
            pl.col("region_name").alias("地区"),
            pl.col("occurred_on").alias("发生日期"),
            pl.col("employer").alias("用人单位名称"),
            pl.col("industry_name").alias("行业"),
            pl.col("dispute_type").alias("争议类型"),
            pl.col("workers").alias("涉及人数"),
            pl.col("amount_wan").alias("涉案金额（万元）"),
            pl.col("escalated").alias("激化行为"),
            pl.col("resolved_on").alias("化解日期"),
            pl.col("reported_period").alias("最近报送期"),
            pl.col("notes").alias("处置情况"),
        )
        .to_pandas()
    )

    def paint(row: pd.Series) -> list[str]:
        colour = {
            labels.DISPUTE_OPEN: "background-color: #fde0dd",
            labels.DISPUTE_IN_PROGRESS: "background-color: #fff3e0",
        }.get(row["处置状态"], "")
        return [colour for _ in row]

    st.dataframe(
        view.style.apply(paint, axis=1).format({"涉案金额（万元）": "{:,.2f}"}),
        hide_index=True,
        width="stretch",
        height=min(35 * (len(view) + 1) + 3, 460),
        column_config={
            "发生日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "化解日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "涉及人数": st.column_config.NumberColumn(format="localized"),
            "处置情况": st.column_config.TextColumn(width="large"),
        },
    )
    shown_note = (
        f"仅显示前 {ds.LIST_LIMIT} 件（未化解在前），完整清单请下载" if more_incidents else f"共 {incidents.height} 件"
    )
    st.caption(f"{shown_note}（红色底纹：未化解；橙色：处置中）。状态为截至{fmt.period_label(end)}的最近一次报送。")
    lazy_xlsx(
        "下载争议清单",
        f"重大集体争议清单_{focus_name}（{span}）",
        "dl_incidents",
        lambda: ds.export_incidents(ds.incidents(wh, viewer, query, None)),
    )

    st.markdown("**处置状态历史**")
    ids = incidents["incident_id"].to_list()
    label_of = {
        r["incident_id"]: f"{r['status']} · {r['region_name']} · {r['occurred_on']} · {r['employer']}"
        for r in incidents.iter_rows(named=True)
    }
    wanted = st.query_params.get("incident")
    incident = st.selectbox(
        "选择争议",
        ids,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=label_of.get,
        placeholder="请选择",
        key="dsp_incident",
    )
    st.query_params["incident"] = incident
    history = q(ds.incident_history, incident, end)
    if history.height:
        left, right = st.columns([2, 3])
        with left:
            layout.plotly_chart(
                ds.history_figure(history), key="dsp_history", config=charts.plotly_config("争议处置状态历史")
            )
        with right:
            hist = history.with_columns(
                pl.when(pl.col("changed")).then(pl.lit("状态变化")).otherwise(pl.lit("")).alias("变化"),
                pl.col("amount_wan").cast(pl.Float64),
            ).select(
                pl.col("period").alias("统计期"),
                pl.col("status").alias("处置状态"),
                "变化",
                pl.col("workers").alias("涉及人数"),
                pl.col("amount_wan").alias("涉案金额（万元）"),
                pl.col("notes").alias("处置情况"),
            )
            st.dataframe(
                hist,
                hide_index=True,
                width="stretch",
                height=min(35 * (hist.height + 1) + 3, 320),
                column_config={
                    "涉案金额（万元）": st.column_config.NumberColumn(format="%.2f"),
                    "处置情况": st.column_config.TextColumn(width="large"),
                },
            )
            export.download_xlsx(hist, "争议处置状态历史", label="下载状态历史", key="dl_incident_history")

# ---------------------------------------------------------------- 四、风险预警
st.subheader("四、风险预警清单（在办置顶）")
warnings_frame = q(ds.warnings, warn_query, ds.LIST_LIMIT + 1)
more_warnings = warnings_frame.height > ds.LIST_LIMIT
warnings_frame = warnings_frame.head(ds.LIST_LIMIT)
if warnings_frame.height == 0:
    st.info("所选期间和条件下没有风险预警。", icon=":material/list_alt:")
else:
    wview = (
        warnings_frame.with_columns(pl.col("amount_wan").cast(pl.Float64))
        .select(
            pl.col("level").alias("预警等级"),
            pl.col("status").alias("处置状态"),
            pl.col("region_name").alias("地区"),
            pl.col("found_on").alias("发现日期"),
            pl.col("employer").alias("用人单位名称"),
            pl.col("industry_name").alias("行业"),
            pl.col("risk_type").alias("风险类型"),
            pl.col("workers").alias("涉及人数"),
            pl.col("amount_wan").alias("涉及金额（万元）"),
            pl.col("owner").alias("处置责任单位"),
            pl.col("closed_on").alias("办结日期"),
        )
        .to_pandas()
    )

    def paint_level(value: str) -> str:
        colour = ds.LEVEL_COLORS.get(value)
        text = "#1f2d3d" if value == labels.WARNING_LEVELS[2] else "white"  # dark text on yellow
        return f"background-color: {colour}; color: {text}; font-weight: bold" if colour else ""

    st.dataframe(
        wview.style.map(paint_level, subset=["预警等级"]).format({"涉及金额（万元）": "{:,.2f}"}),
        hide_index=True,
        width="stretch",
        height=min(35 * (len(wview) + 1) + 3, 460),
        column_config={
            "发现日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "办结日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "涉及人数": st.column_config.NumberColumn(format="localized"),
        },
    )
    counted = (
        f"仅显示前 {ds.LIST_LIMIT} 条（在办在前），完整清单请下载"
        if more_warnings
        else f"共 {warnings_frame.height} 条，{labels.WARNING_UNRESOLVED} "
        f"{int((warnings_frame['status'] != labels.WARNING_CLOSED).sum())} 条"
    )
    st.caption(f"{counted}。预警等级：红 > 橙 > 黄 > 蓝；处置状态为截至期末的最近一次报送。")
    lazy_xlsx(
        "下载预警清单",
        f"风险预警清单_{focus_name}（{span}）",
        "dl_warnings",
        lambda: ds.export_warnings(ds.warnings(wh, viewer, warn_query, None)),
    )
