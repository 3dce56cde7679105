"""Page queries of 总览 and 调解成效, and the roll-ups they share. Testable without Streamlit.

Every public function takes (wh, viewer, ...) and enforces the viewer's scope (interfaces.md §4) here, where
the data is read, not by hiding widgets:
- rows of regions outside `viewer.detail_regions(index)` never leave a query;
- totals stay visible where §4 allows them: the province total and the units' totals (rankings) for province
  and city viewers, the own unit's total for a county viewer.

Roll-ups (unit, province) are sums over `v_region.unit_code`; every rate is recomputed from the summed
numerator and denominator (the formulas in force come from config [measures]), never averaged.
Values are always bound parameters; formulas are compiled by `warehouse.config.compile_formula`, which
accepts only column keys, numbers and arithmetic. The figures are read from the serving tables (warehouse/models/serving:
the public views materialised with each region's unit_code, refreshed by every load's commit).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from auth.viewer import Viewer
from dashboard import disputes, periods
from dashboard import targets as campaign
from dashboard.format import shift_period
from dashboard.scope import Scope, scope_of  # noqa: F401  (pages and brief call q.scope_of)
from etl.formdefs import all_sheets
from warehouse import config, labels
from warehouse.db import Warehouse, measures, quote_ident

PROVINCE_CODE = "220000"
PROVINCE_NAME = "全省"

# Short labels for KPI tiles (the full label is in the help text).
TILE_LABELS = {
    "accepted_total": "受理案件数",
    "success_rate": "调解成功率",
    "mediation_share": "协商调解解决占比",
    "union_100_committee": "工会百人以上企业调委会",
    "above_scale_committee": "规上企业调委会",
    "township_center": "乡镇（街道）调解中心",
    "arbitration_center": "仲裁院调解中心",
    "chamber_org": "商（协）会调解组织",
    "park_org": "园区调解组织",
}
# The five kinds of mediation organization of 附件1 (受理/成功 by kind).
ORG_KINDS = {
    "enterprise": "企业调解委员会",
    "township": "乡镇（街道）调解中心",
    "arbitration": "仲裁院调解中心",
    "chamber": "商（协）会调解组织",
    "other": "其他调解组织",
}
UNCLASSIFIED = ("~", "未分行业")


class ScopeError(PermissionError):
    """The viewer may not see the requested region."""


# ------------------------------------------------------------------ definitions from forms and config
@lru_cache(maxsize=1)
def mediation_keys() -> tuple[tuple[str, str], ...]:
    """(key, type) of every summable column of 附件1 调解情况."""
    sheet = next(s for _, s in all_sheets() if s.table == "mediation")
    return tuple((c.key, c.type) for c in sheet.stored_columns if c.type in ("int", "decimal"))


@lru_cache(maxsize=1)
def org_keys() -> tuple[str, ...]:
    sheet = next(s for _, s in all_sheets() if s.table == "org_building")
    return tuple(c.key for c in sheet.stored_columns if c.type == "int")


def coverage_measures() -> list[dict]:
    return [m for m in measures() if m["kind"] == "coverage"]


def measure_label(key: str) -> str:
    return next((m["label"] for m in measures() if m["key"] == key), key)


def split_ratio(formula: str) -> tuple[str, str | None]:
    """'a / (b + c)' → ('a', '(b + c)'): the numerator and denominator of a formula that is one top-level
    division; (formula, None) otherwise."""
    depth, cut = 0, None
    for i, ch in enumerate(formula):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "/" and depth == 0:
            if cut is not None:
                return formula, None
            cut = i
    if cut is None:
        return formula, None
    num, den = formula[:cut].strip(), formula[cut + 1 :].strip()
    if any(op in _top_level(den) for op in "+-*/"):
        return formula, None
    return num, den


def _top_level(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        depth += ch == "("
        if depth == 0:
            out.append(ch)
        depth -= ch == ")"
    return "".join(out)


@lru_cache(maxsize=8)
def _rate_sql(key: str, formula: str) -> tuple[str, str, str]:
    """(rate, numerator, denominator) SQL of a configured mediation formula over summed columns."""
    allowed = {k for k, _ in mediation_keys()}
    num, den = split_ratio(formula)
    rate = config.compile_formula(formula, allowed)
    if den is None:
        return rate, config.compile_formula(num, allowed), "cast(null as double)"
    return rate, config.compile_formula(num, allowed), config.compile_formula(den, allowed)


def rate_sql(key: str) -> tuple[str, str, str]:
    return _rate_sql(key, config.settings()["measures"][key])


def _rates_select() -> str:
    parts = []
    for key in ("success_rate", "mediation_share"):
        rate, num, den = rate_sql(key)
        parts += [f"{rate} as {key}", f"{num} as {key}_num", f"{den} as {key}_den"]
    return ", ".join(parts)


def _sums(keys: list[tuple[str, str]], alias: str = "m") -> str:
    return ", ".join(
        f"cast(sum({alias}.{quote_ident(k)}) as {'double' if t == 'decimal' else 'bigint'}) as {quote_ident(k)}"
        for k, t in keys
    )


# ------------------------------------------------------------------ scope
@dataclass(frozen=True)
class Selection:
    """The region a page shows: its totals sum `members`; its breakdown rows are `children`."""

    code: str
    level: str  # province | unit | region
    name: str
    members: tuple[str, ...] | None  # data rows summed into the selection's totals; None = all
    children: tuple[tuple[str, str], ...]  # (code, name) of the breakdown rows the viewer may see
    child_level: str  # unit | region


def _child_name(index, code: str) -> str:
    """A region as a row of its unit's breakdown: the city's own code is 市本级."""
    region = index.get(code)
    if region is None:
        return code
    if region.kind == "city":
        return f"{region.name}本级"
    return region.name


def selection(wh: Warehouse, viewer: Viewer, region: str | None) -> Selection:
    """Resolve the chosen region for this viewer; ScopeError when it is outside their scope."""
    index = wh.region_index()
    sc = scope_of(wh, viewer)
    code = region or PROVINCE_CODE
    units = sorted(index.units, key=lambda r: r.code)
    if code == PROVINCE_CODE:
        if not sc.province:
            raise ScopeError("当前账号无权查看全省汇总数据")
        children = tuple((u.code, u.name) for u in units if sc.sees_unit(u.code))
        return Selection(code, "province", PROVINCE_NAME, None, children, "unit")
    found = index.get(code)
    if found is None or found.kind == "province":
        raise ScopeError(f"未知地区 {code}")
    if found.unit_code == found.code:
        if not sc.sees_unit(code):
            raise ScopeError(f"当前账号无权查看 {found.name} 的数据")
        members = tuple(sorted(r.code for r in index.unit_regions(code)))
        children = tuple((c, _child_name(index, c)) for c in members if sc.sees_region(c))
        return Selection(code, "unit", found.name, members, children, "region")
    if not sc.sees_region(code):
        raise ScopeError(f"当前账号无权查看 {found.name} 的明细数据")
    return Selection(code, "region", found.name, (code,), ((code, found.name),), "region")


def _members_filter(sel: Selection, column: str = "region_code") -> tuple[str, list]:
    if sel.members is None:
        return "true", []
    return f"list_contains(?, {column})", [list(sel.members)]


def _children_frame(sel: Selection) -> pl.DataFrame:
    return pl.DataFrame(
        {"code": [c for c, _ in sel.children], "name": [n for _, n in sel.children]},
        schema={"code": pl.Utf8, "name": pl.Utf8},
    )


def _child_expr(sel: Selection) -> tuple[str, str, list]:
    """(SQL of the child key of a data row, filter, params): units for the province, regions otherwise.
    Only children the viewer may see are kept."""
    codes = [c for c, _ in sel.children]
    if sel.child_level == "unit":
        return "m.unit_code", "list_contains(?, m.unit_code)", [codes]
    return "m.region_code", "list_contains(?, m.region_code)", [codes]


# ------------------------------------------------------------------ targets
def targets(wh: Warehouse) -> pl.DataFrame:
    """Campaign targets in force (config [[targets]], as written to cfg_target)."""
    return wh.query("""
        select measure, target_date, rate, points_over_2024 from cfg_target order by measure, target_date
    """)


def target_in_force(wh: Warehouse, measure: str, period: str) -> dict | None:
    """The target that applies to a month (macro targets_in_force, the rule of v_coverage); None without one."""
    return campaign.in_force_by_measure(wh, period).get(measure)


def target_text(target: dict | None, baseline: float | None = None) -> str:
    """'2025年底达到 90.0%' / '2025年底比2024年均值（61.2%）提高 10 个百分点（71.2%）'."""
    if not target:
        return labels.TARGET_STATUS["no_target"]
    when = (
        f"{target['target_date'].year}年底"
        if target["target_date"].month == 12 and target["target_date"].day == 31
        else target["target_date"].isoformat()
    )
    if target.get("rate") is not None:
        return f"{when}达到 {100 * target['rate']:.1f}%"
    points = target.get("points_over_2024") or 0
    if baseline is None:
        return f"{when}比2024年均值提高 {100 * points:.0f} 个百分点（缺少2024年数据）"
    return f"{when}比2024年均值（{100 * baseline:.1f}%）提高 {100 * points:.0f} 个百分点（{100 * (baseline + points):.1f}%）"


# ------------------------------------------------------------------ mediation roll-ups
def _mediation_grouped(
    wh: Warehouse, group: str, where: str, params: list, start: str, end: str, order: str = "1"
) -> pl.DataFrame:
    sql = f"""
        with agg as (
            select {group}, count(distinct m.region_code) as regions_reported, {_sums(list(mediation_keys()))}
            from page_mediation as m
            where m.period between ? and ? and {where}
            group by all
        )
        select *, {_rates_select()} from agg order by {order}
    """
    return wh.query(sql, [start, end, *params])


def trend(wh: Warehouse, viewer: Viewer, region: str | None, start: str, end: str) -> pl.DataFrame:
    """Monthly totals of the selection: every 附件1 sum, success_rate and mediation_share with numerators and
    denominators, one row per month that has figures."""
    sel = selection(wh, viewer, region)
    where, params = _members_filter(sel, "m.region_code")
    return _mediation_grouped(wh, "m.period", where, params, start, end)


def mediation_totals(wh: Warehouse, viewer: Viewer, region: str | None, start: str, end: str) -> dict:
    """Totals of the selection over [start, end] and over the same months a year earlier (同比):
    {"current": {...} | None, "last_year": {...} | None}."""
    sel = selection(wh, viewer, region)
    where, params = _members_filter(sel, "m.region_code")
    current = _mediation_grouped(wh, "'current' as span", where, params, start, end)
    last = _mediation_grouped(
        wh, "'last_year' as span", where, params, shift_period(start, -12), shift_period(end, -12)
    )
    months = wh.query(
        f"""
        select count(distinct period) as months from page_mediation as m
        where m.period between ? and ? and {where}
    """,
        [shift_period(start, -12), shift_period(end, -12), *params],
    )["months"][0]
    span = periods.span(start, end)
    return {
        "current": current.to_dicts()[0] if current.height else None,
        # a year-earlier comparison only when every month of that span has figures
        "last_year": last.to_dicts()[0] if last.height and months == span else None,
    }


def mediation_by_child(wh: Warehouse, viewer: Viewer, region: str | None, start: str, end: str) -> pl.DataFrame:
    """The selection's breakdown over [start, end]: units under the province, regions under a unit (市本级,
    counties, zones) — only rows the viewer may see. Columns: code, name, the sums, rates with numerators and
    denominators, accepted_share (share of the selection's accepted cases)."""
    sel = selection(wh, viewer, region)
    key, where, params = _child_expr(sel)
    frame = _mediation_grouped(wh, f"{key} as code", where, params, start, end)
    out = _children_frame(sel).join(frame, on="code", how="left")
    total = out["accepted_total"].sum() or 0
    return out.with_columns(
        (pl.col("accepted_total") / total if total else pl.lit(None, dtype=pl.Float64)).alias("accepted_share")
    )


def org_kinds(wh: Warehouse, viewer: Viewer, region: str | None, start: str, end: str) -> pl.DataFrame:
    """Accepted and succeeded cases by kind of mediation organization (附件1 第4–8、11–15列) over [start, end]."""
    sel = selection(wh, viewer, region)
    where, params = _members_filter(sel, "region_code")
    cols = ", ".join(
        f"cast(sum(accepted_{k}) as bigint) as a_{k}, cast(sum(succeeded_{k}) as bigint) as s_{k}" for k in ORG_KINDS
    )
    row = wh.query(
        f"select {cols} from page_mediation where period between ? and ? and {where}", [start, end, *params]
    ).row(0, named=True)
    rows = []
    for k, label in ORG_KINDS.items():
        accepted, succeeded = row[f"a_{k}"], row[f"s_{k}"]
        rows.append(
            {
                "kind": k,
                "label": label,
                "accepted": accepted,
                "succeeded": succeeded,
                "success_share": (succeeded / accepted) if accepted else None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "kind": pl.Utf8,
            "label": pl.Utf8,
            "accepted": pl.Int64,
            "succeeded": pl.Int64,
            "success_share": pl.Float64,
        },
    )


# ------------------------------------------------------------------ industries
def industry_breakdown(wh: Warehouse, viewer: Viewer, region: str | None, start: str, end: str) -> pl.DataFrame:
    """Cases by industry (附件1 分行业) over [start, end], plus 未分行业 = 调解情况 accepted − industry sums when
    positive. success_share = succeeded ÷ accepted (分行业 has no 结案数)."""
    sel = selection(wh, viewer, region)
    where, params = _members_filter(sel, "region_code")
    frame = wh.query(
        f"""
        select i.industry_code, any_value(i.industry_name) as industry_name,
               cast(sum(i.accepted) as bigint) as accepted, cast(sum(i.succeeded) as bigint) as succeeded,
               cast(sum(i.collective_cases) as bigint) as collective_cases, cast(sum(i.workers) as bigint) as workers
        from page_mediation_industry as i
        where i.period between ? and ? and {where}
        group by i.industry_code
        order by accepted desc, i.industry_code
    """,
        [start, end, *params],
    )
    totals = wh.query(
        f"""
        select cast(sum(accepted_total) as bigint) as accepted, cast(sum(succeeded_total) as bigint) as succeeded
        from page_mediation where period between ? and ? and {where}
    """,
        [start, end, *params],
    ).row(0, named=True)
    rest_a = (totals["accepted"] or 0) - (frame["accepted"].sum() or 0)
    rest_s = max((totals["succeeded"] or 0) - (frame["succeeded"].sum() or 0), 0)
    if rest_a > 0 and frame.height:
        frame = pl.concat(
            [
                frame,
                pl.DataFrame(
                    [
                        {
                            "industry_code": UNCLASSIFIED[0],
                            "industry_name": UNCLASSIFIED[1],
                            "accepted": rest_a,
                            "succeeded": min(rest_s, rest_a),
                            "collective_cases": None,
                            "workers": None,
                        }
                    ],
                    schema=frame.schema,
                ),
            ]
        )
    total = frame["accepted"].sum() or 0
    return frame.with_columns(
        (pl.col("succeeded") / pl.col("accepted")).alias("success_share"),
        (pl.col("accepted") / total if total else pl.lit(None, dtype=pl.Float64)).alias("accepted_share"),
    )


def industry_matrix(
    wh: Warehouse, viewer: Viewer, region: str | None, start: str, end: str, industry: str | None = None
) -> pl.DataFrame:
    """Children (units or regions) × industry: accepted, succeeded, success_share over [start, end]; rows the viewer
    may see only. With `industry`, only that industry."""
    sel = selection(wh, viewer, region)
    key, where, params = _child_expr(sel)
    extra, extra_params = ("and m.industry_code = ?", [industry]) if industry else ("", [])
    frame = wh.query(
        f"""
        select {key} as code, m.industry_code, any_value(m.industry_name) as industry_name,
               cast(sum(m.accepted) as bigint) as accepted, cast(sum(m.succeeded) as bigint) as succeeded
        from page_mediation_industry as m
        where m.period between ? and ? and {where} {extra}
        group by all
    """,
        [start, end, *params, *extra_params],
    )
    names = _children_frame(sel)
    return (
        names.join(frame, on="code", how="inner")
        .with_columns((pl.col("succeeded") / pl.col("accepted")).alias("success_share"))
        .sort(["code", "industry_code"])
    )


def industry_trend(
    wh: Warehouse, viewer: Viewer, region: str | None, start: str, end: str, industry: str
) -> pl.DataFrame:
    """Monthly accepted/succeeded of one industry for the selection."""
    sel = selection(wh, viewer, region)
    where, params = _members_filter(sel, "region_code")
    return wh.query(
        f"""
        select period, cast(sum(accepted) as bigint) as accepted, cast(sum(succeeded) as bigint) as succeeded,
               cast(sum(collective_cases) as bigint) as collective_cases
        from page_mediation_industry
        where period between ? and ? and industry_code = ? and {where}
        group by period order by period
    """,
        [start, end, industry, *params],
    )


# ------------------------------------------------------------------ coverage (组织建设 stock at month end)
def _coverage_sums_sql() -> str:
    cols = []
    for m in coverage_measures():
        cols.append(f"cast(sum(o.{quote_ident(m['numerator'])}) as bigint) as {quote_ident(m['key'] + '__num')}")
        cols.append(f"cast(sum(o.{quote_ident(m['denominator'])}) as bigint) as {quote_ident(m['key'] + '__den')}")
    return ", ".join(cols)


def _coverage_long(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Wide sums (m__num, m__den per measure) → one row per key × measure with the rate."""
    parts = []
    for m in coverage_measures():
        parts.append(
            frame.select(
                *keys,
                pl.lit(m["key"]).alias("measure"),
                pl.lit(m["label"]).alias("label"),
                pl.col(f"{m['key']}__num").alias("numerator"),
                pl.col(f"{m['key']}__den").alias("denominator"),
            )
        )
    schema = {
        **{k: pl.Utf8 for k in keys},
        "measure": pl.Utf8,
        "label": pl.Utf8,
        "numerator": pl.Int64,
        "denominator": pl.Int64,
    }
    if not parts:
        return pl.DataFrame(schema=schema | {"rate": pl.Float64})
    out = pl.concat(parts)
    return out.with_columns(
        pl.when(pl.col("denominator") > 0)
        .then(pl.col("numerator") / pl.col("denominator"))
        .otherwise(None)
        .alias("rate")
    )


def coverage_trend(wh: Warehouse, viewer: Viewer, region: str | None, start: str, end: str) -> pl.DataFrame:
    """Coverage measures of the selection per month (stock at month end, summed over its regions):
    period, measure, label, numerator, denominator, rate, target (the one in force that month), target_date."""
    sel = selection(wh, viewer, region)
    where, params = _members_filter(sel, "o.region_code")
    wide = wh.query(
        f"""
        select o.period, {_coverage_sums_sql()}
        from page_org_building as o
        where o.period between ? and ? and {where}
        group by o.period order by o.period
    """,
        [start, end, *params],
    )
    long = _coverage_long(wide, ["period"])
    return _with_targets(wh, long)


def _with_targets(wh: Warehouse, long: pl.DataFrame) -> pl.DataFrame:
    """``long`` (period × measure) with the target in force each month (macro targets_in_force)."""
    goals = campaign.in_force(wh, long["period"].unique().to_list()).select(
        "period", "measure", pl.col("rate").alias("target"), "target_date"
    )
    return long.join(goals, on=["period", "measure"], how="left")


# ------------------------------------------------------------------ headline figures (总览)
def mediation_share_baseline(wh: Warehouse, viewer: Viewer, region: str | None, year: int = 2024) -> dict:
    """The selection's 2024 average of 协商调解解决占比 (summed numerator ÷ summed denominator over the year)."""
    sel = selection(wh, viewer, region)
    where, params = _members_filter(sel, "m.region_code")
    frame = _mediation_grouped(wh, "'year' as span", where, params, f"{year}-01", f"{year}-12")
    if not frame.height:
        return {"rate": None, "numerator": None, "denominator": None}
    row = frame.row(0, named=True)
    return {
        "rate": row["mediation_share"],
        "numerator": row["mediation_share_num"],
        "denominator": row["mediation_share_den"],
    }


def kpis(wh: Warehouse, viewer: Viewer, region: str | None, period: str) -> pl.DataFrame:
    """Headline measures of the selection for one month against the campaign targets.

    One row per measure (accepted_total, success_rate, mediation_share, then the coverage measures):
    key, label, tile, unit, value, numerator, denominator, previous (last month's value), change (value − previous;
    for counts the relative change), target (value in force), target_date, target_text, gap (value − target),
    met (value ≥ target), baseline (mediation_share: the 2024 average), status (dashboard.targets.status: 已达标 /
    未达标 / 逾期未达标 … as labels.TARGET_STATUS keys, judged for ``period``).
    """
    prev = shift_period(period, -1)
    med = trend(wh, viewer, region, prev, period)
    cov = coverage_trend(wh, viewer, region, prev, period)
    goals = campaign.in_force_by_measure(wh, period)
    by_period = {r["period"]: r for r in med.to_dicts()}
    cur, last = by_period.get(period), by_period.get(prev)
    rows = []

    def add(
        key,
        unit,
        value,
        num,
        den,
        previous,
        target=None,
        target_date=None,
        text=labels.TARGET_STATUS["no_target"],
        baseline=None,
    ):
        if value is None or previous is None:
            change = None
        elif unit == "%":
            change = value - previous
        else:
            change = (value - previous) / previous if previous else None
        gap = (value - target) if (value is not None and target is not None) else None
        rows.append(
            {
                "key": key,
                "label": measure_label(key) if key != "accepted_total" else "受理案件数",
                "tile": TILE_LABELS.get(key, key),
                "unit": unit,
                "value": value,
                "numerator": num,
                "denominator": den,
                "previous": previous,
                "change": change,
                "target": target,
                "target_date": target_date,
                "target_text": text,
                "gap": gap,
                "met": (gap >= -campaign.EPS) if gap is not None else None,
                "baseline": baseline,
                "status": campaign.status(value, target, target_date, period) if unit == "%" else None,
            }
        )

    add("accepted_total", "件", _f(cur, "accepted_total"), None, None, _f(last, "accepted_total"))
    add(
        "success_rate",
        "%",
        _f(cur, "success_rate"),
        _f(cur, "success_rate_num"),
        _f(cur, "success_rate_den"),
        _f(last, "success_rate"),
    )
    share_target = goals.get("mediation_share")
    base = mediation_share_baseline(wh, viewer, region)["rate"] if share_target else None
    target_value = None
    if share_target:
        target_value = (
            share_target["rate"]
            if share_target.get("rate") is not None
            else (base + (share_target.get("points_over_2024") or 0) if base is not None else None)
        )
    add(
        "mediation_share",
        "%",
        _f(cur, "mediation_share"),
        _f(cur, "mediation_share_num"),
        _f(cur, "mediation_share_den"),
        _f(last, "mediation_share"),
        target_value,
        share_target["target_date"] if share_target else None,
        target_text(share_target, base),
        base,
    )
    cov_rows = {(r["period"], r["measure"]): r for r in cov.to_dicts()}
    for m in coverage_measures():
        now, before = cov_rows.get((period, m["key"]), {}), cov_rows.get((prev, m["key"]), {})
        found = goals.get(m["key"])
        add(
            m["key"],
            "%",
            now.get("rate"),
            now.get("numerator"),
            now.get("denominator"),
            before.get("rate"),
            found["rate"] if found else None,
            found["target_date"] if found else None,
            target_text(found),
        )
    return pl.DataFrame(
        rows,
        schema={
            "key": pl.Utf8,
            "label": pl.Utf8,
            "tile": pl.Utf8,
            "unit": pl.Utf8,
            "value": pl.Float64,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "previous": pl.Float64,
            "change": pl.Float64,
            "target": pl.Float64,
            "target_date": pl.Date,
            "target_text": pl.Utf8,
            "gap": pl.Float64,
            "met": pl.Boolean,
            "baseline": pl.Float64,
            "status": pl.Utf8,
        },
    )


def target_progress(wh: Warehouse, viewer: Viewer, region: str | None, start: str, end: str) -> pl.DataFrame:
    """kpis() as 各项目标完成情况 shows them beside the unit ranking, in the ranking's windows: the mediation
    measures (success_rate, mediation_share) over [start, end] (summed numerator ÷ summed denominator, as
    unit_ranking), coverage measures at `end` (stock). accepted_total is left out; change and previous are null
    (a span has no 环比)."""
    kp = kpis(wh, viewer, region, end).filter(pl.col("key") != "accepted_total")
    sel = selection(wh, viewer, region)
    where, params = _members_filter(sel, "m.region_code")
    span = _mediation_grouped(wh, "'span' as span", where, params, start, end)
    row = span.row(0, named=True) if span.height else None
    over_span = {key: (_f(row, key), _f(row, f"{key}_num"), _f(row, f"{key}_den")) for key in RANKING_MEASURES}
    rows = []
    for r in kp.to_dicts():
        if r["key"] in over_span:
            r["value"], r["numerator"], r["denominator"] = over_span[r["key"]]
            r["previous"] = r["change"] = None
            r["gap"] = (r["value"] - r["target"]) if (r["value"] is not None and r["target"] is not None) else None
            r["met"] = (r["gap"] >= -campaign.EPS) if r["gap"] is not None else None
            r["status"] = campaign.status(r["value"], r["target"], r["target_date"], end)
        rows.append(r)
    return pl.DataFrame(rows, schema=kp.schema)


def _f(row: dict | None, key: str):
    if row is None:
        return None
    value = row.get(key)
    return None if value is None else float(value)


RANKING_MEASURES = ("mediation_share", "success_rate")


def unit_ranking(wh: Warehouse, viewer: Viewer, start: str, end: str, with_province: bool = False) -> pl.DataFrame:
    """Every unit the viewer may see, one row per unit × measure: success_rate and mediation_share over
    [start, end]; coverage measures at `end` (stock). Columns: unit_code, unit_name, measure, label, numerator,
    denominator, rate, target, met, rank (1 = best among the units shown; nulls last), reported (form A of `end`).
    with_province: also the province rows (unit_code '220000', 全省, rank null) when the viewer may see them."""
    index = wh.region_index()
    sc = scope_of(wh, viewer)
    units = [u for u in sorted(index.units, key=lambda r: r.code) if sc.sees_unit(u.code)]
    codes = [u.code for u in units]
    province = with_province and sc.province
    names = pl.DataFrame(
        {
            "unit_code": codes + ([PROVINCE_CODE] if province else []),
            "unit_name": [u.name for u in units] + ([PROVINCE_NAME] if province else []),
        },
        schema={"unit_code": pl.Utf8, "unit_name": pl.Utf8},
    )

    def by_unit(first: str, last: str) -> pl.DataFrame:
        """Units' sums and, with `province`, the grand total in the same scan (grouping sets)."""
        sql = f"""
            with agg as (
                select m.unit_code, count(distinct m.region_code) as regions_reported, {_sums(list(mediation_keys()))}
                from page_mediation as m
                where m.period between ? and ? and list_contains(?, m.unit_code)
                group by {"grouping sets ((m.unit_code), ())" if province else "m.unit_code"}
            )
            select * replace (coalesce(unit_code, '{PROVINCE_CODE}') as unit_code), {_rates_select()} from agg
        """
        return wh.query(sql, [first, last, codes])

    med = by_unit(start, end)
    base = by_unit("2024-01", "2024-12")
    goals_now = campaign.in_force_by_measure(wh, end)
    share_target = goals_now.get("mediation_share")
    points = (share_target or {}).get("points_over_2024")
    fixed = (share_target or {}).get("rate")
    base_rate = {r["unit_code"]: r["mediation_share"] for r in base.to_dicts()}
    parts = []
    for key in RANKING_MEASURES:
        part = med.select(
            pl.col("unit_code"),
            pl.lit(key).alias("measure"),
            pl.lit(measure_label(key)).alias("label"),
            pl.col(f"{key}_num").alias("numerator"),
            pl.col(f"{key}_den").alias("denominator"),
            pl.col(key).alias("rate"),
        )
        if key == "mediation_share" and share_target:
            goal = {
                c: (fixed if fixed is not None else (b + points if b is not None and points is not None else None))
                for c, b in base_rate.items()
            }
            part = part.with_columns(
                pl.col("unit_code").replace_strict(goal, default=None, return_dtype=pl.Float64).alias("target")
            )
        else:
            part = part.with_columns(pl.lit(None, dtype=pl.Float64).alias("target"))
        parts.append(part)
    wide = wh.query(
        f"""
        select coalesce(o.unit_code, '{PROVINCE_CODE}') as unit_code, {_coverage_sums_sql()}
        from page_org_building as o
        where o.period = ? and list_contains(?, o.unit_code)
        group by {"grouping sets ((o.unit_code), ())" if province else "o.unit_code"}
    """,
        [end, codes],
    )
    cov = _coverage_long(wide, ["unit_code"])
    goals = {m["key"]: (goals_now.get(m["key"]) or {}).get("rate") for m in coverage_measures()}
    cov = cov.with_columns(
        pl.col("measure").replace_strict(goals, default=None, return_dtype=pl.Float64).alias("target")
    )
    long = pl.concat(
        [p.with_columns(pl.col("numerator").cast(pl.Float64), pl.col("denominator").cast(pl.Float64)) for p in parts]
        + [
            cov.select(parts[0].columns).with_columns(
                pl.col("numerator").cast(pl.Float64), pl.col("denominator").cast(pl.Float64)
            )
        ]
    )
    grid = names.join(
        pl.DataFrame({"measure": list(RANKING_MEASURES) + [m["key"] for m in coverage_measures()]}), how="cross"
    )
    label_of = {m["key"]: m["label"] for m in measures()}
    out = grid.join(long.drop("label"), on=["unit_code", "measure"], how="left").with_columns(
        pl.col("measure").replace_strict(label_of, default=pl.col("measure")).alias("label"),
        pl.when(pl.col("target").is_not_null() & pl.col("rate").is_not_null())
        .then(pl.col("rate") >= pl.col("target") - 1e-12)
        .otherwise(None)
        .alias("met"),
        pl.when(pl.col("unit_code") != PROVINCE_CODE)
        .then(pl.col("rate"))
        .otherwise(None)
        .rank("min", descending=True)
        .over("measure")
        .cast(pl.Int32)
        .alias("rank"),
    )
    reported = set(
        wh.query(
            """
        select distinct r.unit_code from current_versions as c join ref_region as r on r.code = c.region_code
        where c.form = 'A' and c.period = ?
    """,
            [end],
        )["unit_code"].to_list()
    ) | {PROVINCE_CODE}
    return (
        out.with_columns(pl.col("unit_code").is_in(list(reported)).alias("reported"))
        .select(
            "unit_code",
            "unit_name",
            "measure",
            "label",
            "numerator",
            "denominator",
            "rate",
            "target",
            "met",
            "rank",
            "reported",
        )
        .sort(["measure", "rank", "unit_code"], nulls_last=True)
    )


def ranking_table(long: pl.DataFrame) -> pl.DataFrame:
    """unit_ranking() as one row per unit with a rate column per measure (Chinese headers) and 达标项数."""
    if not long.height:
        return pl.DataFrame()
    present = set(long["measure"].to_list())
    order = [m for m in (*RANKING_MEASURES, *(c["key"] for c in coverage_measures())) if m in present]
    labels = dict(zip(long["measure"], long["label"]))
    wide = long.pivot(on="measure", index=["unit_code", "unit_name"], values="rate")
    met = long.group_by("unit_code").agg(
        pl.col("met").fill_null(False).sum().cast(pl.Int32).alias("达标项数"),
        pl.col("met").is_not_null().sum().cast(pl.Int32).alias("有目标项数"),
    )
    wide = wide.join(met, on="unit_code", how="left").sort("unit_code")
    return wide.select(
        pl.col("unit_name").alias("单位"), *[pl.col(m).alias(labels[m]) for m in order], "达标项数", "有目标项数"
    )


def missing_units(wh: Warehouse, period: str, form: str = "A") -> list[str]:
    """Names of the reporting units without a current `form` for `period` (a province-level fact)."""
    frame = wh.query(
        """
        select u.name from ref_region as u
        where u.code = u.unit_code and not exists (
            select 1 from current_versions as c join ref_region as r on r.code = c.region_code
            where c.form = ? and c.period = ? and r.unit_code = u.code)
        order by u.code
    """,
        [form, period],
    )
    return frame["name"].to_list()


# ------------------------------------------------------------------ early warning
LEVEL_LABELS = labels.SIGNAL_LEVEL
SIGNAL_STATUS = labels.SIGNAL_STATUS


def _detail_filter(wh: Warehouse, viewer: Viewer, region: str | None, column: str) -> tuple[str, list]:
    """Rows of the selection that the viewer may see one by one (detail rows)."""
    sel = selection(wh, viewer, region)
    sc = scope_of(wh, viewer)
    allowed = (
        sel.members
        if sc.detail is None
        else tuple(c for c in (sel.members if sel.members is not None else sorted(sc.detail)) if c in sc.detail)
    )
    if allowed is None:
        return "true", []
    return f"list_contains(?, {column})", [list(allowed)]


def open_signals(
    wh: Warehouse,
    viewer: Viewer,
    region: str | None = None,
    levels: tuple[str, ...] = ("red", "orange"),
    limit: int = 20,
) -> pl.DataFrame:
    """Open early-warning signals (v_signals) of the given levels in the selection's regions the viewer may see,
    red first, newest first."""
    where, params = _detail_filter(wh, viewer, region, "s.region_code")
    return wh.query(
        f"""
        select s.level, s.period, s.region_code, coalesce(r.region_name, s.region_code) as region_name, s.title,
               s.explanation, s.status, s.last_seen
        from v_signals as s left join v_region as r using (region_code)
        where s.status <> 'closed' and list_contains(?, s.level) and {where}
        order by case s.level when 'red' then 0 when 'orange' then 1 when 'yellow' then 2 else 3 end,
                 s.last_seen desc, s.signal_id
        limit ?
    """,
        [list(levels), *params, limit],
    )


def open_major_disputes(
    wh: Warehouse,
    viewer: Viewer,
    region: str | None = None,
    limit: int = 10,
    end: str | None = None,
    start: str | None = None,
) -> pl.DataFrame:
    """The newest unresolved (未化解 + 处置中) major collective disputes: the rows 重大集体争议 lists for the same
    filters (dashboard/disputes.incidents, so both pages count and list one scoped set), newest first."""
    frame = disputes.incidents(wh, viewer, _dispute_query(wh, viewer, region, start, end), None)
    return (
        frame.sort(["occurred_on", "incident_id"], descending=[True, False])
        .head(limit)
        .select(
            "occurred_on",
            "region_code",
            pl.col("region_name").fill_null(pl.col("region_code")),
            pl.col("unit_name").fill_null(""),
            "employer",
            "industry_code",
            "workers",
            pl.col("amount_wan").cast(pl.Float64),
            "dispute_type",
            "escalated",
            "status",
            pl.col("reported_period").alias("last_period"),
        )
    )


def open_major_count(
    wh: Warehouse, viewer: Viewer, region: str | None = None, end: str | None = None, start: str | None = None
) -> dict:
    """Unresolved major collective disputes of the selection, from dashboard/disputes.summary (the definition of
    重大集体争议): incidents (在办 = open + in_progress), open (未化解), in_progress (处置中), workers, amount_wan,
    escalated — over the rows the viewer may see in detail, reported in [start, end] (None: all up to the latest)."""
    row = disputes.summary(wh, viewer, _dispute_query(wh, viewer, region, start, end))
    return {
        "incidents": row["unresolved"],
        "open": row["open"],
        "in_progress": row["in_progress"],
        "workers": row["workers"],
        "amount_wan": row["amount_wan"],
        "escalated": row["escalated"],
    }


def _dispute_query(
    wh: Warehouse, viewer: Viewer, region: str | None, start: str | None, end: str | None
) -> "disputes.Query":
    """The 重大集体争议 page's query for the overview's selection: unresolved only, as of `end`."""
    sel = selection(wh, viewer, region)  # ScopeError outside the viewer's scope, as everywhere on 总览
    if end is None:
        end = wh.scalar("select max(period) from page_dispute_reports") or "0000-00"
    return disputes.Query(
        start=start, end=end, region=sel.code, statuses=(labels.DISPUTE_OPEN, labels.DISPUTE_IN_PROGRESS)
    )
