"""工作台账: the "五化" closed-loop ledger — province → unit → county → task, each region's tasks in the five
steps, 闭环率, overdue tasks first, and a task's step history with its 专班负责人 and 操作手册/标准模板."""

from __future__ import annotations

import pandas as pd
import polars as pl
import streamlit as st

from dashboard import charts, common, export, layout, state
from dashboard import coverage as cov
from dashboard import format as fmt
from dashboard import ledger as lg
from dashboard.runtime import warehouse
from dashboard.session import current_viewer
from etl.regions import PROVINCE_CODE

wh = warehouse()
viewer = current_viewer()
layout.header("工作台账", wh, "“五化”闭环工作台账：任务清单化 · 工作图表化 · 操作手册化 · 标准模板化 · 专班机制化")
periods = common.periods(wh)
if not periods:
    layout.empty_state()
    st.stop()
flt = state.filters(periods, common.region_choices(wh, viewer), show_industry=False)


def q(fn, *args, **kwargs):
    """A query through the page cache (keyed on the warehouse generation and the viewer)."""
    return layout.cached(fn, wh, viewer, *args, **kwargs)


def drill_to(code: str) -> None:
    """Make ``code`` the global region; the task picked in the old region is forgotten."""
    state.drill_to(code, forget=("task",))


def drill_from(key: str) -> None:
    state.drill_from(key, drill_to)


period, focus = flt.period, flt.region
index = wh.region_index()
level = lg.level_of(wh, focus)
counts = q(lg.step_counts, period, focus)
total_rows = counts.filter(pl.col("level") == "total")
if total_rows.height == 0:
    st.info(
        f"截至{fmt.period_label(period)}，所选地区暂无工作台账任务（附件“工作台账”表）。请选择其他月份或地区，或先上报工作台账。",
        icon=":material/inbox:",
    )
    layout.empty_state("工作台账数据")
    st.stop()
total = total_rows.row(0, named=True)
focus_name = "全省" if level == "province" else index.get(focus).name

# ---------------------------------------------------------------- breadcrumb
crumbs = [(PROVINCE_CODE, "全省")] if cov.may_see(wh, viewer, PROVINCE_CODE) else []
if level != "province":
    unit = index.get(focus).unit_code
    if cov.may_see(wh, viewer, unit):
        crumbs.append((unit, index.get(unit).name))
    if level == "region":
        crumbs.append((focus, index.get(focus).name))
if len(crumbs) > 1:
    cols = st.columns(len(crumbs) + 4)
    for col, (code, name) in zip(cols, crumbs):
        col.button(
            name,
            key=f"crumb_{code}",
            on_click=drill_to,
            args=(code,),
            disabled=code == focus,
            icon=":material/chevron_right:" if code != crumbs[0][0] else ":material/home:",
            width="stretch",
        )

# ---------------------------------------------------------------- 一、闭环总览
st.subheader(f"一、{focus_name}闭环进度 · 截至{fmt.period_label(period)}")
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(
    "任务总数",
    fmt.count(total["total"], " 项"),
    help="截至所选月份各任务最近一次上报的状态（任务清单化），含已闭环销号的任务，不含未更新任务。",
)
c2.metric("已闭环销号", fmt.count(total["closed"], " 项"), help="当前环节为“5 闭环销号”的任务数。")
c3.metric("闭环率", fmt.percent(total["closure_rate"]), help=fmt.measure_help("closure_rate"))
c3.caption(f"已闭环 {fmt.count(total['closed'])} / 任务总数 {fmt.count(total['total'])}")
c4.metric(
    f"{lg.OVERDUE}任务",
    fmt.count(total["overdue"], " 项"),
    help=fmt.measure_help("overdue_tasks"),
    delta=f"占在办任务 {fmt.percent(total['overdue'] / max(1, total['total'] - total['closed']))}"
    if total["overdue"]
    else None,
    delta_color="inverse",
)
c5.metric(f"{lg.STALE}任务", fmt.count(total["stale"], " 项"), help=fmt.measure_help("stale_tasks"))
if total["stale"]:
    c5.caption("不计入任务总数、闭环率和逾期，见任务清单")
layout.plotly_chart(
    lg.pipeline_figure(total),
    key="ledger_pipeline",
    config=charts.plotly_config(f"工作台账闭环进度_{focus_name}_{period}"),
)
st.caption("闭环流程：1 任务部署 → 2 推进落实 → 3 督导检查 → 4 考核评估 → 5 闭环销号；任务只有经“闭环销号”才退出台账。")

# ---------------------------------------------------------------- 二、分地区环节分布
children = counts.filter(pl.col("level") == "child")
if level != "region" and children.height:
    child_word = "各单位" if level == "province" else "各县（市、区）"
    st.subheader(f"二、{child_word}任务环节分布")

    def on_bar_select() -> None:
        event = st.session_state.get("ledger_bars")
        points = layout.selected_points(event)
        for point in points:
            data = point.get("customdata")
            if data and cov.may_see(wh, viewer, data[0]):
                drill_to(data[0])
                return

    layout.plotly_chart(
        lg.steps_figure(counts, f"{focus_name}{child_word}工作台账环节分布（按闭环率由低到高）"),
        key="ledger_bars",
        on_select=on_bar_select,
        selection_mode="points",
        config=charts.plotly_config(f"工作台账环节分布_{focus_name}_{period}"),
    )
    st.caption("点击条形可下钻到该地区。闭环率 = 已闭环销号任务数 ÷ 任务总数（先合计再相除）。")
    table = children.with_columns((pl.col("closure_rate") * 100).alias("closure_rate")).select(
        "region_name", *[f"step_{i}" for i in range(1, 6)], "total", "closed", "closure_rate", "overdue", "stale"
    )
    config = {"region_name": st.column_config.TextColumn("地区")}
    config.update(
        {
            f"step_{i}": st.column_config.NumberColumn(f"{i} {name}", format="localized")
            for i, name in enumerate(lg.STEPS, start=1)
        }
    )
    config.update(
        {
            "total": st.column_config.NumberColumn("任务总数", format="localized"),
            "closed": st.column_config.NumberColumn("已闭环", format="localized"),
            "closure_rate": st.column_config.ProgressColumn(
                "闭环率", format="%.1f%%", min_value=0, max_value=100, help=fmt.measure_help("closure_rate")
            ),
            "overdue": st.column_config.NumberColumn(
                f"{lg.OVERDUE}任务", format="localized", help=fmt.measure_help("overdue_tasks")
            ),
            "stale": st.column_config.NumberColumn(
                f"{lg.STALE}任务", format="localized", help=fmt.measure_help("stale_tasks")
            ),
        }
    )
    st.dataframe(
        table, hide_index=True, width="stretch", column_config=config, height=min(35 * (table.height + 1) + 3, 600)
    )
    left, right = st.columns([1, 1], vertical_alignment="bottom")
    with left:
        codes = children["region_code"].to_list()
        names = dict(zip(codes, children["region_name"].to_list()))
        st.selectbox(
            "下钻到地区",
            [None, *codes],
            format_func=lambda c: "（选择地区）" if c is None else names[c],
            placeholder="请选择",
            key="ledger_drill",
            on_change=drill_from,
            args=("ledger_drill",),
        )
    with right:
        export.download_xlsx(
            lg.export_counts(counts),
            f"工作台账环节分布_{focus_name}（{fmt.period_label(period)}）",
            label="下载环节分布表",
            key="dl_counts",
        )

# ---------------------------------------------------------------- 三、任务清单
st.subheader("三、任务清单（逾期任务置顶）")
SHOW_WORDS = {"live": "在账任务", "overdue": f"只看{lg.OVERDUE}", "stale": f"只看{lg.STALE}"}
SHOW_COUNTS = q(lg.list_counts, period, focus)  # the rows the list below can show, not the totals above
url_show = st.query_params.get("show") or ("overdue" if st.query_params.get("overdue") == "1" else "live")
st.query_params.pop("overdue", None)  # the old key of 只看逾期任务: links keep working, the URL says show=overdue
f1, f2 = st.columns([2, 3])
show = f1.radio(
    "任务范围",
    lg.SHOW,
    index=lg.SHOW.index(url_show) if url_show in lg.SHOW else 0,
    horizontal=True,
    format_func=lambda v: f"{SHOW_WORDS[v]}（{fmt.count(SHOW_COUNTS[v])}）",
    key="ledger_show",
    help=f"在账任务：截至所选月份各任务最近一次上报的状态，不含{lg.STALE}任务。"
    f"{lg.STALE}：未闭环，但所在地区最近一期工作台账已不再列出的任务，单独列出。",
)
url_steps = [int(v) for v in (st.query_params.get("steps") or "").split(",") if v in ("1", "2", "3", "4", "5")]
chosen_steps = f2.pills(
    "当前环节",
    list(range(1, 6)),
    selection_mode="multi",
    key="ledger_steps",
    default=url_steps,
    format_func=lambda s: f"{s} {lg.STEPS[s - 1]}",
)
if chosen_steps:
    st.query_params["steps"] = ",".join(str(v) for v in sorted(chosen_steps))
else:
    st.query_params.pop("steps", None)
if show == "live":
    st.query_params.pop("show", None)
else:
    st.query_params["show"] = show
step_filter = sorted(chosen_steps) or None
tasks = q(lg.tasks, period, focus, show=show, steps=step_filter, limit=lg.TASK_LIMIT + 1)
if SHOW_COUNTS["live"] + SHOW_COUNTS["stale"] < total["total"] + total["stale"]:
    st.caption(f"任务清单只列出您可查看明细的地区的任务；{focus_name}其他地区的任务只计入上方合计。")
if tasks.height == 0:
    st.info("没有符合条件的任务。", icon=":material/list_alt:")
else:
    more = tasks.height > lg.TASK_LIMIT
    tasks = shown = tasks.head(lg.TASK_LIMIT)
    columns = [
        pl.col("region_name").alias("地区"),
        pl.col("task_id").alias("任务编号"),
        pl.col("task").alias("任务事项"),
        "当前环节",
        pl.col("last_reported_period").alias("最近上报月份"),
        pl.col("stale_since").alias(f"{lg.STALE}起始月份")
        if show == "stale"
        else pl.col("days_overdue").alias("逾期天数"),
        pl.col("due_on").alias("计划完成时限"),
        pl.col("task_force_lead").alias("专班负责人"),
        pl.col("playbook").alias("操作手册/标准模板"),
        pl.col("target_value").alias("目标值"),
        pl.col("done_value").alias("完成值"),
        pl.col("completion").alias("完成率"),
        pl.col("category").alias("任务类别"),
        pl.col("lead_unit").alias("牵头单位"),
        pl.col("responsible_unit").alias("责任单位"),
        pl.col("progress").alias("进展情况"),
    ]
    view = (
        shown.with_columns(
            (pl.col("step").cast(pl.Utf8) + " " + pl.col("step_name")).alias("当前环节"),
            (pl.col("completion") * 100).alias("completion"),
            pl.format("{} 天", pl.col("days_overdue")).fill_null("").alias("days_overdue"),
            pl.col("last_reported_period").map_elements(fmt.period_label, return_dtype=pl.Utf8),
            pl.col("stale_since").map_elements(fmt.period_label, return_dtype=pl.Utf8),
            *[
                pl.col(c).map_elements(lambda v: f"{v:g}", return_dtype=pl.Utf8).fill_null("—").alias(c)
                for c in ("target_value", "done_value")
            ],
        )
        .select(columns)
        .to_pandas()
    )
    row_colors = [
        "background-color: #fde0dd; color: #a50f15" if o else ("color: #737373" if stale else "")
        for o, stale in zip(shown["overdue"].to_list(), shown["stale"].to_list())
    ]

    def highlight(row: pd.Series) -> list[str]:
        return [row_colors[row.name] for _ in row]

    st.dataframe(
        view.style.apply(highlight, axis=1).format(na_rep="—", precision=0, subset=["完成率"]),
        hide_index=True,
        width="stretch",
        height=min(35 * (len(view) + 1) + 3, 560),
        column_config={
            "任务事项": st.column_config.TextColumn(width="large"),
            "最近上报月份": st.column_config.TextColumn(
                help="截至所选月份，该任务最近一次出现在所在地区工作台账中的月份。"
            ),
            f"{lg.STALE}起始月份": st.column_config.TextColumn(
                help="所在地区自该月起报送的工作台账不再列出此任务（未闭环销号）。"
            ),
            "计划完成时限": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "逾期天数": st.column_config.TextColumn(
                help="未闭环且计划完成时限早于所选月份月末：月末 − 计划完成时限（天）"
            ),
            "专班负责人": st.column_config.TextColumn(help="专班机制化：任务专班的负责人"),
            "操作手册/标准模板": st.column_config.TextColumn(help="操作手册化、标准模板化：任务依据的手册或模板"),
            "完成率": st.column_config.ProgressColumn(
                format="%.0f%%", min_value=0, max_value=100, help="完成值 ÷ 目标值"
            ),
            "进展情况": st.column_config.TextColumn(width="large"),
        },
    )
    if show == "stale":
        counted = (
            f"{lg.STALE}任务{'超过' if more else '共'} {fmt.count(lg.TASK_LIMIT if more else tasks.height)} 项"
            f"（灰色）：未闭环销号，但所在地区此后报送的工作台账不再列出；不计入任务总数、闭环率和逾期，"
            f"请核实后在台账中续报或闭环销号"
        )
    elif show == "overdue" or step_filter:
        counted = f"符合条件的任务{'超过' if more else '共'} {fmt.count(lg.TASK_LIMIT if more else tasks.height)} 项"
    else:
        counted = f"共 {fmt.count(total['total'])} 项，其中逾期 {fmt.count(total['overdue'])} 项（红色底纹）"
        if total["stale"]:
            counted += f"；另有{lg.STALE}任务 {fmt.count(total['stale'])} 项，选“只看{lg.STALE}”查看"
    note = f"；仅显示前 {lg.TASK_LIMIT} 项，完整清单请下载" if more else ""
    st.caption(f"{counted}{note}。逾期 = 未闭环销号且计划完成时限早于所选月份月末（不含{lg.STALE}任务）。")
    stem = f"工作台账任务清单_{focus_name}（{fmt.period_label(period)}）"
    st.download_button(  # the whole list, queried and written only when the button is clicked
        "下载任务清单",
        key="dl_tasks",
        icon=":material/download:",
        on_click="ignore",
        mime=export.XLSX_MIME,
        file_name=export.file_name(stem),
        data=lambda: export.xlsx_bytes(
            lg.export_tasks(lg.tasks(wh, viewer, period, focus, show=show, steps=step_filter, limit=None)),
            sheet_name="任务清单",
            title=stem,
        ),
    )

    # ------------------------------------------------------------ 四、任务环节历史
    st.subheader("四、任务环节历史")
    # The box offers only the tasks listed above (this region, month and filter); its widget key names them, so
    # another region, month or filter starts a new box on the first task: a kept key would let the browser go on
    # showing the previous region's task. The URL's task is honoured when it is listed and the view did not change.
    context = f"{focus}:{period}:{show}:{','.join(map(str, step_filter or []))}"
    if st.session_state.get("ledger_task_context", context) != context:
        st.query_params.pop("task", None)
    st.session_state["ledger_task_context"] = context
    keys = [f"{r}:{t}" for r, t in zip(tasks["region_code"].to_list(), tasks["task_id"].to_list())]
    label_of = {
        f"{r['region_code']}:{r['task_id']}": f"{r['region_name']} · {r['task_id']} · {r['task']}"
        + (f"（{lg.OVERDUE}）" if r["overdue"] else f"（{lg.STALE}）" if r["stale"] else "")
        for r in tasks.iter_rows(named=True)
    }
    wanted = st.query_params.get("task")
    task_key = st.selectbox(
        "选择任务",
        keys,
        index=keys.index(wanted) if wanted in keys else 0,
        format_func=label_of.get,
        placeholder="请选择",
        key=f"ledger_task:{context}",
    )
    st.query_params["task"] = task_key
    region_code, task_id = task_key.split(":", 1)
    row = tasks.filter((pl.col("region_code") == region_code) & (pl.col("task_id") == task_id)).row(0, named=True)
    history = q(lg.task_history, region_code, task_id, period)
    left, right = st.columns([3, 2])
    with left:
        if history.height:
            layout.plotly_chart(
                lg.history_figure(history, "各月所处环节"),
                key="ledger_history",
                config=charts.plotly_config(f"任务环节历史_{task_id}"),
            )
            spans = lg.step_spans(history)
            st.caption(
                "各环节历时："
                + " → ".join(f"{s['step']} {s['step_name']} {s['months']} 个月" for s in spans.iter_rows(named=True))
            )
    with right:
        done = "—" if row["done_value"] is None else f"{row['done_value']:g}"
        target = "—" if row["target_value"] is None else f"{row['target_value']:g}"
        step_text = f"{row['step']} {row['step_name']}"
        if row["overdue"]:
            step_text += f"（{lg.OVERDUE} {row['days_overdue']} 天）"
        elif row["stale"]:
            step_text += f"（{lg.STALE}：自{fmt.period_label(row['stale_since'])}起台账不再列出）"
        attributes = pd.DataFrame(
            {
                "项目": [
                    "任务事项",
                    "任务类别",
                    "当前环节",
                    "最近上报月份",
                    "计划完成时限",
                    "专班负责人",
                    "操作手册/标准模板",
                    "目标值 / 完成值",
                    "牵头单位",
                    "责任单位",
                    "闭环日期",
                    "佐证材料",
                ],
                "内容": [
                    row["task"],
                    row["category"],
                    step_text,
                    fmt.period_label(row["last_reported_period"]),
                    str(row["due_on"] or "—"),
                    row["task_force_lead"],
                    row["playbook"],
                    f"{target} / {done}",
                    row["lead_unit"],
                    row["responsible_unit"],
                    str(row["closed_on"] or "—"),
                    row["evidence"] or "—",
                ],
            }
        )
        st.dataframe(
            attributes,
            hide_index=True,
            width="stretch",
            height=35 * 13 + 3,
            column_config={
                "项目": st.column_config.TextColumn(width="medium"),
                "内容": st.column_config.TextColumn(width="large"),
            },
        )
    if history.height:
        hist_view = history.with_columns(
            (pl.col("step").cast(pl.Utf8) + " " + pl.col("step_name")).alias("环节"),
            pl.when(pl.col("changed")).then(pl.lit("环节变化")).otherwise(pl.lit("")).alias("变化"),
            *[
                pl.col(c).map_elements(lambda v: f"{v:g}", return_dtype=pl.Utf8).fill_null("—").alias(c)
                for c in ("target_value", "done_value")
            ],
        ).select(
            pl.col("period").alias("统计期"),
            "环节",
            "变化",
            pl.col("target_value").alias("目标值"),
            pl.col("done_value").alias("完成值"),
            pl.col("progress").alias("进展情况"),
        )
        st.dataframe(
            hist_view,
            hide_index=True,
            width="stretch",
            height=min(35 * (hist_view.height + 1) + 3, 640),
            column_config={"进展情况": st.column_config.TextColumn(width="large")},
        )
        export.download_xlsx(
            hist_view, f"任务环节历史_{row['region_name']}_{task_id}", label="下载环节历史", key="dl_task_history"
        )
