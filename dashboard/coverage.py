"""组织建设 queries: coverage measures (forms.md Form B) by unit and county, trajectories and projections.

Every function takes ``(wh, viewer, ...)`` and enforces the viewer's scope inside the query (interfaces.md §4):
county rows leave the query only for regions in ``viewer.detail_regions``; unit totals only for
``viewer.visible_units``; the province total only for province viewers and city clerks (rankings).
Roll-ups are sums of numerators and denominators; rates are recomputed from the sums, never averaged.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

import polars as pl

from auth import scoping
from auth.viewer import Viewer
from dashboard import targets as campaign  # the target rules (coverage.targets below lists config rows)
from dashboard.format import FONT_FAMILY, period_label
from dashboard.periods import index as month_index
from dashboard.periods import months as month_range
from dashboard.periods import shift as shift_month
from dashboard.scope import Scope, scope_of  # noqa: F401  (ledger, disputes import scope_of from here)
from etl.regions import PROVINCE_CODE
from warehouse import labels
from warehouse.db import Warehouse, measures, quote_ident

PROVINCE_NAME = "全省"
WINDOW = 6  # months of history the projection's pace is fitted on


# ------------------------------------------------------------------ scope


def detail_sql(column: str) -> str:
    """Keep rows whose ``column`` is a region the viewer may see in detail (auth.scoping; bind ``detail``)."""
    return scoping.region_filter_named(column)


def units_sql(column: str) -> str:
    """Keep rows whose ``column`` is a unit the viewer may see totals of (auth.scoping; bind ``units``)."""
    return scoping.unit_filter_named(column)


def run(wh: Warehouse, sql: str, params: dict) -> pl.DataFrame:
    """Run with the named parameters the SQL uses (DuckDB rejects unused ones); values stay bound.

    ``detail`` / ``units`` (a list of codes, None = all) become the parameters of auth.scoping's predicates.
    """
    params = dict(params)
    if "detail" in params:
        detail = params.pop("detail")
        params.update(scope_all=detail is None, scope_regions=sorted(detail or []))
    if "units" in params:
        units = params.pop("units")
        params.update(scope_unit_all=units is None, scope_unit_regions=sorted(units or []))
    used = set(re.findall(r"\$([a-z_]+)", sql))
    return wh.query(sql, {k: v for k, v in params.items() if k in used})


def may_see(wh: Warehouse, viewer: Viewer, region_code: str) -> bool:
    """Whether the viewer may look at this region: the province total, a unit's totals or a region's detail."""
    index = wh.region_index()
    if region_code == PROVINCE_CODE:
        return scoping.sees_province_totals(viewer, index)
    region = index.get(region_code)
    if region is None:
        return False
    if region.unit_code == region.code and scoping.may_see_unit(viewer, index, region_code):
        return True
    return scoping.may_see_region(viewer, index, region_code)


# ------------------------------------------------------------------ catalog


def catalog() -> list[dict]:
    """The coverage measures of forms.md in order: key, label, definition, numerator/denominator keys."""
    return [m for m in measures() if m["kind"] == "coverage"]


def measure_labels() -> dict[str, str]:
    return {m["key"]: m["label"] for m in catalog()}


SHORT_LABELS = {
    "above_scale_committee": "规上企业调委会",
    "union_100_committee": "工会百人以上企业调委会",
    "park_org": "园区调解组织",
    "township_center": "乡镇（街道）调解中心",
    "arbitration_center": "仲裁院调解中心",
    "chamber_org": "商（协）会调解组织",
}


def short_label(measure: str) -> str:
    """A short column header for tables (the full label stays in help texts and titles)."""
    return SHORT_LABELS.get(measure) or measure_labels().get(measure, measure)


def definition(measure: str) -> str:
    return next((m["definition"] for m in catalog() if m["key"] == measure), "")


def targets(wh: Warehouse, viewer: Viewer | None = None, measure: str | None = None) -> pl.DataFrame:
    """Campaign targets in force (config [[targets]]): measure, target_date, rate; by measure and date.
    (Configuration, the same for every viewer.)"""
    return wh.query(
        """
        select measure, target_date, rate
        from cfg_target
        where rate is not null and (cast($measure as varchar) is null or measure = $measure)
        order by measure, target_date
    """,
        {"measure": measure},
    )


# ------------------------------------------------------------------ roll-ups

_MEASURE_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def _coverage_ctes(wh: Warehouse, where: str, as_of: str | None = None) -> str:
    """CTEs ``goals`` and ``cov``: the rows of v_coverage (read from the serving table page_org_building,
    warehouse/build.py) that ``where`` selects (a predicate on period / region_code / unit_code), with unit_code and
    the target in force for ``$period`` (macro targets_in_force).

    ``as_of`` ('unit' / 'region'): instead of the month ``$period`` itself, each unit's (region's) latest report at
    or before it (macro report_as_of), with that report's month as ``as_of`` — so a unit that has not reported the
    month is shown with the figure its previous report gives, marked with its month, never dropped.
    """
    source = "page_org_building"
    if as_of is None:
        source_rows = f"select *, period as as_of from {source} where period = $period and {where}"
    else:
        month = {"unit": "unit_period", "region": "region_period"}[as_of]
        source_rows = (
            f"select * from (select o.*, o.period as as_of from {source} as o "
            f"join report_as_of('B', $period) as a on a.region_code = o.region_code "
            f"and o.period = a.{month}) where {where}"
        )
    parts = []
    for m in catalog():
        if not _MEASURE_KEY.match(m["key"]):
            raise ValueError(f"measures.toml: 指标键 {m['key']!r} 不合法")
        parts.append(
            f"select as_of, region_code, unit_code, '{m['key']}' as measure, "
            f"{quote_ident(m['numerator'])} as numerator, {quote_ident(m['denominator'])} as denominator "
            f"from source_rows"
        )
    union = "\n        union all\n        ".join(parts)
    return f"""
    goals as (
        select measure, target_date, rate as target
        from targets_in_force([$period])
        where rate is not null
    ),
    source_rows as (
        {source_rows}
    ),
    long as (
        {union}
    ),
    cov as (
        select l.*, t.target, t.target_date
        from long as l
        left join goals as t using (measure)
    )
    """


_UNIT_ROLLUP = """
    with {ctes},
    unit_regions as (
        select unit_code, count(*) as regions_total
        from v_region
        where unit_code is not null
        group by unit_code
    ),
    units as (
        select region_code as unit_code, region_name as unit_name
        from v_region
        where region_code = unit_code and {units_pred}
    ),
    rolled as (
        select
            unit_code,
            measure,
            max(as_of) as as_of,
            cast(sum(numerator) as bigint) as numerator,
            cast(sum(denominator) as bigint) as denominator,
            count(distinct region_code) as regions_reported
        from cov
        group by unit_code, measure
    )
    select
        u.unit_code as region_code,
        u.unit_name as region_name,
        m.measure,
        r.numerator,
        r.denominator,
        cast(r.numerator as double) / nullif(r.denominator, 0) as rate,
        t.target,
        t.target_date,
        r.as_of,
        coalesce(r.regions_reported, 0) as regions_reported,
        ur.regions_total
    from units as u
    cross join (select unnest($measures) as measure) as m
    left join rolled as r on r.unit_code = u.unit_code and r.measure = m.measure
    left join goals as t on t.measure = m.measure
    join unit_regions as ur on ur.unit_code = u.unit_code
    order by u.unit_code, m.measure
"""


def unit_rates(wh: Warehouse, viewer: Viewer, period: str) -> pl.DataFrame:
    """One row per visible reporting unit × measure: numerator, denominator and rate from summed figures, as of
    ``period`` (macro report_as_of): a unit that has not sent form B for the month is shown with its latest
    report, ``as_of`` naming that report's month ('YYYY-MM'; null and no figures when it never reported).

    ``regions_reported`` of ``regions_total`` regions of the unit are in that report.
    """
    scope = scope_of(wh, viewer)
    return run(
        wh,
        _UNIT_ROLLUP.format(ctes=_coverage_ctes(wh, "true", as_of="unit"), units_pred=units_sql("region_code")),
        {"period": period, "units": scope.units, "measures": [m["key"] for m in catalog()]},
    )


def totals(wh: Warehouse, viewer: Viewer, period: str, region: str = PROVINCE_CODE) -> pl.DataFrame:
    """Per measure for one focus region (全省, a unit or a county): numerator, denominator, rate, target.

    An empty frame when the viewer may not see that region's figures.
    """
    if not may_see(wh, viewer, region):
        return _empty_totals()
    index = wh.region_index()
    info = index.get(region)
    if region == PROVINCE_CODE:
        level, name = "province", PROVINCE_NAME
    elif info is not None and info.unit_code == info.code:
        level, name = "unit", info.name
    else:
        level, name = "region", info.name if info else region
    focus = (
        "($level = 'province' or ($level = 'unit' and unit_code = $region)"
        " or ($level = 'region' and region_code = $region))"
    )
    frame = run(
        wh,
        f"""
        with {_coverage_ctes(wh, focus)}
        select
            measure,
            cast(sum(numerator) as bigint) as numerator,
            cast(sum(denominator) as bigint) as denominator,
            cast(sum(numerator) as double) / nullif(sum(denominator), 0) as rate,
            max(target) as target,
            max(target_date) as target_date,
            count(distinct region_code) as regions_reported
        from cov
        group by measure
    """,
        {"period": period, "level": level, "region": region},
    )
    order = {m["key"]: i for i, m in enumerate(catalog())}
    labels = measure_labels()
    return (
        frame.with_columns(
            pl.lit(region).alias("region_code"),
            pl.lit(name).alias("region_name"),
            pl.col("measure").replace_strict(labels, default=None).alias("label"),
            pl.col("measure").replace_strict(order, default=99).alias("_order"),
        )
        .sort("_order")
        .drop("_order")
        .select(
            "region_code",
            "region_name",
            "measure",
            "label",
            "numerator",
            "denominator",
            "rate",
            "target",
            "target_date",
            "regions_reported",
        )
    )


def latest_report(wh: Warehouse, viewer: Viewer, period: str, region: str) -> str | None:
    """The month of the latest form B report at or before ``period`` covering ``region`` (全省: any unit's; a
    unit: its own; a county: the county's), macro report_as_of; None when there is none or the viewer may not
    see the region."""
    if not may_see(wh, viewer, region):
        return None
    return wh.scalar(
        """
        select max(region_period) from report_as_of('B', ?)
        where ? = ? or unit_code = ? or region_code = ?
    """,
        [period, region, PROVINCE_CODE, region, region],
    )


def _empty_totals() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "region_code": pl.Utf8,
            "region_name": pl.Utf8,
            "measure": pl.Utf8,
            "label": pl.Utf8,
            "numerator": pl.Int64,
            "denominator": pl.Int64,
            "rate": pl.Float64,
            "target": pl.Float64,
            "target_date": pl.Date,
            "regions_reported": pl.Int64,
        }
    )


def county_rates(wh: Warehouse, viewer: Viewer, period: str, unit_code: str) -> pl.DataFrame:
    """One row per region of the unit that the viewer may see in detail × measure (市本级 included), as of
    ``period``: a region missing from the month's report shows its latest one, ``as_of`` naming its month."""
    scope = scope_of(wh, viewer)
    return run(
        wh,
        f"""
        with {_coverage_ctes(wh, "unit_code = $unit", as_of="region")}
        select
            c.region_code,
            case when r.region_code = r.unit_code and r.kind = 'city' then r.region_name || '本级'
                 else r.region_name end as region_name,
            r.kind,
            c.measure,
            c.numerator,
            c.denominator,
            cast(c.numerator as double) / nullif(c.denominator, 0) as rate,
            c.target,
            c.target_date,
            c.as_of
        from cov as c
        join v_region as r using (region_code)
        where {detail_sql("c.region_code")}
        order by (r.region_code <> r.unit_code), c.region_code, c.measure
    """,
        {"period": period, "unit": unit_code, "detail": scope.detail},
    )


def wide(frame: pl.DataFrame) -> pl.DataFrame:
    """Long rows (region × measure) → one row per region: ``<measure>__rate|numerator|denominator`` columns."""
    keys = [m["key"] for m in catalog()]
    first = ["region_code", "region_name", *(["as_of"] if "as_of" in frame.columns else [])]
    base = frame.select(first).unique(subset=["region_code"], maintain_order=True)
    for key in keys:
        part = frame.filter(pl.col("measure") == key).select(
            "region_code",
            pl.col("rate").alias(f"{key}__rate"),
            pl.col("numerator").alias(f"{key}__numerator"),
            pl.col("denominator").alias(f"{key}__denominator"),
        )
        base = base.join(part, on="region_code", how="left")
    return base


def export_table(frame: pl.DataFrame) -> pl.DataFrame:
    """A wide table with Chinese headers for .xlsx download: 地区, 数据月份 (the month of the report the figures are
    from; 未报 when none), then per measure 分子, 分母, 比率（%）."""
    data = wide(frame)
    columns = [pl.col("region_code").alias("地区代码"), pl.col("region_name").alias("地区")]
    if "as_of" in data.columns:
        columns.append(data_month_column())
    for m in catalog():
        key, label = m["key"], m["label"]
        columns += [
            pl.col(f"{key}__numerator").alias(f"{label}·分子"),
            pl.col(f"{key}__denominator").alias(f"{label}·分母"),
            (pl.col(f"{key}__rate") * 100).round(1).alias(f"{label}（%）"),
        ]
    return data.select(columns)


# ------------------------------------------------------------------ map data


def unit_map_frame(wh: Warehouse, viewer: Viewer, period: str, measure: str) -> pl.DataFrame:
    """Visible units' rate of one measure as of ``period`` for the province map and ranking: region_code, 地区,
    比率（%）, 分子, 分母, 数据月份 (未报 when none) and 标注 ('（2026-10数据）' / '（未报）' / '')."""
    frame = unit_rates(wh, viewer, period).filter(pl.col("measure") == measure)
    return _map_columns(frame, period)


def county_map_frame(wh: Warehouse, viewer: Viewer, period: str, unit_code: str, measure: str) -> pl.DataFrame:
    frame = county_rates(wh, viewer, period, unit_code).filter(pl.col("measure") == measure)
    return _map_columns(frame, period)


def data_month_column() -> pl.Expr:
    """``as_of`` as the column 数据月份: the report's month, 未报 when there is none."""
    return pl.col("as_of").fill_null(labels.SUBMISSION_STATUS["missing"]).alias(labels.DATA_MONTH)


def _map_columns(frame: pl.DataFrame, period: str) -> pl.DataFrame:
    return frame.select(
        "region_code",
        pl.col("region_name").alias("地区"),
        (pl.col("rate") * 100).alias("比率"),
        pl.col("numerator").alias("分子"),
        pl.col("denominator").alias("分母"),
        data_month_column(),
        pl.col("as_of")
        .map_elements(lambda a: data_month_mark(a, period), return_dtype=pl.Utf8, skip_nulls=False)
        .alias("标注"),
    )


# ------------------------------------------------------------------ trajectories


def trajectory(
    wh: Warehouse, viewer: Viewer, measure: str, until: str, since: str | None = None, months: int = 36
) -> pl.DataFrame:
    """Monthly rate of one measure per visible unit (and 全省 when visible), from ``since`` (default: the
    ``months`` months ending at ``until``) to ``until``; one pass over the form B figures.

    Columns: period, region_code, region_name, numerator, denominator, rate. 全省 comes first.
    """
    found = next((m for m in catalog() if m["key"] == measure), None)
    if found is None:
        raise ValueError(f"未知的覆盖指标 {measure}")
    scope = scope_of(wh, viewer)
    since = since or shift_month(until, -(months - 1))
    numerator, denominator = quote_ident(found["numerator"]), quote_ident(found["denominator"])
    return run(
        wh,
        f"""
        with org as (
            select o.period, o.unit_code, o.{numerator} as numerator, o.{denominator} as denominator
            from page_org_building as o
            where o.period <= $until and o.period >= $since
        ),
        sums as (
            select
                period,
                unit_code,
                grouping(unit_code) = 1 as is_province,
                cast(sum(numerator) as bigint) as numerator,
                cast(sum(denominator) as bigint) as denominator
            from org
            group by grouping sets ((period, unit_code), (period))
        )
        select
            s.period,
            case when s.is_province then $province_code else s.unit_code end as region_code,
            case when s.is_province then $province_name else u.region_name end as region_name,
            s.numerator,
            s.denominator,
            cast(s.numerator as double) / nullif(s.denominator, 0) as rate
        from sums as s
        left join v_region as u on u.region_code = s.unit_code
        where (s.is_province and $province) or (not s.is_province and {units_sql("s.unit_code")})
        order by (not s.is_province), region_code, s.period
    """,
        {
            "until": until,
            "since": since,
            "units": scope.units,
            "province": scope.province,
            "province_code": PROVINCE_CODE,
            "province_name": PROVINCE_NAME,
        },
    )


@dataclass(frozen=True)
class Projection:
    """Where a unit stands against its target at the current pace.

    status: a key of labels.TARGET_STATUS, decided by dashboard.targets.status (the one rule 总览 and the
    月度简报 share): reached · overdue (逾期未达标, whatever the pace) · on_track · late · stalled · no_target ·
    no_data.
    """

    status: str
    rate: float | None
    target: float | None
    deadline: str | None  # 'YYYY-MM' of the target date
    pace: float | None  # fitted change of the rate per month (fraction)
    projected: str | None  # 'YYYY-MM' when the rate reaches the target at this pace
    message: str


def project(
    points: list[tuple[str, float | None]],
    target: float | None,
    target_date: date | None,
    window: int = WINDOW,
    period: str | None = None,
) -> Projection:
    """Project a monthly rate series onto its target.

    ``points`` are (period, rate) oldest first; the last one is the latest report. The pace is the
    least-squares slope of the rate over the last ``window`` months that have a rate (at least 2); the
    projected month is the latest report's month plus ceil((target − current rate) / pace). The status is
    judged for month ``period`` (default: the latest report's), so a deadline that has passed by the month
    looked at makes it 逾期未达标 even when the latest report predates the deadline.
    """
    known = [(p, r) for p, r in points if r is not None and not (isinstance(r, float) and math.isnan(r))]
    deadline = target_date.strftime("%Y-%m") if target_date else None
    current_period = points[-1][0] if points else None
    judged = period or current_period
    rate = known[-1][1] if known and known[-1][0] == current_period else None
    first = campaign.status(rate, target, target_date, judged or "")
    if first == "no_target":
        return Projection("no_target", rate, None, None, None, None, "未设目标值")
    if first == "no_data":
        return Projection("no_data", None, target, deadline, None, None, "本期无数据")
    if first == "reached":
        return Projection("reached", rate, target, deadline, None, None, campaign.label("reached"))
    recent = known[-window:]
    pace = projected = None
    if len(recent) >= 2:
        xs = [month_index(p) for p, _ in recent]
        ys = [r for _, r in recent]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        pace = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
        if pace > 1e-9:
            projected = shift_month(current_period, math.ceil(round((target - rate) / pace, 6)))
    status = campaign.status(rate, target, target_date, judged, fitted=True, pace=pace, projected=projected)
    if pace is None:
        outlook = "数据不足，无法测算进度"
    elif projected is None:
        outlook = campaign.label("stalled")
    else:
        outlook = f"预计{period_label(projected)}达标"
    if status == "overdue":
        tail = f"按当前进度{outlook}" if projected else outlook
        message = f"{campaign.label('overdue')}，{tail}"
        # too few months to fit a pace still says what the status is; only the outlook is missing
        return Projection("overdue", rate, target, deadline, pace, projected, message)
    message = {
        "no_data": outlook,
        "stalled": "按当前进度无法在期限前达标（近期无提升）",
        "on_track": outlook,
        "late": f"按当前进度无法在期限前达标（预计{period_label(projected or '')}）" if projected else outlook,
    }[status]
    return Projection(status, rate, target, deadline, pace, projected, message)


def projections(wh: Warehouse, viewer: Viewer, measure: str, period: str, window: int = WINDOW) -> pl.DataFrame:
    """Per visible unit (全省 first when visible): current rate with numerator/denominator, pace, target and
    the projected month of reaching it (see :func:`project`).

    A unit that did not report form B this month is judged on its latest report (``as_of``, macro report_as_of,
    as the ranking and the table show it), and its message says so: '2026年10月未报送；按2026年9月数据：已达标'.
    """
    since = shift_month(period, -(window - 1))
    series = trajectory(wh, viewer, measure, period, since)
    now = unit_target(wh, measure, period)
    latest = dict(
        wh.query("select distinct unit_code, unit_period from report_as_of('B', $period)", {"period": period}).rows()
    )
    latest[PROVINCE_CODE] = max(latest.values(), default=None)
    # plain Python over the few points per unit: a polars filter per unit costs ~0.5 ms, × 440 units at scale
    units: dict[tuple[str, str], list[dict]] = {}
    for row in series.iter_rows(named=True):
        units.setdefault((row["region_code"], row["region_name"]), []).append(row)
    rows = []
    for (code, name), part in units.items():
        as_of = latest.get(code) or period
        part = sorted((r for r in part if r["rate"] is not None and r["period"] <= as_of), key=lambda r: r["period"])
        points = [(r["period"], r["rate"]) for r in part] or [(as_of, None)]
        last = part[-1] if part and part[-1]["period"] == as_of else None
        proj = project(points, now[0], now[1], window, period=period)
        message = proj.message
        if as_of != period:
            message = f"{period_label(period)}未报送；按{period_label(as_of)}数据：{message}"
        rows.append(
            {
                "region_code": code,
                "region_name": name,
                "numerator": last["numerator"] if last else None,
                "denominator": last["denominator"] if last else None,
                "rate": proj.rate,
                "pace": proj.pace,
                "target": proj.target,
                "deadline": proj.deadline,
                "projected": proj.projected,
                "status": proj.status,
                "message": message,
                "as_of": as_of,
                "period": period,
            }
        )
    schema = {
        "region_code": pl.Utf8,
        "region_name": pl.Utf8,
        "numerator": pl.Int64,
        "denominator": pl.Int64,
        "rate": pl.Float64,
        "pace": pl.Float64,
        "target": pl.Float64,
        "deadline": pl.Utf8,
        "projected": pl.Utf8,
        "status": pl.Utf8,
        "message": pl.Utf8,
        "as_of": pl.Utf8,
        "period": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema)


def unit_target(wh: Warehouse, measure: str, period: str) -> tuple[float | None, date | None]:
    """(rate, deadline) of the target in force for a month (macro targets_in_force); (None, None) without one."""
    row = campaign.in_force_by_measure(wh, period).get(measure)
    return (row["rate"], row["target_date"]) if row and row["rate"] is not None else (None, None)


def target_months(wh: Warehouse, viewer: Viewer | None, measure: str, first: str, last: str) -> pl.DataFrame:
    """The target in force for every month from ``first`` to ``last`` (the dashed line of the trajectories):
    period, target_date, rate. (Configuration, the same for every viewer.)"""
    months = month_range(first, last) if first <= last else []
    return (
        campaign.in_force(wh, months)
        .filter((pl.col("measure") == measure) & pl.col("rate").is_not_null())
        .select("period", "target_date", "rate")
    )


def target_line(wh: Warehouse, viewer: Viewer | None, measure: str, until: str, months: int = 36) -> pl.DataFrame:
    """:func:`target_months` over the span a trajectory figure draws: the ``months`` months ending at ``until``
    and on to the measure's last deadline when that is later."""
    deadlines = targets(wh, viewer, measure)["target_date"].to_list()
    last = max([until, *(d.strftime("%Y-%m") for d in deadlines)])
    return target_months(wh, viewer, measure, shift_month(until, -(months - 1)), last)


# ------------------------------------------------------------------ figures (plotly specs, no Streamlit)

STATUS_COLORS = {
    "reached": "#1a9850",
    "on_track": "#1a9850",
    "late": "#f46d43",
    "stalled": "#d73027",
    "overdue": "#d73027",
    "behind": "#f46d43",
    "no_target": "#4575b4",
    "no_data": "#999999",
}
STATUS_LABELS = labels.TARGET_STATUS
TARGET_COLOR = "#c0392b"
LINE_COLOR = "#2166ac"
STALE_OPACITY = 0.45  # a bar whose figure is from an earlier report than the month looked at


def map_figure(
    frame: pl.DataFrame,
    label: str,
    *,
    unit_code: str | None = None,
    title: str = "",
    target: float | None = None,
    visible: frozenset[str] | None = None,
):
    """Choropleth of a measure's rate (%) over the units (or one unit's counties) via dashboard.geo
    (offline; 长白山 as a marker). With a target the colours turn from red (far below) through yellow (at the
    target) to green (above); the scale starts a little below the lowest value so differences stay visible."""
    from dashboard import geo

    geojson = geo.load_units_geojson() if unit_code is None else geo.load_counties_geojson(unit_code)
    if visible is not None and unit_code is not None:  # a county's map names no neighbour (interfaces.md §4)
        geojson = {**geojson, "features": [f for f in geojson["features"] if f["properties"]["code"] in visible]}
    data = frame.with_columns(
        pl.col("比率").cast(pl.Float64), pl.col("分子").cast(pl.Int64), pl.col("分母").cast(pl.Int64)
    )
    low, scale = color_scale(data["比率"].drop_nulls().to_list(), target)
    hover = ["分子", "分母", *([labels.DATA_MONTH] if labels.DATA_MONTH in data.columns else [])]
    fig = geo.choropleth(
        data,
        geojson,
        "比率",
        "地区",
        title,
        "比率",
        hover_cols=hover,
        markers=None if unit_code is None else data.head(0),
        range_color=(low, 100),
        value_suffix="%",
        colorscale=scale,
    )
    fig.update_layout(height=460, clickmode="event+select", dragmode=False)
    return fig


def color_scale(values: list[float], target: float | None) -> tuple[float, list]:
    """(lower bound in %, colorscale) for rates in %: the bound is 10 points below the lowest value or the
    target, rounded down to a multiple of 10; the target sits at the yellow stop."""
    floor_at = min([*values, 100 * target if target is not None else 100.0]) if values or target is not None else 0.0
    low = max(0.0, math.floor((floor_at - 10) / 10) * 10)
    if target is None:
        return low, "YlGnBu"
    t = min(0.999, max(0.001, (100 * target - low) / (100 - low)))
    return low, [[0, "#d73027"], [t / 2, "#fc8d59"], [t, "#fee08b"], [t + (1 - t) / 2, "#91cf60"], [1, "#1a9850"]]


RANKING_LIMIT = 25
PANEL_LIMIT = 12


def ranking_figure(frame: pl.DataFrame, label: str, target: float | None, limit: int = RANKING_LIMIT):
    """Horizontal bars of the rate (%) per region, lowest at the bottom, with the target as a dashed line;
    bars below target in orange. A region whose figure is from an earlier report is named with that month and
    drawn grey ('通化市（2026-10数据）'); one with no report at all is listed at the bottom as '（未报）' without a
    bar — never left out. More than ``limit`` regions: only the ``limit`` lowest (后N位, 未报 first)."""
    import plotly.graph_objects as go

    from dashboard.format import short_name

    mark = frame["标注"] if "标注" in frame.columns else pl.Series([""] * frame.height)
    data = frame.with_columns(mark.fill_null("").alias("标注")).sort("比率", nulls_last=False)
    title = f"{label}排名"
    if data.height > limit:
        data = data.head(limit)
        title += f"（后{limit}位）"
    names = [short_name(n) + m for n, m in zip(data["地区"].to_list(), data["标注"].to_list())]
    values = [None if v is None else float(v) for v in data["比率"].to_list()]
    colors = [LINE_COLOR if v is None or target is None or v >= 100 * target - 1e-9 else "#f46d43" for v in values]
    opacity = [STALE_OPACITY if m else 1.0 for m in data["标注"].to_list()]
    text = [
        labels.SUBMISSION_STATUS["missing"] if v is None else f"{v:.1f}%（{n:,}/{d:,}）"
        for v, n, d in zip(values, data["分子"].to_list(), data["分母"].to_list())
    ]
    fig = go.Figure(
        go.Bar(
            x=[0.0 if v is None else v for v in values],
            y=names,
            orientation="h",
            marker=dict(color=colors, opacity=opacity),
            text=text,
            textposition=["outside" if v is None else "inside" for v in values],
            insidetextanchor="end",
            textfont=dict(color=["#555555" if v is None else "white" for v in values], size=11),
            hovertemplate="%{y}：%{text}<extra></extra>",
        )
    )
    if target is not None:
        fig.add_vline(
            x=100 * target,
            line_dash="dash",
            line_color=TARGET_COLOR,
            line_width=2,
            annotation_text=f"目标 {100 * target:.0f}%",
            annotation_position="top",
            annotation_font_color=TARGET_COLOR,
        )
    fig.update_layout(
        height=max(260, 34 * len(names) + 80),
        margin=dict(l=8, r=16, t=40, b=30),
        xaxis=dict(range=[0, 100], ticksuffix="%", title=None),
        yaxis=dict(title=None),
        showlegend=False,
        font=dict(family=FONT_FAMILY),
        title=dict(text=title, x=0, font_size=14),
    )
    return fig


def trajectory_figure(
    series: pl.DataFrame,
    proj: pl.DataFrame,
    target_rows: list[dict],
    label: str,
    columns: int = 4,
    horizon: int = 12,
    limit: int = PANEL_LIMIT,
):
    """Small multiples, one panel per region of ``series`` (全省 first): the monthly rate (%), the target in
    force (``target_rows``: period, target_date, rate per month, from :func:`target_months`) as a dashed red line and, when not yet reached, a dotted projection at the current pace up to the
    projected month (at most ``horizon`` months beyond the deadline). Panel titles carry the verdict.
    More than ``limit`` panels: 全省 and the units furthest behind (overdue, stalled, late first, lowest rate)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from dashboard.format import short_name

    regions = series.select("region_code", "region_name").unique(maintain_order=True).rows()
    verdict = {r["region_code"]: r for r in proj.iter_rows(named=True)}
    capped = len(regions) > limit
    if capped:
        regions = _laggards(regions, verdict, limit)
    rows = max(1, math.ceil(len(regions) / columns))
    titles = []
    for code, name in regions:
        v = verdict.get(code)
        color = STATUS_COLORS.get(v["status"], "#555") if v else "#555"
        titles.append(
            f"<b>{short_name(name)}</b><br><span style='font-size:11px;color:{color}'>"
            f"{panel_verdict(v) if v else ''}</span>"
        )
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=titles,
        shared_yaxes=True,
        vertical_spacing=0.16 if rows > 1 else 0.1,
        horizontal_spacing=0.03,
    )
    periods = sorted(series["period"].unique().to_list())
    last = periods[-1] if periods else None
    deadlines = [t["target_date"].strftime("%Y-%m") for t in target_rows]
    x_end = max([last or "", *deadlines]) if periods else None
    line = {t["period"]: t["rate"] for t in target_rows}  # the target in force per month (target_months)
    for i, (code, _name) in enumerate(regions):
        r, c = i // columns + 1, i % columns + 1
        part = series.filter(pl.col("region_code") == code).sort("period")
        v = verdict.get(code)
        color = STATUS_COLORS.get(v["status"], LINE_COLOR) if v else LINE_COLOR
        ys = [None if x is None else 100 * x for x in part["rate"].to_list()]
        fig.add_trace(
            go.Scatter(
                x=part["period"].to_list(),
                y=ys,
                mode="lines",
                line=dict(color=color, width=2.2),
                name="比率",
                customdata=list(zip(part["numerator"].to_list(), part["denominator"].to_list())),
                hovertemplate="%{x}：%{y:.1f}%（%{customdata[0]:,}/%{customdata[1]:,}）<extra></extra>",
                showlegend=i == 0,
            ),
            row=r,
            col=c,
        )
        if line and periods:
            xs = [p for p in month_range(periods[0], x_end) if p in line]
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=[100 * line[p] for p in xs],
                    mode="lines",
                    line=dict(color=TARGET_COLOR, dash="dash", width=1.6, shape="hv"),
                    name="目标值",
                    hovertemplate="目标：%{y:.0f}%<extra></extra>",
                    showlegend=i == 0,
                ),
                row=r,
                col=c,
            )
        if v and v["status"] in ("on_track", "late", "overdue") and v["projected"] and v["rate"] is not None:
            start = v.get("as_of") or last
            end = min(v["projected"], shift_month(v["deadline"] or v["projected"], horizon))
            xs = month_range(start, end)
            ys = [100 * min(v["target"], v["rate"] + v["pace"] * (month_index(p) - month_index(start))) for p in xs]
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    line=dict(color=color, dash="dot", width=1.6),
                    name="按当前进度推算",
                    hovertemplate="推算 %{x}：%{y:.1f}%<extra></extra>",
                    showlegend=i == 0,
                ),
                row=r,
                col=c,
            )
            x_end = max(x_end, end)
    fig.update_yaxes(range=[0, 105], ticksuffix="%", gridcolor="#eeeeee")
    fig.update_xaxes(range=[periods[0], x_end] if periods else None, tickformat="%Y.%m", showgrid=False, nticks=5)
    fig.update_annotations(font_size=13)
    fig.update_layout(
        height=250 * rows + 110,
        margin=dict(l=10, r=10, t=110, b=20),
        font=dict(family=FONT_FAMILY),
        legend=dict(orientation="h", yref="container", y=0.995, yanchor="top", x=1, xanchor="right"),
        plot_bgcolor="white",
        title=dict(
            text=f"{label}：{'差距最大的单位' if capped else '各单位'}达标进度",
            x=0,
            y=1,
            yref="container",
            yanchor="top",
            pad=dict(t=12),
            font_size=15,
        ),
    )
    return fig


def panel_verdict(row: dict) -> str:
    """A short verdict for a small-multiple's title (the full message is in the table below)."""
    projected, status = row.get("projected"), row.get("status")
    month = f"{int(projected[:4])}年{int(projected[5:7])}月" if projected else ""
    text = campaign.label(status)
    if projected and status == "on_track":
        text = f"预计{month}达标"
    elif projected and status == "late":
        text = f"晚于期限 · 预计{month}"
    elif projected and status == "overdue":
        text = f"{campaign.label(status)} · 预计{month}"
    return text + data_month_mark(row.get("as_of"), row.get("period"))


def data_month_mark(as_of: str | None, period: str | None) -> str:
    """'（2026-10数据）' when a figure shown for ``period`` comes from an earlier report, '（未报）' when there is
    none at all, '' when it is the month's own."""
    if period is None:
        return ""
    if as_of is None:
        return f"（{labels.SUBMISSION_STATUS['missing']}）"
    return f"（{as_of}数据）" if as_of != period else ""


SEVERITY = {
    "overdue": 0,
    "stalled": 1,
    "late": 2,
    "behind": 2,
    "no_data": 3,
    "on_track": 4,
    "no_target": 5,
    "reached": 6,
}


def _laggards(regions: list[tuple], verdict: dict, limit: int) -> list[tuple]:
    """全省 (kept first) and the limit − 1 units furthest behind, in their original (code) order."""
    province = [r for r in regions if r[0] == PROVINCE_CODE]
    units = [r for r in regions if r[0] != PROVINCE_CODE]

    def key(region):
        v = verdict.get(region[0]) or {}
        return SEVERITY.get(v.get("status"), 3), v.get("rate") if v.get("rate") is not None else 2.0

    keep = {r[0] for r in sorted(units, key=key)[: limit - len(province)]}
    return province + [r for r in units if r[0] in keep]
