"""Validation: the rule kinds that form definitions name, plus the structural checks every form gets."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import defaultdict
from typing import Any, Callable, Protocol

from etl.cells import credit_code_valid, normalise, shown
from etl.formdefs import Rule
from etl.issues import Issue
from etl.parser import ParsedFile, ParsedRow, ParsedSheet, issue_at
from etl.regions import RegionIndex


class History(Protocol):
    """What validation needs to know of earlier months (the warehouse provides it)."""

    def previous_rows(self, table: str, period: str, region_codes: set[str]) -> dict[str, dict]: ...

    def previous_tasks(self, period: str, region_codes: set[str]) -> list[dict]: ...


class NoHistory:
    def previous_rows(self, table, period, region_codes):
        return {}

    def previous_tasks(self, period, region_codes):
        return []


def previous_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def _fmt(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 1e15:
        return f"{value:.6g}"  # an absurd figure stays short in a message
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return shown(value)


class Context:
    """Everything a rule may look at while checking one sheet."""

    def __init__(self, parsed: ParsedFile, sheet: ParsedSheet, settings: dict, history: History, index: RegionIndex):
        self.parsed, self.sheet, self.settings, self.history, self.index = parsed, sheet, settings, history, index
        self.name = sheet.grid_name

    def report(self, rule: Rule, row: ParsedRow | None, key: str | None, **values) -> None:
        text = rule.message.format(**{k: _fmt(v) for k, v in values.items()})
        col0 = self.sheet.columns.get(key) if key else None
        context = ""
        if row is not None:
            region = row.region.name if row.region else row.label
            context = region + (
                f" · {self.sheet.definition.column(key).title}" if key and key in self.sheet.columns else ""
            )
        issue = issue_at(rule.level, rule.code, self.name, row.row if row else None, col0, key, text, rule.fix, context)
        self.parsed.issues.append(issue)


def _sum(row: ParsedRow, keys: list[str]) -> float | None:
    values = [row.values.get(k) for k in keys]
    if any(v is None for v in values):
        return None
    return sum(values)


OPS: dict[str, Callable[[float, float], bool]] = {
    "==": lambda a, b: abs(a - b) < 1e-9,
    "<=": lambda a, b: a <= b + 1e-9,
    ">=": lambda a, b: a + 1e-9 >= b,
}


def rule_compare(rule: Rule, ctx: Context) -> None:
    factor = rule.get("factor", 1)
    for row in ctx.sheet.rows:
        left, right = _sum(row, rule["left"]), _sum(row, rule["right"])
        if left is None or right is None:
            continue
        if not OPS[rule["op"]](left, factor * right):
            ctx.report(rule, row, rule["left"][0], left=left, right=right)


def rule_rate_matches(rule: Rule, ctx: Context) -> None:
    for row in ctx.sheet.rows:
        given, num, den = (row.values.get(k) for k in (rule["rate"], rule["numerator"], rule["denominator"]))
        if given is None or not den:
            continue
        expected = round(100 * num / den, 1)
        if abs(given - 100 * num / den) > rule["tolerance_pct"] + 1e-9:  # forms.md: more than 0.1 is an error
            ctx.report(rule, row, rule["rate"], given=round(given, 1), expected=expected)


def rule_rate_band(rule: Rule, ctx: Context) -> None:
    low, high = ctx.settings[rule["low_setting"]], ctx.settings[rule["high_setting"]]
    minimum = ctx.settings[rule["min_setting"]]
    for row in ctx.sheet.rows:
        num, den = row.values.get(rule["numerator"]), row.values.get(rule["denominator"])
        if num is None or not den or den < minimum:
            continue
        rate = 100 * num / den
        if rate < low or rate > high:
            ctx.report(
                rule, row, rule["numerator"], rate=round(rate, 1), numerator=num, denominator=den, low=low, high=high
            )


def _previous(ctx: Context) -> dict[str, dict]:
    if not ctx.parsed.period:
        return {}
    codes = {r.values["region_code"] for r in ctx.sheet.rows if r.values.get("region_code")}
    return ctx.history.previous_rows(ctx.sheet.definition.table, previous_period(ctx.parsed.period), codes)


def rule_previous_change(rule: Rule, ctx: Context) -> None:
    ratio, minimum = ctx.settings[rule["ratio_setting"]], ctx.settings[rule["min_setting"]]
    previous = _previous(ctx)
    key = rule["column"]
    for row in ctx.sheet.rows:
        before = (previous.get(row.values.get("region_code")) or {}).get(key)
        value = row.values.get(key)
        if before is None or value is None or max(before, value) < minimum:
            continue
        if value > ratio * before or value * ratio < before:
            ctx.report(rule, row, key, value=value, previous=before, ratio=ratio)


def rule_previous_not_lower(rule: Rule, ctx: Context) -> None:
    previous = _previous(ctx)
    for row in ctx.sheet.rows:
        before_row = previous.get(row.values.get("region_code")) or {}
        for key in rule["columns"]:
            before, value = before_row.get(key), row.values.get(key)
            if before is not None and value is not None and value < before:
                ctx.report(rule, row, key, label=ctx.sheet.definition.column(key).title, value=value, previous=before)


def rule_reference_townships(rule: Rule, ctx: Context) -> None:
    tolerance = ctx.settings[rule["tolerance_setting"]]
    for row in ctx.sheet.rows:
        value = row.values.get(rule["column"])
        if row.region is None or value is None:
            continue
        reference = row.region.townships_ref
        if reference and abs(value - reference) > tolerance * reference:
            ctx.report(rule, row, rule["column"], value=value, reference=reference, tolerance=round(tolerance * 100))


def rule_required_iff(rule: Rule, ctx: Context) -> None:
    for row in ctx.sheet.rows:
        condition = row.values.get(rule["when_column"])
        if condition is None:
            continue
        wanted = condition == rule["when_value"]
        present = row.values.get(rule["column"]) is not None
        if wanted != present:
            status = condition
            if rule["when_column"] == "step":
                from etl.cells import STEP_NAMES

                status = f"{condition} {STEP_NAMES[condition - 1]}"
            ctx.report(rule, row, rule["column"], status=status, problem="未填写" if wanted else "不应填写")


def rule_date_order(rule: Rule, ctx: Context) -> None:
    for row in ctx.sheet.rows:
        earlier, later = row.values.get(rule["earlier"]), row.values.get(rule["later"])
        if earlier and later and later < earlier:
            ctx.report(rule, row, rule["later"], earlier=earlier, later=later)


def period_end(period: str) -> dt.date:
    year, month = int(period[:4]), int(period[5:7])
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def months_after(day: dt.date, months: int) -> dt.date:
    """The last day of the month `months` after day's month (period_end('2025-03') + 1 → 2025-04-30)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def rule_date_window(rule: Rule, ctx: Context) -> None:
    """Dates in a plausible window: not before `earliest`, not after the end of the month `months_after`
    months after the report's period (1900-01-01 or 9999-12-31 are typing slips, not events)."""
    if not ctx.parsed.period:
        return
    earliest = dt.date.fromisoformat(rule["earliest"])
    latest = months_after(period_end(ctx.parsed.period), rule["months_after"])
    for row in ctx.sheet.rows:
        for key in rule["columns"]:
            value = row.values.get(key)
            if isinstance(value, dt.date) and not earliest <= value <= latest:
                ctx.report(
                    rule,
                    row,
                    key,
                    label=ctx.sheet.definition.column(key).title,
                    value=value,
                    earliest=earliest,
                    latest=latest,
                )


def rule_credit_code(rule: Rule, ctx: Context) -> None:
    for row in ctx.sheet.rows:
        code = row.values.get(rule["column"])
        if code and not credit_code_valid(code):
            ctx.report(rule, row, rule["column"], value=code)


def rule_sum_matches_sheet(rule: Rule, ctx: Context) -> None:
    other = ctx.parsed.sheets.get(rule["other_sheet"])
    if other is None:
        return
    totals = {
        r.values["region_code"]: r.values.get(rule["other_column"]) for r in other.rows if r.values.get("region_code")
    }
    sums: dict[str, float] = defaultdict(float)
    first_row: dict[str, ParsedRow] = {}
    for row in ctx.sheet.rows:
        code = row.values.get("region_code")
        if code:
            sums[code] += row.values.get(rule["column"]) or 0
            first_row.setdefault(code, row)
    for code, total in sorted(sums.items()):
        expected = totals.get(code) or 0
        if abs(total - expected) > 1e-9:
            region = ctx.index.get(code)
            ctx.report(
                rule,
                first_row[code],
                rule["column"],
                region=region.name if region else code,
                sum=total,
                total=expected,
                diff=expected - total,
            )
    if sums:  # a region left out of a filled-in sheet: all its cases are 未分行业 (no row to point at)
        for code, expected in sorted(totals.items()):
            if code not in sums and expected:
                region = ctx.index.get(code)
                ctx.report(
                    rule,
                    None,
                    rule["column"],
                    region=region.name if region else code,
                    sum=0,
                    total=expected,
                    diff=expected,
                )


def rule_previous_step_back(rule: Rule, ctx: Context) -> None:
    if not ctx.parsed.period:
        return
    codes = {r.values["region_code"] for r in ctx.sheet.rows if r.values.get("region_code")}
    before = {
        (t["region_code"], t["task_id"]): t
        for t in ctx.history.previous_tasks(previous_period(ctx.parsed.period), codes)
    }
    for row in ctx.sheet.rows:
        old = before.get((row.values.get("region_code"), row.values.get("task_id")))
        step = row.values.get(rule["column"])
        if old and step is not None and old["step"] is not None and step < old["step"]:
            ctx.report(rule, row, rule["column"], task_id=row.values["task_id"], value=step, previous=old["step"])


def rule_previous_task_missing(rule: Rule, ctx: Context) -> None:
    if not ctx.parsed.period:
        return
    codes = {r.values["region_code"] for r in ctx.sheet.rows if r.values.get("region_code")}
    present = {(r.values.get("region_code"), r.values.get("task_id")) for r in ctx.sheet.rows}
    for task in ctx.history.previous_tasks(previous_period(ctx.parsed.period), codes):
        if (task["region_code"], task["task_id"]) not in present and (task["step"] or 0) < 5:
            ctx.report(rule, None, "task_id", task_id=task["task_id"], task=task.get("task") or "")


RULE_KINDS: dict[str, Callable[[Rule, Context], None]] = {
    "compare": rule_compare,
    "rate_matches": rule_rate_matches,
    "rate_band": rule_rate_band,
    "previous_change": rule_previous_change,
    "previous_not_lower": rule_previous_not_lower,
    "reference_townships": rule_reference_townships,
    "required_iff": rule_required_iff,
    "date_order": rule_date_order,
    "date_window": rule_date_window,
    "credit_code": rule_credit_code,
    "sum_matches_sheet": rule_sum_matches_sheet,
    "previous_step_back": rule_previous_step_back,
    "previous_task_missing": rule_previous_task_missing,
}


# ---------------------------------------------------------------- structural checks

# What each storage type of etl/formdefs.py SQL_TYPES holds (the type a form declares decides its range):
# a value outside it would pass every rule and then fail the insert.
STORAGE_RANGES: dict[str, tuple[float, str]] = {  # storage type → (magnitude it stays below, the largest as written)
    "BIGINT": (2**63, f"{2**63 - 1:,}"),
    "INTEGER": (2**31, f"{2**31 - 1:,}"),
    "DECIMAL(18,2)": (10**16, "9,999,999,999,999,999.99"),  # 18 digits, 2 of them after the point
    "DOUBLE": (math.inf, "1.8×10³⁰⁸"),
}


def check_storage(ctx: Context) -> None:
    """Every number within its column's storage range, and finite; an out-of-range value is an error at its
    cell and is dropped from the row so that no rule computes with it."""
    for col in ctx.sheet.definition.columns:
        bounds = STORAGE_RANGES.get(col.sql_type) if col.type != "seq" else None
        if bounds is None or col.key not in ctx.sheet.columns:
            continue
        limit, limit_text = bounds
        for row in ctx.sheet.rows:
            value = row.values.get(col.key)
            if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if (isinstance(value, float) and not math.isfinite(value)) or abs(value) >= limit:
                ctx.parsed.issues.append(
                    issue_at(
                        "error",
                        "out_of_range",
                        ctx.name,
                        row.row,
                        ctx.sheet.columns[col.key],
                        col.key,
                        f"“{_fmt(value)}”超出这一列能保存的范围（绝对值不超过 {limit_text}）",
                        f"请核对“{col.title}”，填写实际数值。",
                        f"{row.label} · {col.title}",
                    )
                )
                row.values[col.key] = None


def _key_value(row: ParsedRow, part) -> Any:
    if isinstance(part, tuple):  # first non-empty of several columns (credit code or employer name)
        for key in part:
            if row.values.get(key):
                return normalise(row.values[key])
        return None
    return row.values.get(part)


def check_unique(ctx: Context) -> None:
    definition = ctx.sheet.definition
    parts = definition.unique or (("region_code",) if definition.layout == "wide" else ())
    if not parts:
        return
    seen: dict[tuple, ParsedRow] = {}
    for row in ctx.sheet.rows:
        key = tuple(_key_value(row, p) for p in parts)
        if any(k is None for k in key):
            continue
        if key in seen:
            first = seen[key]
            what = (
                "地区"
                if parts == ("region_code",)
                else "、".join(
                    definition.column(p if isinstance(p, str) else p[-1]).title
                    if (p if isinstance(p, str) else p[-1]) != "region_code"
                    else "地区"
                    for p in parts
                )
            )
            anchor = next((p for p in parts if isinstance(p, str) and p != "region_code"), "region_code")
            region = row.region.name if row.region else row.label
            ctx.parsed.issues.append(
                issue_at(
                    "error",
                    "duplicate_row",
                    ctx.name,
                    row.row,
                    ctx.sheet.columns.get(
                        anchor if anchor in ctx.sheet.columns else "region_name", ctx.sheet.columns.get("region_code")
                    ),
                    anchor,
                    f"{region} 的这一行与第 {first.excel_row} 行重复（{what}相同）",
                    "同一项只能填一行，请合并或删除重复行。",
                )
            )
        else:
            seen[key] = row


def check_subtotals(ctx: Context) -> None:
    """Subtotal rows are not loaded; they are compared with the rows they cover (warning on mismatch)."""
    numeric = [c for c in ctx.sheet.definition.columns if c.type in ("int", "decimal") and c.key in ctx.sheet.columns]
    for sub in ctx.sheet.subtotals:
        if sub.region is not None:
            covered = [r for r in ctx.sheet.rows if r.region and r.region.unit_code == sub.region.code]
            name = sub.region.name
        else:
            covered = [r for r in ctx.sheet.rows if r.row < sub.row]
            name = sub.label or "合计"
        if not covered:
            continue
        for col in numeric:
            given = sub.values.get(col.key)
            if given is None:
                continue
            total = round(sum(r.values.get(col.key) or 0 for r in covered), 2)
            if abs(given - total) > 0.005:
                ctx.parsed.issues.append(
                    issue_at(
                        "warning",
                        "subtotal_mismatch",
                        ctx.name,
                        sub.row,
                        ctx.sheet.columns[col.key],
                        col.key,
                        f"“{name}”汇总行的{col.title} {_fmt(given)} 与所含 {len(covered)} 个地区之和 {_fmt(total)} 不一致（汇总行不入库，以分地区数据为准）",
                        "请核对汇总行或分地区数据。",
                    )
                )


def check_period(parsed: ParsedFile, first_period: str, today: dt.date) -> None:
    if not parsed.period:
        return
    current = f"{today.year:04d}-{today.month:02d}"
    where = dict(
        sheet=parsed.period_sheet,
        cell=parsed.period_cell,
        row=int("".join(ch for ch in parsed.period_cell if ch.isdigit())) if parsed.period_cell else None,
        column="period",
    )
    if parsed.period > current:
        parsed.issues.append(
            Issue(
                "error",
                "period_in_future",
                f"统计期 {parsed.period} 晚于本月（{current}），不能报送未来月份。请核对统计期。",
                **where,
            )
        )
    elif parsed.period < first_period:
        parsed.issues.append(
            Issue(
                "error",
                "period_too_early",
                f"统计期 {parsed.period} 早于 {first_period}（本次行动自2024年开始）。请核对统计期。",
                **where,
            )
        )


def check_scope(
    parsed: ParsedFile, allowed: set[str] | None, scope_name: str = "", index: RegionIndex | None = None
) -> bool:
    """Rows of regions the uploader may not load are errors naming each row; a file with no row in scope is
    another unit's report and gets ONE headline error instead (returns True: nothing else is worth checking)."""
    if allowed is None:
        return False
    outside = []
    for sheet in parsed.sheets.values():
        for row in sheet.rows:
            code = row.values.get("region_code")
            if code and code not in allowed:
                outside.append((sheet, row, code))
    in_scope = any(code in allowed for code in parsed.region_codes)
    where = f"（{scope_name}）" if scope_name else ""
    if outside and not in_scope:
        sheet, row, _ = outside[0]
        col = sheet.columns.get("region_code", sheet.columns.get("region_name"))
        owner = _owner_names(index, [code for _, _, code in outside], allowed)
        # the rest (per-row errors, warnings against earlier months) would only describe someone else's file
        parsed.issues[:] = [
            issue_at(
                "error",
                "out_of_scope",
                sheet.grid_name,
                row.row,
                col,
                "region_code",
                f"此文件为{owner}报表，不在您的填报范围{where}",
                "请上传本单位的报表；这份报表应由对应单位的填报员上报。",
            )
        ]
        return True
    for sheet, row, code in outside:
        col = sheet.columns.get("region_code", sheet.columns.get("region_name"))
        parsed.issues.append(
            issue_at(
                "error",
                "out_of_scope",
                sheet.grid_name,
                row.row,
                col,
                "region_code",
                f"{row.region.name if row.region else row.label}（{code}）不在您的填报范围{where}内",
                "只能上报本单位所辖地区的数据，请删除这一行或由对应单位上报。",
            )
        )
    return False


def _owner_names(index: RegionIndex | None, codes: list[str], allowed: set[str]) -> str:
    """Whose report a file is: its reporting units (长春市), or its regions when they share the uploader's unit."""
    if index is None:
        return "其他地区的"
    regions = [index.get(c) for c in dict.fromkeys(codes)]
    own_units = {r.unit_code for r in (index.get(c) for c in allowed) if r}
    units = list(dict.fromkeys(r.unit_code for r in regions if r))
    if units and not set(units) & own_units:
        return "、".join(index.get(u).name if index.get(u) else u for u in units)
    names = [(r.name if not r.is_city else f"{r.name}本级") if r else c for r, c in zip(regions, dict.fromkeys(codes))]
    return "、".join(names[:3]) + (f"等 {len(names)} 个地区的" if len(names) > 3 else "")


def validate(
    parsed: ParsedFile,
    *,
    settings: dict,
    history: History,
    index: RegionIndex,
    first_period: str = "2024-01",
    today: dt.date | None = None,
    allowed_regions: set[str] | None = None,
    scope_name: str = "",
) -> ParsedFile:
    """Run every rule of the form and the structural checks; issues are appended to parsed.issues."""
    if parsed.form is None:
        return parsed
    check_period(parsed, first_period, today or dt.date.today())
    if check_scope(parsed, allowed_regions, scope_name, index):
        return parsed
    for sheet in parsed.sheets.values():
        ctx = Context(parsed, sheet, settings, history, index)
        check_storage(ctx)
        check_unique(ctx)
        check_subtotals(ctx)
        for rule in sheet.definition.rules:
            RULE_KINDS[rule.kind](rule, ctx)
    return parsed
