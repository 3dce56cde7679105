"""重大集体争议 queries: incidents (form A sheet 重大集体争议) and risk warnings (sheet 预警信息).

A time range [start, end] of months selects the incidents/warnings reported in at least one of its months;
each is shown in its state as of ``end`` (its latest report in or before ``end``), read from every report
(mart_major_dispute_reports / mart_risk_warning_reports, materialised as the serving tables page_dispute_reports /
page_warning_reports, warehouse/models/serving). Ids are those of v_major_disputes / v_risk_warnings.

Every function takes ``(wh, viewer, ...)`` and enforces the viewer's scope in the query: incident and
warning rows only for regions in ``viewer.detail_regions``; counts by unit only for ``visible_units``.
Employer names, owners and notes are user data: pages show them as plain text only.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from auth.viewer import Viewer
from dashboard import periods
from dashboard.coverage import PROVINCE_NAME, detail_sql, may_see, run, scope_of, units_sql
from dashboard.format import FONT_FAMILY, HEAT_ROWS
from dashboard.ledger import focus_members
from etl.regions import PROVINCE_CODE
from warehouse import labels
from warehouse.db import Warehouse

DISPUTE_STATUSES = labels.DISPUTE_STATUSES
WARNING_STATUSES = labels.WARNING_STATUSES
LEVELS = labels.WARNING_LEVELS
LEVEL_COLORS = dict(zip(LEVELS, ("#d7301f", "#fc8d59", "#fdd049", "#4a90d9")))
STATUS_COLORS = {
    labels.DISPUTE_OPEN: "#d7301f",
    labels.DISPUTE_IN_PROGRESS: "#fc8d59",
    labels.DISPUTE_RESOLVED: "#31a354",
    labels.WARNING_OPEN: "#d7301f",
    labels.WARNING_CLOSED: "#31a354",
}
SPANS = {"1": "当月", "3": "近3个月", "6": "近6个月", "12": "近12个月", "all": "全部"}


@dataclass(frozen=True)
class Query:
    """The page's filters: months [start, end], focus region, industry, statuses, levels, major only."""

    start: str | None
    end: str
    region: str = PROVINCE_CODE
    industry: str | None = None
    statuses: tuple[str, ...] | None = None
    levels: tuple[str, ...] | None = None  # warnings only
    major_only: bool = True  # incidents only

    def params(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "region": self.region,
            "industry": self.industry,
            "statuses": list(self.statuses) if self.statuses else None,
            "levels": list(self.levels) if self.levels else None,
            "major_only": self.major_only,
        }


def span_start(end: str, span: str) -> str | None:
    """First month of a span ending at ``end`` ('3' → two months earlier; 'all' → None)."""
    if span == "all" or not span.isdigit():
        return None
    return periods.shift(end, -(int(span) - 1))


# the focus region's rows: regions under $region (warehouse macro focus_children, the one drill-down rule)
_FOCUS = "region_code in (select region_code from focus_children($region))"

# The as-of rule is the warehouse macro reports_as_of over the serving tables of mart_major_dispute_reports /
# mart_risk_warning_reports (warehouse/models/serving), keyed by the incident's / warning's id (forms.md identity,
# the ids of v_major_disputes / v_risk_warnings). ``$members`` (region codes, NULL = all) narrows the items.
# Where an item is: its region and the region's unit (v_region), the same columns for incidents and warnings.
_REGION_COLUMNS = "g.region_code, r.region_name, r.kind, r.unit_code, r.unit_name"

# The latest reports with their region and industry, narrowed by the page's 行业 and 状态 filters.
_FROM_GROUPED = """from grouped as g
        join v_region as r using (region_code)
        left join ref_industry as ind on ind.code = g.industry
        where (cast($industry as varchar) is null or g.industry = $industry)
          and (cast($statuses as varchar[]) is null or list_contains(cast($statuses as varchar[]), g.status))"""


def _latest(table: str, key: str) -> str:
    """The CTE ``grouped``: each item's latest report at or before $end, reported within [$start, $end], in $members."""
    return f"""grouped as (
        select *
        from reports_as_of('{table}', '{key}', $start, $end)
        where cast($members as varchar[]) is null or list_contains(cast($members as varchar[]), region_code)
    )"""


def _incidents(wh: Warehouse) -> str:
    return f"""
    {_latest("page_dispute_reports", "incident_id")},
    judged as (
        select
            g.incident_id,
            {_REGION_COLUMNS},
            g.occurred_on as occurred_on,
            g.employer as employer,
            g.credit_code as credit_code,
            g.industry as industry_code,
            ind.name as industry_name,
            g.workers as workers,
            g.amount_wan as amount_wan,
            g.dispute_type as dispute_type,
            g.escalated as escalated,
            g.status as status,
            g.resolved_on as resolved_on,
            is_major(g.workers, g.amount_wan, g.escalated) as is_major,  -- the warehouse macro (models/macros)
            g.first_period,
            g.reported_period,
            g.notes as notes
        {_FROM_GROUPED}
    ),
    items as (
        select * from judged where not $major_only or is_major
    )
    """


def _warnings(wh: Warehouse) -> str:
    return f"""
    {_latest("page_warning_reports", "warning_id")},
    items as (
        select
            g.warning_id,
            {_REGION_COLUMNS},
            g.found_on as found_on,
            g.employer as employer,
            g.industry as industry_code,
            ind.name as industry_name,
            g.risk_type as risk_type,
            g.workers as workers,
            g.amount_wan as amount_wan,
            g.level as level,
            g.owner as owner,
            g.status as status,
            g.closed_on as closed_on,
            g.reported_period
        {_FROM_GROUPED}
          and (cast($levels as varchar[]) is null or list_contains(cast($levels as varchar[]), g.level))
    )
    """


def _params(wh: Warehouse, viewer: Viewer, q: Query, detail_override: list[str] | None = None) -> dict:
    scope = scope_of(wh, viewer)
    params = q.params()
    params.update({"detail": scope.detail, "units": scope.units})
    if detail_override is not None:
        params["detail"] = detail_override
    params["members"] = focus_members(wh, q.region, detail_override)
    return params


def _detail(wh: Warehouse, viewer: Viewer, q: Query) -> list[str] | None:
    """The detail scope, or nothing at all when the focus region is outside the viewer's view."""
    scope = scope_of(wh, viewer)
    if q.region == PROVINCE_CODE or may_see(wh, viewer, q.region):
        return scope.detail
    return []


LIST_LIMIT = 500


def incidents(wh: Warehouse, viewer: Viewer, q: Query, limit: int | None = LIST_LIMIT) -> pl.DataFrame:
    """Incidents under the focus region the viewer may see in detail: open first (未化解, 处置中), escalated
    first, then the most workers. At most ``limit`` rows; ``limit=None`` for all (downloads)."""
    params = _params(wh, viewer, q, _detail(wh, viewer, q))
    params.update(limit=limit, status_order=list(DISPUTE_STATUSES))
    return run(
        wh,
        f"""
        with {_incidents(wh)}
        select * exclude (kind)
        from items
        where {detail_sql("region_code")} and {_FOCUS}
        order by list_position($status_order, status), escalated desc, workers desc, occurred_on desc,
                 incident_id
        limit cast($limit as bigint)
    """,
        params,
    )


def warnings(wh: Warehouse, viewer: Viewer, q: Query, limit: int | None = LIST_LIMIT) -> pl.DataFrame:
    """Risk warnings under the focus region the viewer may see in detail: open first, then by level.
    At most ``limit`` rows; ``limit=None`` for all (downloads)."""
    params = _params(wh, viewer, q, _detail(wh, viewer, q))
    params.update(limit=limit, closed=labels.WARNING_CLOSED, level_order=list(LEVELS))
    return run(
        wh,
        f"""
        with {_warnings(wh)}
        select * exclude (kind)
        from items
        where {detail_sql("region_code")} and {_FOCUS}
        order by (status = $closed), list_position($level_order, level), found_on desc, warning_id
        limit cast($limit as bigint)
    """,
        params,
    )


def incident_history(wh: Warehouse, viewer: Viewer, incident_id: str, until: str | None = None) -> pl.DataFrame:
    """Every monthly report of one incident (oldest first) with ``changed`` when its status changed.
    Empty when the incident's region is outside the viewer's detail scope."""
    scope = scope_of(wh, viewer)
    return run(
        wh,
        f"""
        with history as (
            select period, status, workers, amount_wan, escalated, resolved_on, notes
            from page_dispute_reports
            where incident_id = $id and {detail_sql("region_code")}
              and (cast($until as varchar) is null or period <= $until)
        )
        select *, coalesce(status <> lag(status) over (order by period), true) as changed
        from history
        order by period
    """,
        {"id": incident_id, "detail": scope.detail, "until": until},
    )


def warning_history(wh: Warehouse, viewer: Viewer, warning_id: str, until: str | None = None) -> pl.DataFrame:
    scope = scope_of(wh, viewer)
    return run(
        wh,
        f"""
        with history as (
            select period, level, status, workers, amount_wan, owner, closed_on
            from page_warning_reports
            where warning_id = $id and {detail_sql("region_code")}
              and (cast($until as varchar) is null or period <= $until)
        )
        select *, coalesce(status <> lag(status) over (order by period) or level <> lag(level) over (order by period), true) as changed
        from history
        order by period
    """,
        {"id": warning_id, "detail": scope.detail, "until": until},
    )


def summary(wh: Warehouse, viewer: Viewer, q: Query) -> dict:
    """Incident totals of the very rows incidents() lists (the focus region, only regions the viewer may see in
    detail): count by status (open = 未化解, in_progress = 处置中; unresolved = both), workers, amount,
    escalated. Zeros when the focus is out of view."""
    empty = {
        "incidents": 0,
        "open": 0,
        "in_progress": 0,
        "resolved": 0,
        "workers": 0,
        "amount_wan": 0.0,
        "escalated": 0,
    }
    if not may_see(wh, viewer, q.region):
        return empty
    row = run(
        wh,
        f"""
        with {_incidents(wh)}
        select
            count(*) as incidents,
            count(*) filter (where status = $open_status) as open,
            count(*) filter (where status = $in_progress_status) as in_progress,
            count(*) filter (where status = $resolved_status) as resolved,
            coalesce(sum(workers), 0) as workers,
            coalesce(sum(amount_wan), 0) as amount_wan,
            count(*) filter (where escalated) as escalated
        from items
        where {detail_sql("region_code")} and {_FOCUS}
    """,
        {
            **_params(wh, viewer, q, _detail(wh, viewer, q)),
            "open_status": labels.DISPUTE_OPEN,
            "in_progress_status": labels.DISPUTE_IN_PROGRESS,
            "resolved_status": labels.DISPUTE_RESOLVED,
        },
    ).row(0, named=True)
    out = {k: (float(v) if k == "amount_wan" else int(v)) for k, v in row.items()}
    return {**out, "unresolved": out["open"] + out["in_progress"]}


def warning_summary(wh: Warehouse, viewer: Viewer, q: Query) -> dict:
    """Risk-warning totals of the very rows warnings() lists (the focus region, only regions the viewer may see
    in detail): count, open (未处置 + 处置中), by level, workers."""
    empty = {"warnings": 0, "warnings_open": 0, "red": 0, "orange": 0, "yellow": 0, "blue": 0, "warning_workers": 0}
    if not may_see(wh, viewer, q.region):
        return empty
    row = run(
        wh,
        f"""
        with {_warnings(wh)}
        select
            count(*) as warnings,
            count(*) filter (where status <> $closed) as warnings_open,
            count(*) filter (where level = $red) as red,
            count(*) filter (where level = $orange) as orange,
            count(*) filter (where level = $yellow) as yellow,
            count(*) filter (where level = $blue) as blue,
            coalesce(sum(workers), 0) as warning_workers
        from items
        where {detail_sql("region_code")} and {_FOCUS}
    """,
        {
            **_params(wh, viewer, q, _detail(wh, viewer, q)),
            "closed": labels.WARNING_CLOSED,
            **dict(zip(("red", "orange", "yellow", "blue"), LEVELS)),
        },
    ).row(0, named=True)
    return {k: int(v) for k, v in row.items()}


def _children_sql(items_cte: str, measures: str) -> str:
    """Counts per breakdown row of the focus region (warehouse macro focus_children), rows the viewer may see."""
    return f"""
        with {items_cte},
        children as (
            select i.*, f.child_code, f.child_name
            from items as i
            join focus_children($region) as f using (region_code)
            where (f.child_level = 'unit' and {units_sql("f.child_code")})
               or (f.child_level = 'region' and {detail_sql("f.child_code")})
        )
        select child_code as region_code, child_name as region_name, industry_code, industry_name, {measures}
        from children
        group by all
    """


def by_region(wh: Warehouse, viewer: Viewer, q: Query, kind: str = "disputes") -> pl.DataFrame:
    """Counts per child of the focus region (全省 → units, unit → its regions) for the map: region_code,
    region_name, items, open_items, workers — every child the viewer may see, with 0 where there were none
    (so the map colours a quiet unit and 长白山's marker shows). ``kind`` is 'disputes' or 'warnings'."""
    schema = {
        "region_code": pl.Utf8,
        "region_name": pl.Utf8,
        "items": pl.Int64,
        "open_items": pl.Int64,
        "workers": pl.Int64,
    }
    if not may_see(wh, viewer, q.region):
        return pl.DataFrame(schema=schema)
    heat = unit_industry(wh, viewer, q, kind)
    counted = heat.group_by("region_code").agg(
        pl.col("items").sum(), pl.col("open_items").sum(), pl.col("workers").sum()
    )
    children = pl.DataFrame(
        _children(wh, viewer, q.region), schema={"region_code": pl.Utf8, "region_name": pl.Utf8}, orient="row"
    )
    return (
        children.join(counted, on="region_code", how="left")
        .with_columns(pl.col("items", "open_items", "workers").fill_null(0).cast(pl.Int64))
        .select(list(schema))
        .sort("region_code")
    )


def _children(wh: Warehouse, viewer: Viewer, region: str) -> list[tuple[str, str]]:
    """(code, name) of the rows a breakdown of ``region`` shows this viewer (warehouse macro focus_children):
    visible units for 全省; the regions of a unit (市本级 for the city's own code) the viewer may see in detail;
    a region itself."""
    scope = scope_of(wh, viewer)
    return run(
        wh,
        f"""
        select distinct child_code, child_name
        from focus_children($region)
        where (child_level = 'unit' and {units_sql("child_code")})
           or (child_level = 'region' and {detail_sql("child_code")})
        order by child_code
    """,
        {"region": region, "detail": scope.detail, "units": scope.units},
    ).rows()


def unit_industry(wh: Warehouse, viewer: Viewer, q: Query, kind: str = "disputes") -> pl.DataFrame:
    """Counts per (child region × industry) for the heat map: region_code, region_name, industry_code,
    industry_name, items, open_items (not resolved/closed), workers."""
    if not may_see(wh, viewer, q.region):
        return pl.DataFrame(
            schema={
                "region_code": pl.Utf8,
                "region_name": pl.Utf8,
                "industry_code": pl.Utf8,
                "industry_name": pl.Utf8,
                "items": pl.Int64,
                "open_items": pl.Int64,
                "workers": pl.Int64,
            }
        )
    done = labels.DISPUTE_RESOLVED if kind == "disputes" else labels.WARNING_CLOSED
    cte = _incidents(wh) if kind == "disputes" else _warnings(wh)
    measures = (
        "count(*) as items, count(*) filter (where status <> $done) as open_items, "
        "cast(coalesce(sum(workers), 0) as bigint) as workers"
    )
    return run(
        wh,
        _children_sql(cte, measures) + " order by region_code, industry_code",
        {**_params(wh, viewer, q), "done": done},
    )


def focus_name(wh: Warehouse, region: str) -> str:
    if region == PROVINCE_CODE:
        return PROVINCE_NAME
    info = wh.region_index().get(region)
    return info.name if info else region


INCIDENT_HEADERS = {
    "region_name": "地区",
    "unit_name": "所属单位",
    "occurred_on": "发生日期",
    "employer": "用人单位名称",
    "credit_code": "统一社会信用代码",
    "industry_name": "行业门类",
    "workers": "涉及劳动者人数（人）",
    "amount_wan": "涉案金额（万元）",
    "dispute_type": "争议类型",
    "escalated": "有无激化行为",
    "status": "处置状态",
    "resolved_on": "化解日期",
    "first_period": "首次报送期",
    "reported_period": "最近报送期",
    "notes": "处置情况",
}
WARNING_HEADERS = {
    "region_name": "地区",
    "unit_name": "所属单位",
    "found_on": "发现日期",
    "employer": "用人单位名称",
    "industry_name": "行业门类",
    "risk_type": "风险类型",
    "workers": "涉及人数（人）",
    "amount_wan": "涉及金额（万元）",
    "level": "预警等级",
    "owner": "处置责任单位",
    "status": "处置状态",
    "closed_on": "办结日期",
    "reported_period": "最近报送期",
}


def export_incidents(frame: pl.DataFrame) -> pl.DataFrame:
    out = frame.with_columns(pl.when(pl.col("escalated")).then(pl.lit("是")).otherwise(pl.lit("否")).alias("escalated"))
    return out.select([pl.col(k).alias(v) for k, v in INCIDENT_HEADERS.items()])


def export_warnings(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select([pl.col(k).alias(v) for k, v in WARNING_HEADERS.items()])


# ------------------------------------------------------------------ figures (plotly specs, no Streamlit)

KIND_WORDS = {
    "disputes": ("重大集体争议", "件", labels.DISPUTE_UNRESOLVED),
    "warnings": ("风险预警", "条", labels.WARNING_UNRESOLVED),
}


def map_figure(frame: pl.DataFrame, kind: str, *, unit_code: str | None = None, title: str = ""):
    """Choropleth of the count per unit (or per county of one unit) via dashboard.geo (offline; 长白山 as a
    marker); hover shows the open ones and the workers involved."""
    from dashboard import geo

    word, measure, open_word = KIND_WORDS[kind]
    geojson = geo.load_units_geojson() if unit_code is None else geo.load_counties_geojson(unit_code)
    data = frame.select(
        "region_code",
        pl.col("region_name").alias("地区"),
        pl.col("items").cast(pl.Int64).alias("数量"),
        pl.col("open_items").cast(pl.Int64).alias(f"其中{open_word}"),
        pl.col("workers").cast(pl.Int64).alias("涉及人数"),
    )
    top = max([1, *data["数量"].to_list()])
    fig = geo.choropleth(
        data,
        geojson,
        "数量",
        "地区",
        title,
        f"{word}（{measure}）",
        hover_cols=[f"其中{open_word}", "涉及人数"],
        markers=None if unit_code is None else data.head(0),
        range_color=(0, top),
        value_format=",d",
        colorscale="OrRd",
    )
    fig.update_layout(height=440, clickmode="event+select", dragmode=False, coloraxis_colorbar_title_text=measure)
    return fig


HEAT_LIMIT = HEAT_ROWS  # dashboard.format: one row limit for every heat map


def heat_figure(frame: pl.DataFrame, kind: str, title: str = "", limit: int = HEAT_LIMIT):
    """Region × industry heat map of counts (only industries that occur), numbers written in the cells.
    More than ``limit`` regions: the ``limit`` with the most."""
    import plotly.graph_objects as go

    from dashboard.format import short_name

    word, measure, _ = KIND_WORDS[kind]
    if frame.height == 0:
        return go.Figure()
    regions = frame.select("region_code", "region_name").unique().sort("region_code")
    if regions.height > limit:
        from dashboard.charts import heaviest

        top = heaviest(frame, "region_code", pl.col("items"), limit)
        regions = regions.filter(pl.col("region_code").is_in(top))
        frame = frame.filter(pl.col("region_code").is_in(top))
        title = f"{title}（数量最多的{limit}个地区）" if title else title
    industries = frame.select("industry_code", "industry_name").unique().sort("industry_code")
    industry_names = dict(industries.iter_rows())
    lookup = {
        (r, i): (n, o, w)
        for r, i, n, o, w in frame.select("region_code", "industry_code", "items", "open_items", "workers").iter_rows()
    }
    z, text, custom = [], [], []
    for code, _ in regions.iter_rows():
        z_row, t_row, c_row = [], [], []
        for ind, _ in industries.iter_rows():
            n, o, w = lookup.get((code, ind), (0, 0, 0))
            z_row.append(n or None)
            t_row.append(str(n) if n else "")
            c_row.append([o, w, _full_industry(ind, industry_names.get(ind))])
        z.append(z_row)
        text.append(t_row)
        custom.append(c_row)
    x = [_short_industry(c, n) for c, n in industries.iter_rows()]
    y = [short_name(n) for n in regions["region_name"].to_list()]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x,
            y=y,
            text=text,
            texttemplate="%{text}",
            customdata=custom,
            colorscale="OrRd",
            xgap=2,
            ygap=2,
            colorbar=dict(title=dict(text=measure), thickness=12),
            hoverongaps=False,
            hovertemplate="%{y} · %{customdata[2]}<br>"
            + word
            + "：%{z} "
            + measure
            + "（未结 %{customdata[0]}）<br>涉及人数：%{customdata[1]:,}<extra></extra>",
        )
    )
    fig.update_layout(
        height=max(280, 30 * len(y) + 150),
        margin=dict(l=8, r=8, t=50 if title else 10, b=10),
        xaxis=dict(side="top", tickangle=0, title=None, tickfont=dict(size=11)),
        yaxis=dict(autorange="reversed", title=None),
        font=dict(family=FONT_FAMILY),
        plot_bgcolor="white",
        title=dict(text=title, x=0, y=0.995, yanchor="top", font_size=15) if title else None,
    )
    return fig


def _short_industry(code: str | None, name: str | None) -> str:
    """The axis label of an industry: its short name (labels.INDUSTRY_SHORT), level and uncut."""
    if not code and not name:
        return "未分行业"
    short = labels.INDUSTRY_SHORT.get(code or "", name or code)
    return f"{short[:2]}<br>{short[2:]}" if len(short) == 4 else short  # two short lines fit a narrow column


def _full_industry(code: str | None, name: str | None) -> str:
    """The hover text of an industry: code and full catalogue name."""
    return f"{code} {name}" if code and name else (name or code or "未分行业")


def history_figure(history: pl.DataFrame, statuses: tuple[str, ...] = DISPUTE_STATUSES, title: str = ""):
    """A status per reported month: a step line over the statuses with coloured markers."""
    from dashboard.charts import state_steps

    reported = history["status"].to_list()
    return state_steps(
        history["period"].to_list(),
        [statuses.index(s) + 1 if s in statuses else None for s in reported],
        statuses,
        [STATUS_COLORS.get(s, "#999") for s in reported],
        reported,
        height=220,
        marker_size=14,
        title=title,
    )
