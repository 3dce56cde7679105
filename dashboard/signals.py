"""Queries of the 风险预警 page (and the overview's counts): early-warning signals within the viewer's scope.

Every function takes (wh, viewer, ...) and filters rows by viewer.detail_regions(): a signal, an evidence row or
an action outside the viewer's regions never leaves the query. Testable without Streamlit.
"""

from __future__ import annotations

import json

import polars as pl

from auth.viewer import Viewer
from dashboard.format import FONT_FAMILY, HEAT_ROWS
from etl.regions import PROVINCE_CODE, RegionIndex, read_industries
from warehouse import labels
from warehouse import signals as engine
from warehouse.db import Warehouse, measures, quote_ident

LEVELS = engine.LEVELS
LEVEL_NAMES = labels.SIGNAL_LEVEL
LEVEL_COLORS = {"red": "#c0392b", "orange": "#e67e22", "yellow": "#d4ac0d", "blue": "#2e86c1"}
LEVEL_MARKS = {"red": ":red[●]", "orange": ":orange[●]", "yellow": ":yellow[●]", "blue": ":blue[●]"}  # markdown
INDUSTRY_SHORT = labels.INDUSTRY_SHORT  # one catalogue of short industry names (warehouse/labels.py)
STATUS_NAMES = labels.SIGNAL_STATUS
RULE_NAMES = engine.RULES
NO_INDUSTRY = "—"

# Evidence a signal may link to: view → (key columns a link may filter on, columns shown with Chinese headers).
EVIDENCE_VIEWS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "v_major_disputes": (
        ("incident_id",),
        {
            "region_code": "地区",
            "occurred_on": "发生日期",
            "employer": "用人单位",
            "industry_code": "行业",
            "workers": "涉及人数",
            "amount_wan": "涉案金额（万元）",
            "dispute_type": "争议类型",
            "escalated": "有无激化",
            "status": "处置状态",
            "resolved_on": "化解日期",
            "first_period": "首次报送",
            "last_period": "最近报送",
        },
    ),
    "mart_major_dispute_history": (
        ("incident_id",),
        {
            "period": "报送月份",
            "region_code": "地区",
            "status": "处置状态",
            "workers": "涉及人数",
            "amount_wan": "涉案金额（万元）",
            "escalated": "有无激化",
            "resolved_on": "化解日期",
            "notes": "处置情况",
        },
    ),
    "v_risk_warnings": (
        ("warning_id",),
        {
            "region_code": "地区",
            "found_on": "发现日期",
            "employer": "用人单位",
            "industry_code": "行业",
            "risk_type": "风险类型",
            "workers": "涉及人数",
            "amount_wan": "涉及金额（万元）",
            "level": "预警等级",
            "owner": "处置责任单位",
            "status": "处置状态",
            "closed_on": "办结日期",
        },
    ),
    "v_mediation_industry": (
        ("region_code", "industry_code", "period"),
        {
            "period": "月份",
            "region_code": "地区",
            "industry_name": "行业",
            "accepted": "受理（件）",
            "succeeded": "调解成功（件）",
            "collective_cases": "集体争议（件）",
            "workers": "涉及人数",
        },
    ),
    "v_mediation": (
        ("region_code", "period"),
        {
            "period": "月份",
            "region_code": "地区",
            "accepted_total": "受理（件）",
            "closed_total": "结案（件）",
            "succeeded_total": "调解成功（件）",
            "success_rate": "调解成功率",
        },
    ),
    "v_coverage": (
        ("region_code", "measure", "period"),
        {
            "period": "月份",
            "region_code": "地区",
            "measure": "指标",
            "numerator": "已建（个）",
            "denominator": "应建（个）",
            "rate": "覆盖率",
            "target": "目标",
            "target_date": "目标期限",
        },
    ),
    "v_submissions": (
        ("region_code", "period"),
        {
            "period": "月份",
            "region_code": "报送单位",
            "form": "报表",
            "loaded_at": "首次报送时间",
            "loaded_by": "报送人",
            "status": "状态",
        },
    ),
}
SUBMISSION_STATUS = labels.SUBMISSION_STATUS
FORM_NAMES = engine.FORM_NAMES


MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!|<>~$="


def md_text(text: str | None) -> str:
    """User data (employer names in titles and explanations) as literal text inside st.markdown."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIAL else ch for ch in (text or ""))


# ------------------------------------------------------------------ scope
def scope_regions(wh: Warehouse, viewer: Viewer, region: str | None = None) -> list[str] | None:
    """Region codes whose signals the viewer may see under the region filter; None = every region.

    region: None or 220000 = the whole scope; a unit's code = its regions (the unit's own signals included);
    a county's code = that region only."""
    index = wh.region_index()
    detail = viewer.detail_regions(index)
    chosen: set[str] | None = None
    if region and region != PROVINCE_CODE and index.get(region) is not None:
        found = index.get(region)
        chosen = {r.code for r in index.unit_regions(region)} | {region} if found.code == found.unit_code else {region}
    if detail is None:
        return None if chosen is None else sorted(chosen)
    return sorted(set(detail) if chosen is None else set(detail) & chosen)


def _where(
    wh: Warehouse, viewer: Viewer, *, region: str | None = None, industry: str | None = None, alias: str = "s"
) -> tuple[str, dict]:
    codes = scope_regions(wh, viewer, region)
    clauses = ["true"]
    params: dict = {}
    if codes is not None:
        clauses.append(f"list_contains($scope, {alias}.region_code)")
        params["scope"] = codes
    if industry:
        clauses.append(f"{alias}.industry_code = $industry")
        params["industry"] = industry
    return " and ".join(clauses), params


def open_counts(wh: Warehouse, viewer: Viewer) -> dict[str, int]:
    """Signals not yet closed (new + acknowledged) in the viewer's scope, by level: {red, orange, yellow, blue}."""
    where, params = _where(wh, viewer)
    frame = wh.query(
        f"select level, count(*) as n from signals as s where status <> 'closed' and {where} group by level",
        params or None,
    )
    found = dict(frame.iter_rows()) if frame.height else {}
    return {level: int(found.get(level, 0)) for level in LEVELS}


# ------------------------------------------------------------------ the list
def signal_list(
    wh: Warehouse,
    viewer: Viewer,
    *,
    period: str | None = None,
    region: str | None = None,
    industry: str | None = None,
    statuses: list[str] | None = None,
    levels: list[str] | None = None,
    rules: list[str] | None = None,
) -> pl.DataFrame:
    """Signals of a month, most severe first: those whose condition held in `period`, plus older ones not yet
    closed. Without a period: every signal. Columns include Chinese labels ready for display."""
    where, params = _where(wh, viewer, region=region, industry=industry)
    if period:
        where += """ and s.first_period <= $period and (
            s.status <> 'closed' or s.period = $period
            or exists (select 1 from signal_periods as p where p.signal_id = s.signal_id and p.period = $period))"""
        params["period"] = period
    for column, values in (("status", statuses), ("level", levels), ("rule", rules)):
        if values is not None:
            where += f" and list_contains(${column}_values, s.{column})"
            params[f"{column}_values"] = list(values)
    frame = wh.query(
        f"""
        select s.signal_id, s.rule, s.level, s.period, s.first_period,
               coalesce(s.opened_period, s.first_period) as opened_period, s.region_code, s.industry_code, s.title,
               s.explanation, s.status, s.first_seen, s.last_seen, s.active, s.evidence
        from signals as s
        where {where}
        order by case s.level when 'red' then 1 when 'orange' then 2 when 'yellow' then 3 else 4 end,
                 case s.status when 'new' then 1 when 'acknowledged' then 2 else 3 end,
                 s.period desc, s.rule, s.region_code, s.signal_id
    """,
        params or None,
    )
    return _labelled(wh.region_index(), frame)


def _labelled(index: RegionIndex, frame: pl.DataFrame) -> pl.DataFrame:
    industries = read_industries()
    unit_rules = {"R3", "R6", "R7"}
    rows = frame.to_dicts()
    for row in rows:
        as_unit = row["rule"] in unit_rules
        row["region_label"] = (engine.unit_label if as_unit else engine.region_label)(index, row["region_code"])
        row["industry_label"] = (
            industries.get(row["industry_code"], NO_INDUSTRY) if row["industry_code"] else NO_INDUSTRY
        )
        row["level_label"] = LEVEL_NAMES[row["level"]]
        row["rule_label"] = f"{row['rule']} {RULE_NAMES.get(row['rule'], '')}"
        row["status_label"] = STATUS_NAMES.get(row["status"], row["status"])
        row["period_label"] = engine.period_label(row["period"])
    schema = {
        **frame.schema,
        "region_label": pl.Utf8,
        "industry_label": pl.Utf8,
        "level_label": pl.Utf8,
        "rule_label": pl.Utf8,
        "status_label": pl.Utf8,
        "period_label": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema)


def headline(wh: Warehouse, frame: pl.DataFrame) -> str | None:
    """One sentence on the open red and orange signals of a signal_list() frame: how many, of which rules, where.

    e.g. 红色 8 条、橙色 3 条：重大集体争议 5 条、预警超期未办结 4 条…；涉及长春市 6 条、梅河口市 3 条…"""
    urgent = (
        frame.filter((pl.col("status") != "closed") & pl.col("level").is_in(["red", "orange"]))
        if frame.height
        else frame
    )
    if urgent.height == 0:
        return None
    index = wh.region_index()
    levels = "、".join(
        f"{LEVEL_NAMES[lv]} {n} 条"
        for lv, n in ((lv, urgent.filter(pl.col("level") == lv).height) for lv in ("red", "orange"))
        if n
    )
    by_rule = urgent.group_by("rule").len().sort(["len", "rule"], descending=[True, False])
    rules = "、".join(f"{RULE_NAMES[r]} {n} 条" for r, n in by_rule.iter_rows())
    units: dict[str, int] = {}
    for code in urgent["region_code"]:
        region = index.get(code)
        name = engine.unit_label(index, region.unit_code if region else code)
        units[name] = units.get(name, 0) + 1
    ranked = sorted(units.items(), key=lambda kv: (-kv[1], kv[0]))
    where = "、".join(f"{name} {n} 条" for name, n in ranked[:4]) + ("等" if len(ranked) > 4 else "")
    return f"需重点关注：{levels}（{rules}）；涉及{where}。"


def level_counts(frame: pl.DataFrame, *, open_only: bool = True) -> dict[str, int]:
    """Counts by level of a signal_list() frame (open ones only by default)."""
    rows = frame.filter(pl.col("status") != "closed") if open_only and frame.height else frame
    counts = dict(rows.group_by("level").len().iter_rows()) if rows.height else {}
    return {level: int(counts.get(level, 0)) for level in LEVELS}


def month_flow(
    wh: Warehouse, viewer: Viewer, *, period: str, region: str | None = None, industry: str | None = None
) -> dict[str, int]:
    """Signals that appeared in the month (raised or re-opened) and that were closed in it (反馈) or whose
    condition ended in it (条件解除), within the filters."""
    where, params = _where(wh, viewer, region=region, industry=industry)
    params["period"] = period
    row = wh.query(
        f"""
        select
            (select count(distinct a.signal_id) from signal_actions as a join signals as s using (signal_id)
             where a.period = $period and a.action in ('raise', 'reopen') and {where}) as appeared,
            (select count(distinct a.signal_id) from signal_actions as a join signals as s using (signal_id)
             where a.period = $period and a.action = 'close' and {where}) as closed,
            (select count(distinct a.signal_id) from signal_actions as a join signals as s using (signal_id)
             where a.period = $period and a.action = 'resolve' and {where}) as resolved
    """,
        params,
    ).row(0, named=True)
    return {k: int(v or 0) for k, v in row.items()}


# ------------------------------------------------------------------ heat and trend
def heat(
    wh: Warehouse, viewer: Viewer, *, period: str | None = None, region: str | None = None, industry: str | None = None
) -> pl.DataFrame:
    """Open signals by row × industry: rows are the reporting units (whole scope) or, once a unit is chosen, its
    regions. Columns: row_code, row_label, industry_code (None = 不分行业), industry_label, n, red…blue, score."""
    index = wh.region_index()
    frame = signal_list(wh, viewer, period=period, region=region, industry=industry, statuses=["new", "acknowledged"])
    if frame.height == 0:
        return pl.DataFrame(
            schema={
                "row_code": pl.Utf8,
                "row_label": pl.Utf8,
                "industry_code": pl.Utf8,
                "industry_label": pl.Utf8,
                "n": pl.Int64,
                **{lv: pl.Int64 for lv in LEVELS},
                "score": pl.Int64,
            }
        )
    focus = index.get(region) if region and region != PROVINCE_CODE else None
    by_unit = focus is None or (focus.code == focus.unit_code and len(index.unit_regions(focus.code)) == 1)
    rows: dict[tuple, dict] = {}
    for sig in frame.iter_rows(named=True):
        region_row = index.get(sig["region_code"])
        if by_unit:
            code = region_row.unit_code if region_row else sig["region_code"]
            label = engine.unit_label(index, code)
        else:
            code = sig["region_code"]
            label = (
                (engine.unit_label(index, code) + "（全市）")
                if region_row and region_row.code == region_row.unit_code and sig["rule"] in ("R3", "R6", "R7")
                else engine.region_label(index, code)
            )
        key = (code, label, sig["industry_code"])
        row = rows.setdefault(
            key,
            {
                "row_code": code,
                "row_label": label,
                "industry_code": sig["industry_code"],
                "industry_label": INDUSTRY_SHORT.get(sig["industry_code"], sig["industry_code"])
                if sig["industry_code"]
                else "不分行业",
                "n": 0,
                **{lv: 0 for lv in LEVELS},
                "score": 0,
            },
        )
        row["n"] += 1
        row[sig["level"]] += 1
        row["score"] += engine.LEVEL_RANK[sig["level"]]
    present = {key[0] for key in rows}
    scope = scope_regions(wh, viewer, region)
    if by_unit:  # every unit in view gets a row, so a unit without signals shows as clear
        candidates = [
            (u.code, engine.unit_label(index, u.code))
            for u in index.units
            if scope is None or u.code in scope or any(index.get(c) and index.get(c).unit_code == u.code for c in scope)
        ]
    else:
        candidates = [
            (c, engine.region_label(index, c))
            for c in (scope or [])
            if index.get(c) and index.get(c).code != index.get(c).unit_code
        ]
    for code, label in candidates:
        if code not in present:
            rows[(code, label, None)] = {
                "row_code": code,
                "row_label": label,
                "industry_code": None,
                "industry_label": "不分行业",
                "n": 0,
                **{lv: 0 for lv in LEVELS},
                "score": 0,
            }
    return pl.DataFrame(list(rows.values())).sort(["row_code", "industry_code"], nulls_last=True)


def heat_rows(heat: pl.DataFrame, limit: int = HEAT_ROWS) -> tuple[list[str], str | None]:
    """The rows of a heat() frame to draw, in code order: all of them, or the `limit` with the highest risk score
    (ties by code), and a note saying how many were left out (None when none were)."""
    from dashboard.charts import heaviest

    rows = heat.select("row_code", "row_label").unique().sort("row_code")
    if rows.height <= limit:
        return rows["row_label"].to_list(), None
    kept = heaviest(heat, "row_code", pl.col("score"), limit)
    shown = rows.filter(pl.col("row_code").is_in(kept))["row_label"].to_list()
    return shown, f"共 {rows.height:,} 行，显示风险分值最高的 {limit} 行"


def heat_figure(heat: pl.DataFrame, rows: list[str]):
    """The unit × industry heat map of a heat() frame, drawing `rows` (heat_rows): the number of open signals in
    each cell, coloured by risk score, the levels on hover."""
    import plotly.graph_objects as go

    cols = list(dict.fromkeys(heat.sort("industry_code", nulls_last=True)["industry_label"].to_list()))
    cell = {(r["row_label"], r["industry_label"]): r for r in heat.iter_rows(named=True)}
    z, text, hover = [], [], []
    for row in rows:
        z.append([cell[(row, c)]["score"] if (row, c) in cell and cell[(row, c)]["n"] else None for c in cols])
        text.append([str(cell[(row, c)]["n"]) if (row, c) in cell and cell[(row, c)]["n"] else "" for c in cols])
        hover.append(
            [
                (
                    f"{row} · {c}<br>未办结 {cell[(row, c)]['n']} 条："
                    + "、".join(f"{LEVEL_NAMES[lv]} {cell[(row, c)][lv]}" for lv in LEVELS if cell[(row, c)][lv])
                )
                if (row, c) in cell and cell[(row, c)]["n"]
                else f"{row} · {c}<br>无未办结预警"
                for c in cols
            ]
        )
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=cols,
            y=rows,
            text=text,
            texttemplate="%{text}",
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            xgap=2,
            ygap=2,
            colorscale=[[0, "#fdf2e9"], [0.35, "#f5b041"], [0.7, "#e67e22"], [1, "#c0392b"]],
            colorbar=dict(title=dict(text="风险分值"), thickness=12),
        )
    )
    fig.update_layout(
        height=max(260, 34 * len(rows) + 120),
        margin=dict(l=10, r=10, t=10, b=10),
        font=dict(family=FONT_FAMILY, size=13),
        plot_bgcolor="white",
        xaxis=dict(side="top", tickangle=0),
        yaxis=dict(autorange="reversed"),
    )
    return fig


def trend(
    wh: Warehouse,
    viewer: Viewer,
    *,
    period: str,
    region: str | None = None,
    industry: str | None = None,
    months: int = 24,
) -> pl.DataFrame:
    """Signals whose condition held in each month (signal_periods), by level, for the `months` months up to period."""
    where, params = _where(wh, viewer, region=region, industry=industry)
    params.update({"last": period, "first": engine._shift(period, 1 - months)})
    return wh.query(
        f"""
        select p.period, p.level, count(*) as n
        from signal_periods as p
        join signals as s using (signal_id)
        where p.period between $first and $last and {where}
        group by p.period, p.level
        order by p.period, p.level
    """,
        params,
    )


# ------------------------------------------------------------------ one signal: detail, evidence, history
def signal(wh: Warehouse, viewer: Viewer, sid: str) -> dict | None:
    """One signal with its labels, or None when it does not exist or lies outside the viewer's scope."""
    where, params = _where(wh, viewer)
    params["sid"] = sid
    frame = wh.query(
        f"""
        select s.signal_id, s.rule, s.level, s.period, s.first_period,
               coalesce(s.opened_period, s.first_period) as opened_period, s.region_code, s.industry_code, s.title,
               s.explanation, s.status, s.first_seen, s.last_seen, s.active, s.evidence, s.metric
        from signals as s where s.signal_id = $sid and {where}
    """,
        params,
    )
    if frame.height == 0:
        return None
    return _labelled(wh.region_index(), frame).row(0, named=True)


def may_act(wh: Warehouse, viewer: Viewer, sig: dict) -> bool:
    return engine.can_act(viewer, sig["region_code"], wh.region_index())


def evidence(wh: Warehouse, viewer: Viewer, sid: str) -> list[tuple[str, pl.DataFrame]]:
    """The rows a signal links to, as (label, table with Chinese headers); rows outside the scope are dropped."""
    sig = signal(wh, viewer, sid)
    if sig is None or not sig["evidence"]:
        return []
    index = wh.region_index()
    scope = viewer.detail_regions(index)
    out = []
    for link in json.loads(sig["evidence"]):
        spec = EVIDENCE_VIEWS.get(link.get("view"))
        if spec is None:
            continue
        keys, shown = spec
        clauses, params = [], {}
        for i, (column, value) in enumerate(sorted((link.get("where") or {}).items())):
            name = f"k{i}"
            if column == "unit_code":
                clauses.append(f"region_code in (select code from ref_region where unit_code = ${name})")
            elif column in keys:
                clauses.append(
                    f"list_contains(${name}, {quote_ident(column)})"
                    if isinstance(value, list)
                    else f"{quote_ident(column)} = ${name}"
                )
            else:
                continue
            params[name] = value
        if not clauses:
            continue
        if scope is not None:
            clauses.append("list_contains($scope, region_code)")
            params["scope"] = sorted(scope)
        columns = ", ".join(quote_ident(c) for c in shown)
        order = "period, region_code" if "period" in shown else "region_code"
        frame = wh.query(
            f"select {columns} from {quote_ident(link['view'])} where {' and '.join(clauses)} order by {order}", params
        )
        out.append((link.get("label") or link["view"], _display(index, link["view"], frame)))
    return out


def _display(index: RegionIndex, view: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Chinese values and headers: region names, industry names, 是/否, 万元 with two decimals, rates in %."""
    shown = EVIDENCE_VIEWS[view][1]
    industries = read_industries()
    labels = {m["key"]: m["label"] for m in measures()}
    exprs = []
    for column in frame.columns:
        col = pl.col(column)
        if column == "region_code":
            col = col.map_elements(
                lambda c: engine.region_label(index, c) if view != "v_submissions" else engine.unit_label(index, c),
                return_dtype=pl.Utf8,
            )
        elif column == "industry_code":
            col = col.map_elements(lambda c: industries.get(c, c), return_dtype=pl.Utf8)
        elif column == "escalated":
            col = col.map_elements(lambda v: "是" if v else "否", return_dtype=pl.Utf8)
        elif column == "measure":
            col = col.map_elements(lambda m: labels.get(m, m), return_dtype=pl.Utf8)
        elif column == "status" and view == "v_submissions":
            col = col.map_elements(lambda s: SUBMISSION_STATUS.get(s, s), return_dtype=pl.Utf8)
        elif column == "form":
            col = col.map_elements(lambda f: FORM_NAMES.get(f, f), return_dtype=pl.Utf8)
        elif column in ("success_rate", "rate", "target"):
            col = col.map_elements(lambda v: f"{100 * v:.1f}%", return_dtype=pl.Utf8)
        elif column in ("amount_wan",):
            col = col.cast(pl.Float64).map_elements(lambda v: f"{v:,.2f}", return_dtype=pl.Utf8)
        elif column == "period" or column.endswith("_period"):
            col = col.map_elements(engine.period_label, return_dtype=pl.Utf8)
        elif frame.schema[column] == pl.Date:
            col = col.dt.strftime("%Y-%m-%d")
        elif isinstance(frame.schema[column], pl.Datetime):
            col = col.dt.strftime("%Y-%m-%d %H:%M")
        if frame.schema[column] not in (pl.Int64, pl.Int32, pl.Float64) or column in ("amount_wan",):
            col = col.cast(pl.Utf8).fill_null("—")
        exprs.append(col.alias(shown.get(column, column)))
    return frame.select(exprs) if exprs else frame


def history(wh: Warehouse, viewer: Viewer, sid: str) -> pl.DataFrame:
    """The signal's steps, oldest first: 时间, 操作, 操作人, 级别, 说明 (empty outside the viewer's scope)."""
    if signal(wh, viewer, sid) is None:
        return pl.DataFrame(
            schema={"时间": pl.Datetime("us"), "操作": pl.Utf8, "操作人": pl.Utf8, "级别": pl.Utf8, "说明": pl.Utf8}
        )
    frame = wh.query(
        """
        select acted_at, action, actor, level, note from signal_actions where signal_id = ? order by acted_at, action
    """,
        [sid],
    )
    return frame.select(
        pl.col("acted_at").alias("时间"),
        pl.col("action").replace_strict(engine.ACTION_NAMES, default=pl.col("action")).alias("操作"),
        pl.col("actor").replace_strict({engine.SYSTEM: "系统"}, default=pl.col("actor")).alias("操作人"),
        pl.col("level").replace_strict(LEVEL_NAMES, default=pl.col("level")).alias("级别"),
        pl.col("note").alias("说明"),
    )


# ------------------------------------------------------------------ the rules in force
def rules_in_force() -> pl.DataFrame:
    """One row per rule: what it watches and its thresholds from config [signals] (shown on the page)."""
    cfg = engine.signal_settings()
    major, r1, r2, r3, r4, r5, r6, r7 = (
        cfg["major"],
        cfg["r1"],
        cfg["r2"],
        cfg["r3"],
        cfg["r4"],
        cfg["r5"],
        cfg["r6"],
        cfg["r7"],
    )
    rows = [
        (
            "R1",
            "重大集体争议（附件1“重大集体争议”表）",
            f"重大：≥{major['workers_min']} 人，或 ≥{major['amount_wan_min']:g} 万元，或有激化行为。未化解为橙色；"
            f"有激化行为或未化解超过 {r1['red_days']} 天为红色；化解后自动关闭。",
        ),
        (
            "R2",
            "县（市、区）× 行业受理量激增（“分行业”表）",
            f"本月受理 ≥{r2['min_cases']} 件，且为近{r2['window_months']}个月均值的 {r2['ratio_yellow']:g} 倍以上"
            f"（{r2['ratio_orange']:g} 倍橙色、{r2['ratio_red']:g} 倍红色），同时不低于去年同期的 {r2['yoy_ratio']:g} 倍"
            f"（无去年同期数据时需达 {r2['ratio_no_last_year']:g} 倍），z ≥ {r2['min_z']:g}。节前季节性上升不预警。",
        ),
        (
            "R3",
            "集体争议聚集（“重大集体争议”表，单位 × 行业）",
            f"{r3['window_months']} 个月内发生 ≥{r3['min_disputes']} 起集体争议为橙色，≥{r3['red_disputes']} 起为红色。",
        ),
        (
            "R4",
            "调解成功率下降（“调解情况”表）",
            f"结案 ≥{r4['min_closed']} 件，成功率比本地区此前 {r4['history_months']} 个月合计下降 ≥{r4['drop_points']:g} "
            f"个百分点且 z ≥ {r4['min_z']:g}；下降 ≥{r4['orange_points']:g} 个百分点为橙色，否则黄色。",
        ),
        (
            "R5",
            "红、橙色预警超期未办结（“预警信息”表）",
            f"红色预警 {r5['red_days']} 天、橙色预警 {r5['orange_days']} 天仍未办结（按所报月份月末计）。",
        ),
        (
            "R6",
            "迟报、未报（附件1、附件2、工作台账）",
            f"次月 {cfg['reporting']['due_day']} 日前未报为橙色；迟报超过 {r6['minor_late_days']} 天为黄色，以内为蓝色"
            f"（只判断应报日在 {r6['lookback_days']} 天以内的月份）。",
        ),
        (
            "R7",
            "组织建设进度滞后（附件2，单位 × 指标）",
            f"按近{r7['pace_months']}个月的月均进度推算，到目标期限低于目标超过 {r7['tolerance_points']:g} 个百分点为黄色；"
            "期限已到仍未达标为橙色。",
        ),
    ]
    return pl.DataFrame(rows, schema=["规则", "监测内容", "阈值"], orient="row")


def trend_figure(trend: pl.DataFrame):
    """Signals a month by level (a trend() frame), stacked bars, red on top."""
    import datetime as dt

    import plotly.graph_objects as go

    from dashboard.format import period_label

    fig = go.Figure()
    for level in reversed(LEVELS):
        part = trend.filter(pl.col("level") == level)
        fig.add_bar(
            x=[dt.date(int(p[:4]), int(p[5:]), 1) for p in part["period"]],
            y=part["n"].to_list(),
            name=LEVEL_NAMES[level],
            marker_color=LEVEL_COLORS[level],
            customdata=[period_label(p) for p in part["period"]],
            hovertemplate="%{customdata}：%{y} 条" + LEVEL_NAMES[level] + "<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=320,
        margin=dict(l=10, r=10, t=10, b=10),
        font=dict(family=FONT_FAMILY, size=13),
        plot_bgcolor="white",
        legend=dict(orientation="h", y=1.08, x=1, xanchor="right", traceorder="reversed"),
        xaxis=dict(tickformat="%Y年%-m月", dtick="M6", tickangle=0),
        yaxis=dict(title=None, gridcolor="#eef0f3"),
    )
    return fig
