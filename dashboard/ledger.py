"""工作台账 queries: the "五化" closed-loop ledger (forms.md Form C) read as of a month.

The rules live in the warehouse (warehouse/models/macros; docs/CONTRIBUTING.md "Where each rule lives"); this
module only selects through them:
- ledger_as_of(period): each task's latest snapshot reported in or before the month (最近上报月份), with
  未更新 (ledger_stale: not closed and missing from its region's latest ledger up to the month, shown apart and
  never counted as live or 逾期) and 逾期 (ledger_overdue: a live task not closed and due before the month's end);
- focus_children(region): the regions under the focus and the breakdown row each adds up to.
闭环率 = tasks at step 5 ÷ all live tasks, summed over the regions of a roll-up.

Every function takes ``(wh, viewer, ...)`` and enforces the viewer's scope in the query: task rows only for
regions in ``viewer.detail_regions``; unit totals only for ``viewer.visible_units``.
"""

from __future__ import annotations

import polars as pl

from auth.viewer import Viewer
from dashboard.coverage import PROVINCE_NAME, detail_sql, may_see, run, scope_of, units_sql
from dashboard.format import FONT_FAMILY
from etl.regions import PROVINCE_CODE
from warehouse import labels
from warehouse.db import Warehouse

STEPS = ("任务部署", "推进落实", "督导检查", "考核评估", "闭环销号")
STEP_COLORS = ("#9ecae1", "#4292c6", "#fdae6b", "#e6550d", "#31a354")  # 1–4 blue→orange, 5 green (closed)
OVERDUE = labels.LEDGER_OVERDUE
STALE = labels.LEDGER_STALE
WUHUA = ("任务清单化", "工作图表化", "操作手册化", "标准模板化", "专班机制化")


def _tasks_cte() -> str:
    """CTE ``tasks``: the ledger as of $period (warehouse macro ledger_as_of: each task's latest snapshot, its
    stale / overdue state) for the regions under $region (warehouse macro focus_children: the child row each
    region adds up to), with the region's names."""
    return """
    tasks as (
        select
            a.*,
            r.region_name,
            r.unit_name,
            f.child_code,
            f.child_name,
            f.child_level
        from ledger_as_of($period) as a
        join focus_children($region) as f using (region_code)
        join v_region as r using (region_code)
    )
    """


def level_of(wh: Warehouse, region: str) -> str:
    """'province', 'unit' or 'region' (a county, district, zone or a city's own bodies)."""
    if region == PROVINCE_CODE:
        return "province"
    info = wh.region_index().get(region)
    if info is not None and info.unit_code == info.code:
        return "unit"
    return "region"


def focus_members(wh: Warehouse, region: str, detail: list[str] | None = None) -> list[str] | None:
    """Region codes a query over ``region`` needs (None = all, for 全省), within ``detail`` when given: pushed
    into the scan so a unit's or a county's page reads only its own rows. The regions under a focus are those of
    the warehouse macro focus_children."""
    codes = None
    if level_of(wh, region) != "province":
        codes = set(run(wh, "select region_code from focus_children($region)", {"region": region})["region_code"])
    if detail is not None:
        codes = set(detail) if codes is None else codes & set(detail)
    return None if codes is None else sorted(codes)


def step_counts(wh: Warehouse, viewer: Viewer, period: str, region: str = PROVINCE_CODE) -> pl.DataFrame:
    """Tasks per step for the children of ``region`` (全省 → units, unit → its regions, region → itself), with a
    first total row for ``region`` itself.

    Columns: region_code, region_name, level ('total'|'child'), step_1…step_5, total, closed, closure_rate
    (closed/total), overdue, stale. Live tasks only in the steps, total, closed and overdue; stale tasks (未更新,
    warehouse macro ledger_stale) only in ``stale``. Rows the viewer may not see never leave the query.
    """
    if not may_see(wh, viewer, region):
        return _empty_counts()
    scope = scope_of(wh, viewer)
    frame = run(
        wh,
        f"""
        with {_tasks_cte()},
        children as (
            select * from tasks
            where (child_level = 'unit' and {units_sql("child_code")})
               or (child_level = 'region' and {detail_sql("child_code")})
        ),
        counted as (
            select
                'child' as level,
                child_code as region_code,
                child_name as region_name,
                {_count_columns()}
            from children
            group by child_code, child_name
            union all
            select
                'total' as level,
                $region as region_code,
                $region_name as region_name,
                {_count_columns()}
            from tasks
            having count(*) > 0
        )
        select *, closed / nullif(total, 0) as closure_rate
        from counted
        order by (level <> 'total'), region_code
    """,
        {
            "period": period,
            "region": region,
            "region_name": _name(wh, region),
            "detail": scope.detail,
            "units": scope.units,
        },
    )
    if level_of(wh, region) == "region":
        frame = frame.filter(pl.col("level") == "total")
    return frame


def _count_columns() -> str:
    """Live tasks per step, in all, closed and overdue; stale tasks apart (a closed task is never stale)."""
    steps = ",\n                ".join(
        f"count(*) filter (where step = {i} and not stale) as step_{i}" for i in range(1, 6)
    )
    return (
        f"{steps},\n                count(*) filter (where not stale) as total,\n"
        f"                count(*) filter (where step = 5) as closed,\n"
        f"                count(*) filter (where overdue) as overdue,\n"
        f"                count(*) filter (where stale) as stale"
    )


def _name(wh: Warehouse, region: str) -> str:
    if region == PROVINCE_CODE:
        return PROVINCE_NAME
    info = wh.region_index().get(region)
    return info.name if info else region


def _empty_counts() -> pl.DataFrame:
    schema = {"level": pl.Utf8, "region_code": pl.Utf8, "region_name": pl.Utf8}
    schema.update({f"step_{i}": pl.Int64 for i in range(1, 6)})
    schema.update(
        {"total": pl.Int64, "closed": pl.Int64, "overdue": pl.Int64, "stale": pl.Int64, "closure_rate": pl.Float64}
    )
    return pl.DataFrame(schema=schema)


TASK_LIMIT = 500


SHOW = ("live", "overdue", "stale")  # the task list: the live ledger, its overdue tasks, the stale (未更新) tasks


def _task_detail(wh: Warehouse, viewer: Viewer, region: str) -> list:
    """The regions whose tasks the viewer may list under `region` (none under a region it may not open)."""
    return scope_of(wh, viewer).detail if region == PROVINCE_CODE or may_see(wh, viewer, region) else []


def tasks(
    wh: Warehouse,
    viewer: Viewer,
    period: str,
    region: str = PROVINCE_CODE,
    *,
    show: str = "live",
    steps: list[int] | None = None,
    limit: int | None = TASK_LIMIT,
) -> pl.DataFrame:
    """The tasks under ``region`` the viewer may see in detail, as of ``period``: ``show`` 'live' (the ledger:
    every task but the stale ones, as counted by :func:`step_counts`), 'overdue' (its overdue tasks) or 'stale'
    (未更新: missing from its region's latest ledger, warehouse macro ledger_stale). Overdue first (longest
    overdue first), then by step and due date; stale tasks the longest unreported first.

    Columns: region_code, region_name, unit_name, task_id, task, category, lead_unit, responsible_unit,
    task_force_lead, playbook, target_value, done_value, completion (done/target), due_on, step, step_name,
    overdue, days_overdue, stale, stale_since (first ledger of its region without it), closed_on, progress,
    evidence, last_reported_period (最近上报月份), ledger_period (its region's latest ledger). At most ``limit``
    rows (the first in this order); ``limit=None`` for the whole list (downloads).
    """
    if show not in SHOW:
        raise ValueError(f"show must be one of {SHOW}: {show!r}")
    detail = _task_detail(wh, viewer, region)
    return run(
        wh,
        f"""
        with {_tasks_cte()}
        select
            * exclude (period, child_code, child_name, child_level),
            cast(done_value as double) / nullif(target_value, 0) as completion,
            period as last_reported_period
        from tasks
        where {detail_sql("region_code")}
          and case $show when 'stale' then stale when 'overdue' then overdue else not stale end
          and (cast($steps as integer[]) is null or list_contains(cast($steps as integer[]), step))
        order by overdue desc, days_overdue desc nulls last, case when stale then period end nulls last, step, due_on,
                 region_code, task_id
        limit cast($limit as bigint)
    """,
        {"period": period, "limit": limit, "region": region, "detail": detail, "show": show, "steps": steps},
    )


def list_counts(wh: Warehouse, viewer: Viewer, period: str, region: str = PROVINCE_CODE) -> dict[str, int]:
    """How many rows the task list holds for each of SHOW — the tasks this viewer may see in detail (a county
    clerk looking at its city sees the city's totals but only its own county's tasks), so the filter's counts
    never promise rows the list hides. One counting query over the rows :func:`tasks` filters (same CTE, same
    detail scope, same 'live' / 'overdue' / 'stale' conditions)."""
    detail = _task_detail(wh, viewer, region)
    row = run(
        wh,
        f"""
        with {_tasks_cte()}
        select
            count(*) filter (where not stale) as live,
            count(*) filter (where not stale and overdue) as overdue,
            count(*) filter (where stale) as stale
        from tasks
        where {detail_sql("region_code")}
    """,
        {"period": period, "region": region, "detail": detail},
    ).row(0, named=True)
    return {key: int(row[key] or 0) for key in ("live", "overdue", "stale")}


def task_history(
    wh: Warehouse, viewer: Viewer, region_code: str, task_id: str, until: str | None = None
) -> pl.DataFrame:
    """Every monthly snapshot of one task (oldest first): period, step, step_name, done/target, progress, and
    ``changed`` when the step differs from the month before. Empty outside the viewer's detail scope."""
    scope = scope_of(wh, viewer)
    return run(
        wh,
        f"""
        with history as (
            select period, step, step_name, target_value, done_value, progress
            from page_ledger_snapshots
            where region_code = $region and task_id = $task and {detail_sql("region_code")}
              and (cast($until as varchar) is null or period <= $until)
        )
        select
            *,
            coalesce(step <> lag(step) over (order by period), true) as changed
        from history
        order by period
    """,
        {"region": region_code, "task": task_id, "detail": scope.detail, "until": until},
    )


def step_spans(history: pl.DataFrame) -> pl.DataFrame:
    """Months a task spent in each step it went through (from its history), in order of first entry:
    step, step_name, first period, last period, months."""
    if history.height == 0:
        return pl.DataFrame(
            schema={"step": pl.Int32, "step_name": pl.Utf8, "from": pl.Utf8, "to": pl.Utf8, "months": pl.UInt32}
        )
    runs = history.with_columns(pl.col("changed").cast(pl.Int32).cum_sum().alias("_run"))
    return (
        runs.group_by("_run", maintain_order=True)
        .agg(
            pl.col("step").first(),
            pl.col("step_name").first(),
            pl.col("period").first().alias("from"),
            pl.col("period").last().alias("to"),
            pl.len().alias("months"),
        )
        .drop("_run")
    )


EXPORT_HEADERS = {
    "region_name": "地区",
    "task_id": "任务编号",
    "task": "任务事项",
    "category": "任务类别",
    "lead_unit": "牵头单位",
    "responsible_unit": "责任单位",
    "task_force_lead": "专班负责人",
    "playbook": "操作手册/标准模板",
    "target_value": "目标值",
    "done_value": "完成值",
    "completion": "完成率（%）",
    "due_on": "计划完成时限",
    "step_name": "当前环节",
    "overdue": "是否逾期",
    "days_overdue": "逾期天数",
    "closed_on": "闭环日期",
    "progress": "进展情况",
    "evidence": "佐证材料",
    "last_reported_period": "最近上报月份",
    "stale_since": "未更新起始月份",
}


def export_tasks(frame: pl.DataFrame) -> pl.DataFrame:
    """Task rows with Chinese headers for .xlsx download."""
    if frame.height == 0 and "task_id" not in frame.columns:
        return pl.DataFrame(schema={v: pl.Utf8 for v in EXPORT_HEADERS.values()})
    out = (
        frame.with_columns(
            (pl.col("completion") * 100).round(1),
            pl.col("step").cast(pl.Utf8) + " " + pl.col("step_name"),
            pl.when(pl.col("overdue")).then(pl.lit("是")).otherwise(pl.lit("否")).alias("overdue"),
        )
        .drop("step_name")
        .rename({"step": "step_name"})
    )
    return out.select([pl.col(k).alias(v) for k, v in EXPORT_HEADERS.items()])


def export_counts(frame: pl.DataFrame) -> pl.DataFrame:
    """Step counts with Chinese headers for .xlsx download."""
    cols = [pl.col("region_code").alias("地区代码"), pl.col("region_name").alias("地区")]
    cols += [pl.col(f"step_{i}").alias(f"{i} {name}") for i, name in enumerate(STEPS, start=1)]
    cols += [
        pl.col("total").alias("任务总数"),
        pl.col("closed").alias("已闭环"),
        (pl.col("closure_rate") * 100).round(1).alias("闭环率（%）"),
        pl.col("overdue").alias(f"{OVERDUE}任务"),
        pl.col("stale").alias(f"{STALE}任务"),
    ]
    return frame.select(cols)


# ------------------------------------------------------------------ figures (plotly specs, no Streamlit)


def pipeline_figure(total: dict):
    """One horizontal bar split into the five steps in order (任务部署 → 闭环销号), each segment labelled
    with its count: the focus region's whole ledger at a glance."""
    import plotly.graph_objects as go

    fig = go.Figure()
    whole = max(1, int(total["total"] or 0))
    for i, (name, color) in enumerate(zip(STEPS, STEP_COLORS), start=1):
        n = int(total[f"step_{i}"] or 0)
        fig.add_trace(
            go.Bar(
                x=[n],
                y=[""],
                orientation="h",
                name=f"{i} {name}",
                marker_color=color,
                text=[f"{i} {name}<br><b>{n}</b> 项" if n / whole >= 0.06 else (f"<b>{n}</b>" if n else "")],
                textposition="inside",
                insidetextanchor="middle",
                textfont=dict(size=13, color="white" if i in (2, 4, 5) else "#1f2d3d"),
                hovertemplate=f"{i} {name}：%{{x}} 项（占 %{{customdata:.1%}}）<extra></extra>",
                customdata=[n / whole],
            )
        )
    fig.update_layout(
        barmode="stack",
        height=120,
        margin=dict(l=0, r=0, t=8, b=0),
        showlegend=True,
        legend=dict(orientation="h", y=-0.15, x=0, traceorder="normal"),
        xaxis=dict(visible=False, range=[0, whole]),
        yaxis=dict(visible=False),
        font=dict(family=FONT_FAMILY),
        plot_bgcolor="white",
    )
    return fig


BARS_LIMIT = 25


def steps_figure(counts: pl.DataFrame, title: str = "", limit: int = BARS_LIMIT):
    """Stacked horizontal bars per region (child rows of :func:`step_counts`) in step order with distinct
    colours; the right margin carries 闭环率 (closed/total) and the number of overdue tasks in red.
    Each bar's customdata[0] is its region code (for click-to-drill). More than ``limit`` regions: the
    ``limit`` with the lowest 闭环率."""
    import plotly.graph_objects as go

    from dashboard.format import short_name

    # plotly draws the first category at the bottom: highest 闭环率 first puts the laggards on top
    data = counts.filter(pl.col("level") == "child").sort(
        ["closure_rate", "region_code"], descending=[True, True], nulls_last=False
    )
    if data.height > limit:
        data = data.tail(limit)
        title = f"{title}（闭环率最低的{limit}个）" if title else title
    names = [short_name(n) for n in data["region_name"].to_list()]
    codes = data["region_code"].to_list()
    top = max([int(t) for t in data["total"].to_list()] or [1])
    fig = go.Figure()
    for i, (name, color) in enumerate(zip(STEPS, STEP_COLORS), start=1):
        values = data[f"step_{i}"].to_list()
        fig.add_trace(
            go.Bar(
                x=values,
                y=names,
                orientation="h",
                name=f"{i} {name}",
                marker_color=color,
                text=[v if v else "" for v in values],
                textposition="inside",
                insidetextanchor="middle",
                textfont=dict(size=11),
                customdata=[[c, name] for c in codes],
                hovertemplate="%{y} · %{customdata[1]}：%{x} 项<extra></extra>",
            )
        )
    labels = []
    for row in data.iter_rows(named=True):
        rate = "—" if row["closure_rate"] is None else f"{100 * row['closure_rate']:.1f}%"
        text = f"闭环率 {rate}（{row['closed']}/{row['total']}）"
        if row["overdue"]:
            text += f"  <span style='color:#d7301f'><b>{OVERDUE} {row['overdue']}</b></span>"
        if row.get("stale"):
            text += f"  <span style='color:#737373'>{STALE} {row['stale']}</span>"
        labels.append(text)
    fig.add_trace(
        go.Scatter(
            x=[top * 1.02] * len(names),
            y=names,
            mode="text",
            text=labels,
            textposition="middle right",
            textfont=dict(size=11, color="#333333"),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.update_layout(
        barmode="stack",
        height=max(240, 30 * len(names) + 110),
        margin=dict(l=8, r=8, t=70 if title else 40, b=20),
        xaxis=dict(range=[0, top * 1.75], title=None, showgrid=True, gridcolor="#eeeeee", dtick=None),
        yaxis=dict(title=None),
        font=dict(family=FONT_FAMILY),
        plot_bgcolor="white",
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0, traceorder="normal"),
        title=dict(text=title, x=0, font_size=15) if title else None,
        clickmode="event+select",
    )
    return fig


def history_figure(history: pl.DataFrame, title: str = ""):
    """A task's step month by month: a step line over the five steps, markers coloured by step."""
    from dashboard.charts import state_steps

    steps = history["step"].to_list()
    return state_steps(
        history["period"].to_list(),
        steps,
        [f"{i} {n}" for i, n in enumerate(STEPS, start=1)],
        [STEP_COLORS[s - 1] for s in steps],
        [f"{s} {n}" for s, n in zip(steps, history["step_name"].to_list())],
        height=260,
        title=title,
    )
