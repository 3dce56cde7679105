"""Compare the raw rows of two versions cell by cell: what an upload changed, what a reviewer is asked to
approve, what a restore would bring back.

Rows are matched by sheet and region (wide sheets: one row per region) plus the sheet's row key for long
sheets (form definition `unique`, e.g. industry for 分行业, task_id for 工作台账). The result is a list of
`Change`s; `change_lines()` gives the Chinese one-liners shown to clerks ("梅河口市 受理案件数合计 45 → 48").
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import polars as pl

from etl.cells import STEP_NAMES
from etl.formdefs import Sheet, load_form
from etl.regions import RegionIndex, read_industries
from warehouse.db import Warehouse, quote_ident, raw_table

RowKey = tuple


@dataclass(frozen=True)
class Change:
    """One difference. kind: 'changed' (a cell), 'added'/'removed' (a row; count > 1 = a whole sheet's rows)."""

    kind: str
    sheet: str
    region_code: str
    region_name: str
    row_label: str
    column: str
    title: str
    old: Any
    new: Any
    count: int = 1


def region_label(index: RegionIndex, code: str) -> str:
    """A data row's region as clerks write it: a city's own code is 市本级 (通化市本级)."""
    region = index.get(code)
    if region is None:
        return code
    return f"{region.name}本级" if region.is_city else region.name


def format_value(value: Any, column: str = "") -> str:
    """A raw value for people: thousands separators, two decimals for money, dates as 2025-03-05, 是/否."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if column == "step" and isinstance(value, int) and 1 <= value <= len(STEP_NAMES):
        return f"{value} {STEP_NAMES[value - 1]}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, decimal.Decimal):  # money (DECIMAL(18,2) 万元): always two decimals
        return f"{float(value):,.2f}"
    if isinstance(value, float):
        number = float(value)
        return f"{int(number):,}" if number.is_integer() else f"{number:,.2f}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value)


def _same(a: Any, b: Any) -> bool:
    if (
        isinstance(a, (int, float, decimal.Decimal))
        and isinstance(b, (int, float, decimal.Decimal))
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return abs(float(a) - float(b)) < 0.005
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return a == b


def _key_part(row: dict, part) -> Any:
    if isinstance(part, (list, tuple)):  # alternatives: the first one given (credit code, else employer)
        for name in part:
            if row.get(name) not in (None, ""):
                return row[name]
        return None
    return row.get(part)


def row_key(sheet: Sheet, row: dict) -> RowKey:
    """Region plus the sheet's unique columns (long sheets); source row as a last resort."""
    parts = [p for p in (sheet.unique or ("region_code",)) if p != "region_code"]
    key = tuple(_key_part(row, p) for p in parts)
    if sheet.layout != "wide" and (not parts or all(v is None for v in key)):
        key = (row.get("source_row"),)
    return (row["region_code"], *key)


def row_label(sheet: Sheet, row: dict) -> str:
    """What identifies a row of a long sheet for a person: 'C 制造业', '任务 YB-05', an employer's name."""
    if sheet.layout == "wide":
        return ""
    if sheet.table == "ledger":
        return f"任务 {row.get('task_id')}"
    if sheet.table == "mediation_industry":
        code = row.get("industry")
        return f"{code} {read_industries().get(code, '')}".strip()
    bits = [row.get("employer") or row.get("credit_code") or ""]
    when = row.get("occurred_on") or row.get("found_on")
    if when:
        bits.append(format_value(when))
    if row.get("risk_type"):
        bits.append(str(row["risk_type"]))
    return " · ".join(b for b in bits if b)


def version_form(wh: Warehouse, version_id: str) -> str:
    form = wh.scalar("select form from versions where version_id = ?", [version_id])
    if form is None:
        raise KeyError(f"没有版本号为 {version_id} 的版本")
    return form


def version_regions(wh: Warehouse, version_id: str) -> list[str]:
    return wh.query("select region_code from version_regions where version_id = ? order by region_code", [version_id])[
        "region_code"
    ].to_list()


def version_rows(wh: Warehouse, version_id: str, regions: list[str] | None = None) -> dict[str, dict[RowKey, dict]]:
    """{sheet name: {row key: row}} of one version (optionally only some regions)."""
    form = load_form(version_form(wh, version_id))
    out: dict[str, dict[RowKey, dict]] = {}
    for sheet in form.sheets:
        frame = wh.query(
            f"""
            select * exclude (version_id, period) from {quote_ident(raw_table(sheet))}
            where version_id = $v and ($all or list_contains($regions, region_code))
            order by source_row
        """,
            {"v": version_id, "all": regions is None, "regions": list(regions or [])},
        )
        out[sheet.name] = {row_key(sheet, row): row for row in frame.to_dicts()}
    return out


def diff_rows(
    form_code: str, old: dict[str, dict[RowKey, dict]], new: dict[str, dict[RowKey, dict]], index: RegionIndex
) -> list[Change]:
    """Cell-by-cell differences between two sets of rows of the same form, in sheet → region → row order."""
    form = load_form(form_code)
    changes: list[Change] = []
    for sheet in form.sheets:
        before, after = old.get(sheet.name, {}), new.get(sheet.name, {})
        columns = [c for c in sheet.stored_columns if c.key != "region_code"]
        regions = sorted({k[0] for k in before} | {k[0] for k in after})
        for region in regions:
            name = region_label(index, region)
            old_keys = [k for k in before if k[0] == region]
            new_keys = [k for k in after if k[0] == region]
            if sheet.layout != "wide" and (not old_keys or not new_keys) and len(old_keys or new_keys) > 1:
                # a whole long sheet first reported or no longer reported for the region: one line
                kind = "added" if new_keys else "removed"
                changes.append(
                    Change(kind, sheet.name, region, name, "", "", "整表", None, None, count=len(old_keys or new_keys))
                )
                continue
            for key in sorted(set(old_keys) | set(new_keys), key=lambda k: tuple(str(x) for x in k)):
                a, b = before.get(key), after.get(key)
                label = row_label(sheet, b or a)
                if a is None or b is None:
                    changes.append(
                        Change(
                            "added" if a is None else "removed", sheet.name, region, name, label, "", "整行", None, None
                        )
                    )
                    continue
                for col in columns:
                    if not _same(a.get(col.key), b.get(col.key)):
                        changes.append(
                            Change(
                                "changed",
                                sheet.name,
                                region,
                                name,
                                label,
                                col.key,
                                col.title,
                                a.get(col.key),
                                b.get(col.key),
                            )
                        )
    return changes


def compare_versions(
    wh: Warehouse, old_version: str | None, new_version: str, regions: list[str] | None = None
) -> list[Change]:
    """Cell-by-cell changes from old_version to new_version (None = nothing before), over the regions of both."""
    form = version_form(wh, new_version)
    if old_version is not None and version_form(wh, old_version) != form:
        raise ValueError("只能比较同一种报表的两个版本。")
    old = version_rows(wh, old_version, regions) if old_version else {}
    return diff_rows(form, old, version_rows(wh, new_version, regions), wh.region_index())


def _baseline_rows(wh: Warehouse, regions: list[str], baseline: dict[str, str | None]) -> dict[str, dict[RowKey, dict]]:
    """The rows the dashboards show now for these regions: each region's rows from the version in baseline."""
    by_old: dict[str | None, list[str]] = defaultdict(list)
    for region in regions:
        by_old[baseline.get(region)].append(region)
    old: dict[str, dict[RowKey, dict]] = defaultdict(dict)
    for old_version, codes in by_old.items():
        if old_version is None:
            continue
        for sheet, rows in version_rows(wh, old_version, codes).items():
            old[sheet].update(rows)
    return old


def _in_order(changes: list[Change], form: str, regions: list[str]) -> list[Change]:
    order = {r: i for i, r in enumerate(regions)}
    sheets = [s.name for s in load_form(form).sheets]
    return sorted(changes, key=lambda c: (sheets.index(c.sheet), order.get(c.region_code, 0)))


def compare_to_baseline(wh: Warehouse, new_version: str, baseline: dict[str, str | None]) -> list[Change]:
    """Changes a version makes against the figures it replaces: baseline = {region: version shown before (or None)}."""
    form = version_form(wh, new_version)
    regions = version_regions(wh, new_version)
    new = version_rows(wh, new_version, regions)
    changes = diff_rows(form, _baseline_rows(wh, regions, baseline), new, wh.region_index())
    return _in_order(changes, form, regions)


def parsed_rows(parsed) -> dict[str, dict[RowKey, dict]]:
    """{sheet name: {row key: row}} of a checked, not yet loaded file, keyed as version_rows keys a version."""
    out: dict[str, dict[RowKey, dict]] = {}
    for sheet in parsed.sheets.values():
        rows = ({**r.values, "source_row": r.excel_row} for r in sheet.rows)
        out[sheet.definition.name] = {row_key(sheet.definition, row): row for row in rows}
    return out


def preview_changes(wh: Warehouse, parsed, baseline: dict[str, str | None]) -> list[Change]:
    """What loading a checked file would change in the figures shown now (the upload preview's replace list)."""
    regions = sorted(baseline)
    changes = diff_rows(parsed.form.code, _baseline_rows(wh, regions, baseline), parsed_rows(parsed), wh.region_index())
    return _in_order(changes, parsed.form.code, regions)


def current_pointer(wh: Warehouse, form: str, period: str, regions: list[str] | set[str]) -> dict[str, str | None]:
    """{region: version whose figures the dashboards show now (None = nothing)} — the baseline of an upload."""
    rows = wh.query(
        """
        select region_code, version_id from current_versions
        where form = ? and period = ? and list_contains(?, region_code)
    """,
        [form, period, sorted(regions)],
    ).rows()
    found = dict(rows)
    return {r: found.get(r) for r in sorted(regions)}


def change_line(change: Change, main_sheet: str | None = None) -> str:
    """'梅河口市 受理案件数合计 45 → 48'; rows and sheets of long sheets are named."""
    where = change.region_name
    if change.sheet != main_sheet:
        where += f" {change.sheet}"
    if change.row_label:
        where += f" {change.row_label}"
    if change.kind == "changed":
        return f"{where} {change.title} {format_value(change.old, change.column)} → {format_value(change.new, change.column)}"
    if change.count > 1:
        return (
            f"{where} 新增 {change.count} 行"
            if change.kind == "added"
            else f"{where} 本次未报送（原有 {change.count} 行）"
        )
    if change.kind == "added":
        return f"{where} 首次报送" if not change.row_label and change.sheet == main_sheet else f"{where} 新增一行"
    return f"{where} 删除一行"


def change_lines(changes: list[Change], form_code: str | None = None) -> list[str]:
    main = load_form(form_code).sheets[0].name if form_code else (changes[0].sheet if changes else None)
    return [change_line(c, main) for c in changes]


def changes_frame(changes: list[Change]) -> pl.DataFrame:
    """The table clerks and reviewers read: 地区, 工作表, 行, 列标题, 旧值, 新值."""

    def old_new(c: Change) -> tuple[str, str]:
        if c.kind == "changed":
            return format_value(c.old, c.column), format_value(c.new, c.column)
        if c.kind == "added":
            return "—", (f"新增 {c.count} 行" if c.count > 1 else "新增")
        return (f"原有 {c.count} 行" if c.count > 1 else "原有"), "删除"

    rows = [
        {
            "地区": c.region_name,
            "工作表": c.sheet,
            "行": c.row_label,
            "列标题": c.title,
            "旧值": old_new(c)[0],
            "新值": old_new(c)[1],
        }
        for c in changes
    ]
    return pl.DataFrame(rows, schema={k: pl.Utf8 for k in ("地区", "工作表", "行", "列标题", "旧值", "新值")})
