"""风险预警: early-warning signals (监测—预警—处置—反馈) by severity, unit × industry heat, the trend of signals
by month and level, the filterable list, and one signal's evidence, history and 处置/反馈 forms."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, common, export, layout, state
from dashboard import format as fmt
from dashboard import signals as sq
from dashboard.layout import cached
from dashboard.runtime import warehouse
from dashboard.session import current_viewer
from warehouse import labels
from warehouse import signals as engine

LIST_LIMIT = 500


wh = warehouse()
viewer = current_viewer()
layout.header(
    "风险预警",
    wh,
    "监测—预警—处置—反馈：数据入库时按七类规则自动生成预警信号，责任单位登记处置措施、办结反馈；条件恶化时自动重新打开",
)
periods = cached(common.periods, wh, None)
if not periods:
    layout.empty_state()
    st.stop()
flt = state.filters(periods, cached(common.region_choices, wh, viewer))
# page queries through the page cache (keyed on the generation, which every 处置/反馈 written here moves)
signals = cached(sq.signal_list, wh, viewer, period=flt.period, region=flt.region, industry=flt.industry)
month = fmt.period_label(flt.period)

# ---------------------------------------------------------------- 一、severity tiles
counts = sq.level_counts(signals)
flow = cached(sq.month_flow, wh, viewer, period=flt.period, region=flt.region, industry=flt.industry)
tiles = st.columns(5)
for tile, level in zip(tiles, sq.LEVELS):
    with tile.container(border=True):
        # a short title that fits a fifth of the page; what is counted (未办结) is said under the figure
        st.metric(
            f"{sq.LEVEL_MARKS[level]} {sq.LEVEL_NAMES[level]}预警",
            fmt.count(counts[level], " 条"),
            help=f"{labels.SIGNAL_STATUS['new']} + {labels.SIGNAL_STATUS['acknowledged']}的信号数（所选月份及以前出现、尚未办结）",
        )
        st.caption(labels.SIGNAL_OPEN)
with tiles[4].container(border=True):
    st.metric(f"{month}新出现", fmt.count(flow["appeared"], " 条"), help="本月新出现或重新打开的信号（含其后已办结的）")
    st.caption(f"本月办结反馈 {fmt.count(flow['closed'])} 条 · 条件解除 {fmt.count(flow['resolved'])} 条")

summary = sq.headline(wh, signals)
if summary:
    st.markdown(f":red-background[{summary}]")
elif sum(counts.values()) == 0:
    st.success(f"截至{month}，所选范围内没有未办结的预警信号。", icon=":material/check_circle:")
else:
    st.info("所选范围内没有未办结的红色、橙色预警。", icon=":material/info:")

# ---------------------------------------------------------------- 二、heat and trend
left, right = st.columns([3, 2])
with left:
    heat = cached(sq.heat, wh, viewer, period=flt.period, region=flt.region, industry=flt.industry)
    st.markdown("**风险分布：单位 × 行业**")
    if heat.height == 0 or heat["n"].sum() == 0:
        st.caption("所选范围内没有未办结的预警信号。")
    else:
        rows, left_out = sq.heat_rows(heat)
        fig = sq.heat_figure(heat, rows)
        layout.plotly_chart(
            fig,
            config=charts.plotly_config("风险分布"),
            width="stretch",
            key="risk_heat",
        )
        st.caption(
            "格中数字为未办结的信号数；颜色为风险分值（红色 4、橙色 3、黄色 2、蓝色 1 分相加）。"
            "“不分行业”为迟报未报、成功率下降、建设进度等不按行业判断的信号。" + (f"{left_out}。" if left_out else "")
        )
with right:
    st.markdown("**各月预警信号数（按级别）**")
    trend = cached(sq.trend, wh, viewer, period=flt.period, region=flt.region, industry=flt.industry)
    if trend.height == 0:
        st.caption("所选范围内还没有预警信号的记录。")
    else:
        fig = sq.trend_figure(trend)
        layout.plotly_chart(
            fig,
            config=charts.plotly_config("各月预警信号数"),
            width="stretch",
            key="risk_trend",
        )
        st.caption("每月预警条件成立的信号数（含之后已办结的）；持续未化解的事件每月计一次。")

# ---------------------------------------------------------------- 三、the list
st.subheader("预警信号清单", divider="gray")
f1, f2, f3 = st.columns([2, 2, 3])
latest = flt.period == periods[-1]  # the current month: what is still open; an earlier month: everything it had
status_pick = f1.multiselect(
    "状态",
    list(engine.STATUSES),
    default=["new", "acknowledged"] if latest else list(engine.STATUSES),
    format_func=lambda s: sq.STATUS_NAMES[s],
    placeholder="请选择",
    key=f"risk_status_{'now' if latest else 'past'}",
)
level_pick = f2.multiselect(
    "级别",
    list(sq.LEVELS),
    default=list(sq.LEVELS),
    format_func=lambda lv: sq.LEVEL_NAMES[lv],
    placeholder="请选择",
    key="risk_level",
)
rule_pick = f3.multiselect(
    "规则",
    list(sq.RULE_NAMES),
    default=list(sq.RULE_NAMES),
    format_func=lambda r: f"{r} {sq.RULE_NAMES[r]}",
    placeholder="请选择",
    key="risk_rule",
)
shown = (
    signals.filter(
        pl.col("status").is_in(status_pick) & pl.col("level").is_in(level_pick) & pl.col("rule").is_in(rule_pick)
    )
    if signals.height
    else signals
)
st.caption(
    f"{month}：共 {fmt.count(shown.height)} 条（条件在本月成立的信号，以及此前出现、尚未办结的信号）。"
    "按级别、状态排序。"
)
if shown.height:
    columns = [
        pl.col("level_label").alias("级别"),
        pl.col("rule_label").alias("规则"),
        pl.col("region_label").alias("地区"),
        pl.col("industry_label").alias("行业"),
        pl.col("period_label").alias("统计期"),
        pl.col("title").alias("预警"),
        pl.col("status_label").alias("状态"),
        pl.col("opened_period").map_elements(fmt.period_label, return_dtype=pl.Utf8).alias("出现于"),
    ]
    # the most severe first; a province with thousands of open signals shows the first LIST_LIMIT on screen
    # (styling and a selectbox over all of them would make every rerun slow) and downloads the whole list
    listed = shown.head(LIST_LIMIT)
    table = listed.select(columns).to_pandas()
    colours = {sq.LEVEL_NAMES[lv]: sq.LEVEL_COLORS[lv] for lv in sq.LEVELS}
    styled = table.style.map(
        lambda v: f"background-color: {colours.get(v, '')}; color: white; font-weight: 600" if v in colours else "",
        subset=["级别"],
    )
    st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        height=min(420, 38 + 35 * listed.height),
        column_config={
            "预警": st.column_config.TextColumn(width="large"),
            "级别": st.column_config.TextColumn(width="small"),
        },
    )
    if shown.height > LIST_LIMIT:
        st.caption(f"清单较长，页面仅显示最严重的前 {LIST_LIMIT} 条；完整清单请下载。")
    export.download_xlsx(
        shown.select(columns), f"预警信号清单_{month}", label="下载完整清单（Excel）", key="risk_list_xlsx"
    )

# ---------------------------------------------------------------- 四、one signal: evidence, history, 处置/反馈
if shown.height:
    st.subheader("预警详情与处置", divider="gray")
    ids = listed["signal_id"].to_list()
    wanted = st.query_params.get("signal")
    if wanted and wanted not in ids and wanted in set(shown["signal_id"].to_list()):
        ids.append(wanted)  # a pasted link to a signal further down the list still opens it
    titles = dict(
        zip(
            shown["signal_id"],
            (
                f"【{sq.LEVEL_NAMES[lv]}】{t}（{s}）"
                for lv, t, s in zip(shown["level"], shown["title"], shown["status_label"])
            ),
        )
    )
    sid = st.selectbox(
        "选择预警信号",
        ids,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=lambda i: titles[i],
        placeholder="请选择",
        key="risk_signal",
    )
    if st.query_params.get("signal") != sid:
        st.query_params["signal"] = sid
    sig = sq.signal(wh, viewer, sid)
    if sig is None:  # outside the viewer's scope (a pasted link): nothing is shown
        st.warning("该预警信号不存在或不在您的查看范围内。")
        st.stop()
    box = st.container(border=True)
    box.markdown(f"#### {sq.LEVEL_MARKS[sig['level']]} {sq.md_text(sig['title'])}")
    box.caption(
        f"{sig['rule_label']} · {sq.md_text(sig['region_label'])} · {sig['industry_label']} · "
        f"统计期 {sig['period_label']} · 出现于 {fmt.period_label(sig['opened_period'])}"
        + (f"（首次 {fmt.period_label(sig['first_period'])}）" if sig["opened_period"] != sig["first_period"] else "")
        + " · "
        f"状态：{sig['status_label']}" + ("" if sig["active"] else " · 预警条件已解除")
    )
    box.markdown(sq.md_text(sig["explanation"]))

    evidence = sq.evidence(wh, viewer, sid)
    tabs = st.tabs([f"证据：{label}" for label, _ in evidence] + ["处置记录"])
    for tab, (_label, frame) in zip(tabs, evidence):
        with tab:
            if frame.height:
                st.dataframe(frame, hide_index=True, width="stretch")
            else:
                st.caption("没有可显示的数据行。")
    with tabs[-1]:
        steps = sq.history(wh, viewer, sid)
        st.dataframe(
            steps,
            hide_index=True,
            width="stretch",
            column_config={
                "时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                "说明": st.column_config.TextColumn(width="large"),
            },
        )

    if sq.may_act(wh, viewer, sig):

        def act(step, text: str, done: str) -> None:
            try:
                step(wh, viewer, sid, text)
            except (engine.SignalActionError, PermissionError) as problem:
                st.error(str(problem))
            else:
                st.toast(done, icon=":material/check_circle:")
                st.rerun()

        if sig["status"] == "closed":
            st.caption("该预警已办结；按以后入库的数据条件恶化时，系统会自动重新打开。")
        else:
            c_ack, c_close = st.columns(2)
            with c_ack.form("risk_ack", clear_on_submit=True, border=True):
                st.markdown("**处置**：登记已采取的措施")
                text = st.text_area(
                    "处置措施（必填）",
                    placeholder="例如：已成立工作专班，约谈企业负责人，督促制定清偿计划",
                    max_chars=engine.MAX_NOTE,
                    key="risk_ack_text",
                )
                if st.form_submit_button("提交处置", type="primary"):
                    act(engine.acknowledge, text, "已登记处置措施")
            with c_close.form("risk_close", clear_on_submit=True, border=True):
                st.markdown("**反馈**：处置完成后办结")
                text = st.text_area(
                    "办结反馈（必填）",
                    placeholder="例如：企业已全额支付拖欠工资，劳动者撤回投诉",
                    max_chars=engine.MAX_NOTE,
                    key="risk_close_text",
                    disabled=sig["status"] != "acknowledged",
                )
                if st.form_submit_button("办结", disabled=sig["status"] != "acknowledged"):
                    act(engine.close, text, f"{labels.SIGNAL_STATUS['closed']}")
                if sig["status"] != "acknowledged":
                    st.caption("先登记处置措施，再办结反馈。")
    elif viewer.role == "leader":
        st.caption("省级领导为只读：处置和办结由责任单位（市、县人社局）或省级管理员登记。")
    else:
        st.caption("该预警由其责任单位处置；您可以查看，不能登记处置或办结。")

# ---------------------------------------------------------------- 五、rules in force
with st.expander("预警规则与阈值（现行标准）"):
    st.dataframe(
        sq.rules_in_force(),
        hide_index=True,
        width="stretch",
        column_config={"阈值": st.column_config.TextColumn(width="large")},
    )
    st.caption(
        "规则与阈值由省级统一设定，全省一致。"
        + ("修改方法见“参数设置”页；修改后点击下方按钮重新计算。" if viewer.role == "admin" else "")
    )
    if viewer.role == "admin" and st.button("按现行标准重新计算全部预警", key="risk_refresh"):
        with st.spinner("正在逐月重新计算……"):
            done = engine.refresh_all(wh)
        st.success(
            f"已重新计算：新增 {done['new']} 条，重新打开 {done['reopened']} 条，条件解除 {done['resolved']} 条。"
        )
