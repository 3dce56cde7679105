"""What the upload, template, review and history pages show — testable without Streamlit.

Upload: a viewer's load scope, the check of one file (form, period, rows per sheet, key totals against the
region's previous month, errors and warnings, the annotated copy), the load with the list of what changed.
History: versions a viewer may see, who may restore.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import polars as pl

from auth.viewer import Viewer
from dashboard.format import period_label
from etl.annotate import Annotated, Plan, annotate, plan
from etl.formdefs import load_form
from etl.ingest import IngestResult, check, ingest
from etl.issues import Issue
from etl.regions import Region, RegionIndex
from etl.rules import previous_period
from warehouse import compare, history_scope, review
from warehouse.compare import Change, format_value, region_label
from warehouse.db import Warehouse, quote_ident
from warehouse.review import can_restore  # noqa: F401  (pages call upload.can_restore)

# the figures a clerk checks first, per form (wide sheets: column keys; form C: task counts)
KEY_COLUMNS = {
    "A": ("accepted_total", "closed_total", "succeeded_total", "amount_wan"),
    "B": ("above_scale_with_committee", "union_100_with_committee", "township_centers", "mediators"),
}
READ_ONLY_MESSAGE = (
    "您使用的是省级领导账号：可以查看各地的数据和报送情况，但不能上报或修改数据。"
    "如需更正某地数据，请联系该地填报员或省级管理员。"
)


# ------------------------------------------------------------------ scope
@dataclass(frozen=True)
class UploadScope:
    viewer: Viewer
    allowed_regions: frozenset[str] | None  # None = any region
    scope_name: str
    city: Region | None
    review_state: str
    read_only: bool = False

    def describe(self, index: RegionIndex) -> str:
        """'您可以上报：通化市及所辖县区（8 个地区）'."""
        if self.read_only:
            return READ_ONLY_MESSAGE
        if self.allowed_regions is None:
            return "您可以上报全省任一地区的数据（省级管理员）。"
        return f"您可以上报：{self.scope_name}（{len(self.allowed_regions)} 个地区）。"


def upload_scope(wh: Warehouse, viewer: Viewer) -> UploadScope:
    """Which regions this viewer may load, the name used in messages, their city, the review state of uploads —
    exactly what `python -m etl ingest --user` applies (auth.accounts.load_scope)."""
    from auth.accounts import load_scope

    scope = load_scope(viewer, wh.region_index())
    if scope.error or (scope.allowed_regions is not None and not scope.allowed_regions):
        return UploadScope(viewer, frozenset(), "", None, scope.review_state, read_only=True)
    allowed = None if scope.allowed_regions is None else frozenset(scope.allowed_regions)
    return UploadScope(viewer, allowed, scope.scope_name, scope.city, scope.review_state)


# ------------------------------------------------------------------ checking one file
@dataclass
class FileCheck:
    """One uploaded file after validation (nothing loaded yet)."""

    name: str
    content: bytes
    result: IngestResult
    annotation: Plan | None = None  # the annotated copy's name and note; the copy itself is built on demand
    loaded: "LoadOutcome | None" = None
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.result.errors

    @property
    def sha256(self) -> str:
        return self.result.sha256

    def annotated_copy(self) -> Annotated | None:
        """The annotated workbook (built once, when first asked for: big workbooks take a while in openpyxl)."""
        if self.annotation is None:
            return None
        if "annotated" not in self.extra:
            self.extra["annotated"] = annotate(self.content, self.name, self.result.errors + self.result.warnings)
        return self.extra["annotated"]

    def annotated_bytes(self) -> bytes:
        copy = self.annotated_copy()
        return copy.content if copy is not None else b""


def check_file(
    wh: Warehouse,
    scope: UploadScope,
    content: bytes,
    name: str,
    *,
    period: str | None = None,
    today: dt.date | None = None,
) -> FileCheck:
    """Validate an uploaded file for this viewer; plan its annotated copy when anything was found."""
    result = check(
        wh,
        content,
        name,
        period=period,
        allowed_regions=_allowed(scope),
        scope_name=scope.scope_name,
        uploader_city=scope.city,
        today=today,
    )
    return FileCheck(name, content, result, plan(content, name, result.errors + result.warnings))


def _allowed(scope: UploadScope) -> set[str] | None:
    return None if scope.allowed_regions is None else set(scope.allowed_regions)


def form_title(code: str | None) -> str:
    if not code:
        return "未识别的报表"
    form = load_form(code)
    return f"{form.attachment} {form.title}" if form.attachment.startswith("附件") else form.title


def status_line(fc: FileCheck) -> tuple[str, str]:
    """(state, text) of a file: state is st.status's 'complete' or 'error'; the text says what to do next."""
    r = fc.result
    if fc.loaded is not None:
        if fc.loaded.review_state == "returned":
            return "error", f"已被退回（版本 {fc.loaded.version_id}）：退回原因见本页上方，请改正后重新上传"
        state = review.STATE_LABELS.get(fc.loaded.review_state, fc.loaded.review_state)
        return "complete", f"已入库（版本 {fc.loaded.version_id}，{state}）"
    if r.errors:
        return "error", f"发现 {len(r.errors)} 个错误，未入库：请按下方说明改正后重新上传"
    if r.warnings:
        return "complete", f"校验通过，有 {len(r.warnings)} 条提示请核实；确认无误后点“确认入库”"
    return "complete", "校验通过，可以入库"


LOCATION = re.compile(
    r"^“[^”]+”工作表(?: ?[A-Z]{1,3}\d+ 单元格| ?第 \d+ 行)?(?:（(?P<context>.*?)）)?：(?P<rest>.*)$", re.S
)


def split_message(message: str) -> tuple[str, str, str]:
    """A message of etl.parser.issue_at → (地区·项目, 问题, 怎么改); the sheet and cell have columns of their own."""
    match = LOCATION.match(message)
    context, rest = (match.group("context") or "", match.group("rest")) if match else ("", message)
    problem, _, fix = rest.partition("。")
    return context, problem, fix.strip()


def issues_frame(issues: list[Issue]) -> pl.DataFrame:
    """Errors or warnings as the clerk reads them: where (sheet and cell; region · item), what is wrong, how to fix it."""
    rows = []
    for i in issues:
        context, problem, fix = split_message(i.message)
        where = i.cell or (f"第 {i.row} 行" if i.row else "")
        rows.append(
            {
                "位置": f"{i.sheet} {where}".strip() if i.sheet else "整个文件",
                "地区 · 项目": context or "—",
                "问题": problem,
                "怎么改": fix or "—",
            }
        )
    return pl.DataFrame(rows, schema={k: pl.Utf8 for k in ("位置", "地区 · 项目", "问题", "怎么改")})


def rows_frame(result: IngestResult) -> pl.DataFrame:
    return pl.DataFrame(
        [{"工作表": k, "数据行数": v} for k, v in result.rows.items()], schema={"工作表": pl.Utf8, "数据行数": pl.Int64}
    )


def regions_text(result: IngestResult, index: RegionIndex, limit: int = 8) -> str:
    codes = sorted(result.parsed.region_codes) if result.parsed else []
    names = [region_label(index, c) for c in codes]
    return "、".join(names[:limit]) + (f" 等 {len(names)} 个地区" if len(names) > limit else "")


# ------------------------------------------------------------------ key totals vs the previous month
def _this_month(result: IngestResult) -> tuple[list[tuple[str, str]], dict[str, dict[str, float]]]:
    """([(key, title)], {region: {key: value}}) of the file's key figures."""
    form = load_form(result.form)
    main = form.sheets[0]
    parsed_sheet = result.parsed.sheets.get(main.name) if result.parsed else None
    rows = parsed_sheet.rows if parsed_sheet else []
    if result.form in KEY_COLUMNS:
        keys = [(k, main.column(k).title) for k in KEY_COLUMNS[result.form]]
        values = {
            r.values["region_code"]: {k: r.values.get(k) for k, _ in keys} for r in rows if r.values.get("region_code")
        }
        return keys, values
    keys = [("tasks", "任务数"), ("closed", "已闭环销号")]
    values: dict[str, dict[str, float]] = {}
    for r in rows:
        code = r.values.get("region_code")
        if code:
            entry = values.setdefault(code, {"tasks": 0, "closed": 0})
            entry["tasks"] += 1
            entry["closed"] += 1 if r.values.get("step") == 5 else 0
    return keys, values


def _previous_month(wh: Warehouse, result: IngestResult, regions: list[str]) -> dict[str, dict[str, float]]:
    form = load_form(result.form)
    main = form.sheets[0]
    before = previous_period(result.period)
    if result.form in KEY_COLUMNS:
        cols = ", ".join(quote_ident(k) for k in KEY_COLUMNS[result.form])
        frame = wh.query(
            f"select region_code, {cols} from {quote_ident('stg_' + main.table)} "
            f"where period = ? and list_contains(?, region_code)",
            [before, regions],
        )
        return {row.pop("region_code"): row for row in frame.to_dicts()}
    frame = wh.query(
        f"""
        select region_code, count(*) as tasks, count(*) filter (where step = 5) as closed
        from {quote_ident("stg_" + main.table)} where period = ? and list_contains(?, region_code) group by region_code
    """,
        [before, regions],
    )
    return {row.pop("region_code"): row for row in frame.to_dicts()}


def _delta(now, before) -> tuple[str, str]:
    if now is None or before is None:
        return "—", "—"
    diff = float(now) - float(before)
    sign = "+" if diff > 0 else ""
    text = f"{sign}{format_value(diff)}" if diff else "0"
    rate = f"{100 * diff / float(before):+.1f}%" if before else "—"
    return text, rate


def _in_scope(now: dict[str, dict], allowed: frozenset[str] | set[str] | None) -> dict[str, dict]:
    """Only the regions the uploader may load: the rest are errors already, and last month's figures of a region
    outside the scope are not the uploader's to see."""
    return now if allowed is None else {code: values for code, values in now.items() if code in allowed}


def key_totals(wh: Warehouse, result: IngestResult, allowed: frozenset[str] | set[str] | None) -> pl.DataFrame:
    """Totals of the file's key figures against the same regions' figures of the previous month, over the regions
    in the uploader's scope (`allowed`, None = any); empty when the file has none."""
    schema = {"指标": pl.Utf8, "本月": pl.Utf8, "上月": pl.Utf8, "增减": pl.Utf8, "增减率": pl.Utf8}
    if not result.form or not result.period or result.parsed is None:
        return pl.DataFrame([], schema=schema)
    keys, now = _this_month(result)
    now = _in_scope(now, allowed)
    if not now:
        return pl.DataFrame([], schema=schema)
    before = _previous_month(wh, result, sorted(now))
    rows = []
    for key, title in keys:
        total_now = sum(float(v[key] or 0) for v in now.values()) if now else None
        total_before = sum(float(v[key] or 0) for v in before.values()) if before else None
        change, rate = _delta(total_now, total_before)
        rows.append(
            {
                "指标": title,
                "本月": format_value(total_now),
                "上月": format_value(total_before),
                "增减": change,
                "增减率": rate,
            }
        )
    return pl.DataFrame(rows, schema=schema)


def region_totals(wh: Warehouse, result: IngestResult, allowed: frozenset[str] | set[str] | None) -> pl.DataFrame:
    """Per region in the uploader's scope: the first key figure this month and last month (to spot a slipped digit)."""
    schema = {"地区": pl.Utf8, "指标": pl.Utf8, "本月": pl.Utf8, "上月": pl.Utf8, "增减": pl.Utf8}
    if not result.form or not result.period or result.parsed is None:
        return pl.DataFrame([], schema=schema)
    keys, now = _this_month(result)
    now = _in_scope(now, allowed)
    before = _previous_month(wh, result, sorted(now)) if now else {}
    key, title = keys[0]
    index = wh.region_index()
    rows = []
    for region, values in now.items():
        prev = (before.get(region) or {}).get(key)
        rows.append(
            {
                "地区": region_label(index, region),
                "指标": title,
                "本月": format_value(values.get(key)),
                "上月": format_value(prev) if region in before else "上月未报送",
                "增减": _delta(values.get(key), prev)[0],
            }
        )
    return pl.DataFrame(rows, schema=schema)


def previous_month_label(result: IngestResult) -> str:
    return period_label(previous_period(result.period)) if result.period else "上月"


# ------------------------------------------------------------------ loading
@dataclass
class LoadOutcome:
    version_id: str
    review_state: str
    changes: list[Change]
    lines: list[str]
    first_time: bool  # nothing was shown for any of these regions before


@dataclass
class Replacement:
    """What 确认入库 of a checked file would do to the figures shown now (issue: re-upload safety)."""

    replaced: list[str]  # versions now shown for the file's regions that it would replace
    identical: bool  # the same bytes are already the current version of every one of its regions
    changes: list[Change]

    @property
    def needs_consent(self) -> bool:
        return bool(self.replaced) and not self.identical

    def deleted(self) -> list[str]:
        """'分行业：删除 92 行' — rows shown now that the new file does not have, per sheet."""
        counts: dict[str, int] = {}
        for c in self.changes:
            if c.kind == "removed":
                counts[c.sheet] = counts.get(c.sheet, 0) + (c.count or 1)
        return [f"{sheet}：删除 {n:,} 行" for sheet, n in counts.items()]


def replacement(wh: Warehouse, fc: FileCheck) -> Replacement | None:
    """Before loading: which current versions this file replaces, whether it is byte-identical, what changes."""
    r = fc.result
    if not fc.ok or r.parsed is None or not r.form or not r.period:
        return None
    baseline = compare.current_pointer(wh, r.form, r.period, sorted(r.parsed.region_codes))
    replaced = sorted({v for v in baseline.values() if v})
    if not replaced:
        return Replacement([], False, [])
    files = set(
        wh.query("select distinct file_id from versions where list_contains(?, version_id)", [replaced])[
            "file_id"
        ].to_list()
    )
    identical = None not in baseline.values() and files == {fc.sha256}
    changes = [] if identical else compare.preview_changes(wh, r.parsed, baseline)
    return Replacement(replaced, identical, changes)


def load_file(
    wh: Warehouse, scope: UploadScope, fc: FileCheck, *, period: str | None = None, today: dt.date | None = None
) -> FileCheck:
    """确认入库: validate again (figures may have changed since the preview), load, and list what changed."""
    if scope.read_only:
        raise PermissionError(READ_ONLY_MESSAGE)
    preview = fc.result
    regions = sorted(preview.parsed.region_codes) if preview.parsed else []
    baseline = (
        compare.current_pointer(wh, preview.form, preview.period, regions) if preview.form and preview.period else {}
    )
    index = wh.region_index()
    viewer = scope.viewer
    result = ingest(
        wh,
        fc.content,
        fc.name,
        user=viewer.name,
        period=period,
        allowed_regions=_allowed(scope),
        scope_name=scope.scope_name,
        uploader_city=scope.city,
        review_state=scope.review_state,
        today=today,
        after_load=lambda cur, version_id: review.record_submission(cur, version_id, viewer, index),
    )
    fc.result = result
    if result.status != "loaded":
        fc.annotation = plan(fc.content, fc.name, result.errors + result.warnings)
        fc.extra.pop("annotated", None)
        return fc
    changes = compare.compare_to_baseline(wh, result.version_id, baseline)
    fc.loaded = LoadOutcome(
        result.version_id,
        scope.review_state,
        changes,
        compare.change_lines(changes, result.form),
        first_time=all(v is None for v in baseline.values()),
    )
    return fc


def headline_changes(changes: list[Change], form: str, limit: int = 12) -> tuple[list[str], int]:
    """The change lines to read first. Few changes: every one. Many: one line per region with its key figures
    ("东昌区 受理案件数合计 73 → 32，调解结案数 70 → 28"), regions first reported or dropped, and one count line
    per other sheet ("分行业：修改 20 处，新增 5 行，删除 40 行"); the table below lists everything.

    Returns (lines, how many changes are not spelled out in those lines)."""
    if len(changes) <= limit:
        return compare.change_lines(changes, form), 0
    keys = KEY_COLUMNS.get(form, ("step",))
    main = load_form(form).sheets[0].name
    by_region: dict[str, list[Change]] = {}
    whole_rows: list[Change] = []
    per_sheet: dict[str, dict[str, int]] = {}
    for change in changes:
        if change.sheet == main and change.kind == "changed" and change.column in keys:
            by_region.setdefault(change.region_name, []).append(change)
        elif change.sheet == main and change.kind != "changed":
            whole_rows.append(change)
        elif change.sheet != main:
            counts = per_sheet.setdefault(change.sheet, {"changed": 0, "added": 0, "removed": 0})
            counts[change.kind] += change.count if change.kind != "changed" else 1
    lines, spelled = [], 0
    for region, found in by_region.items():
        found.sort(key=lambda c: keys.index(c.column))
        lines.append(
            f"{region} "
            + "，".join(f"{c.title} {format_value(c.old, c.column)} → {format_value(c.new, c.column)}" for c in found)
        )
        spelled += len(found)
    for change in whole_rows:
        lines.append(compare.change_line(change, main))
        spelled += 1
    for sheet, counts in per_sheet.items():
        parts = [
            f"{label} {counts[kind]} {unit}"
            for kind, label, unit in (("changed", "修改", "处"), ("added", "新增", "行"), ("removed", "删除", "行"))
            if counts[kind]
        ]
        lines.append(f"{sheet}：" + "，".join(parts))
    return lines, len(changes) - spelled


def refresh_review_state(wh: Warehouse, fc: FileCheck) -> None:
    """A file loaded earlier in this session may have been approved or returned since: show its state now."""
    if fc.loaded is not None:
        fc.loaded.review_state = (
            wh.scalar("select review_state from versions where version_id = ?", [fc.loaded.version_id])
            or fc.loaded.review_state
        )


def review_note(state: str) -> str:
    """What happens next, in the clerk's words."""
    if state == "returned":
        return "这个版本已被审核退回，退回原因见本页上方；改正后重新上传即可替代它。"
    if state != "pending":
        return "数据已生效，各看板即时更新。"
    counts = review.pending_counts()
    return (
        "已提交审核（待审核）。"
        + ("审核期间数据已计入看板，并标注“待审核”。" if counts else "审核通过前看板仍显示原有数据。")
        + "审核结果会显示在本页“我的上报”中。"
    )


# ------------------------------------------------------------------ history
# the rule of what a viewer sees of versions is shared with `python -m etl history --user` (warehouse/history_scope.py)
filter_regions = history_scope.filter_regions
unscoped = history_scope.unscoped


def visible_versions(
    wh: Warehouse, viewer: Viewer, *, region: str | None = None, form: str | None = None, period: str | None = None
) -> list[review.Submission]:
    """Versions the viewer may see, cut down to their regions (warehouse.history_scope, as the CLI)."""
    return history_scope.visible_versions(wh, viewer, region=region, form=form, period=period)


def compare_regions(
    old: review.Submission, new: review.Submission, wanted: set[str] | None, viewer: Viewer, index: RegionIndex
) -> list[str] | None:
    """Regions to compare two versions over: both cover them, within the filter and the viewer's scope."""
    return history_scope.compare_regions(old, new, wanted, viewer.detail_regions(index))


def current_text(sub: review.Submission) -> str:
    """看板显示: 当前 (every region of the version), 2/7 个地区 (some), or empty (none: superseded or returned)."""
    if not sub.current_regions:
        return ""
    if len(sub.current_regions) == len(sub.regions):
        return "当前"
    return f"{len(sub.current_regions)}/{len(sub.regions)} 个地区"


def person_names(wh) -> dict[str, str]:
    """Account name → the person's display name (accounts table), for every place that says who uploaded."""
    return dict(wh.query("select name, display_name from accounts where display_name <> ''").iter_rows())


def person(names: dict[str, str], account: str | None) -> str:
    """Who uploaded, as people read it: the display name, or the name as recorded (CLI loads, removed accounts)."""
    return names.get(account or "", account or "—")


def versions_frame(
    subs: list[review.Submission], index: RegionIndex, people: dict[str, str] | None = None
) -> pl.DataFrame:
    """One row per version; the columns a clerk looks at first come first (the long SHA-256 last). 上报人 is the
    uploader's display name when `people` (person_names) knows the account."""
    people = people or {}
    rows = []
    for s in subs:
        names = [region_label(index, r) for r in s.regions]
        rows.append(
            {
                "版本号": s.version_id,
                "统计期": s.period,
                "报表": s.form,
                "审核状态": s.state_label,
                "看板显示": current_text(s),
                "上报人": person(people, s.loaded_by),
                "上报时间": s.loaded_at.strftime("%Y-%m-%d %H:%M:%S") if s.loaded_at else "",
                "地区": "、".join(names[:3]) + (f" 等 {len(names)} 个" if len(names) > 3 else ""),
                "提示数": int(s.warnings or 0),
                "审核意见": s.review_note or "",
                "文件": s.file_name,
                "文件指纹": s.sha256,
            }
        )
    schema = {
        "版本号": pl.Utf8,
        "统计期": pl.Utf8,
        "报表": pl.Utf8,
        "审核状态": pl.Utf8,
        "看板显示": pl.Utf8,
        "上报人": pl.Utf8,
        "上报时间": pl.Utf8,
        "地区": pl.Utf8,
        "提示数": pl.Int64,
        "审核意见": pl.Utf8,
        "文件": pl.Utf8,
        "文件指纹": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema)


def version_warnings(wh: Warehouse, viewer: Viewer, version_id: str) -> pl.DataFrame:
    """The load warnings of a version that the viewer may read (their regions' rows), as the clerk reads them."""
    return issues_frame(history_scope.version_warnings(wh, viewer, version_id))


# ------------------------------------------------------------------ templates
def template_periods(today: dt.date | None = None) -> list[str]:
    """Months a template can be made for, newest first: the current month back to the campaign start."""
    today = today or dt.date.today()
    first = config_first_period()
    months, year, month = [], today.year, today.month
    while f"{year:04d}-{month:02d}" >= first:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def config_first_period() -> str:
    from warehouse import config

    return config.settings()["reporting"]["first_period"]


def default_template_period(today: dt.date | None = None) -> str:
    """The month clerks report now: last month (reports are due on the 10th of the next month)."""
    return previous_period((lambda d: f"{d.year:04d}-{d.month:02d}")(today or dt.date.today()))


def template_units(wh: Warehouse, viewer: Viewer) -> list[tuple[str | None, str]]:
    """(code, label) a viewer may make templates for: their own unit or region; the administrator any unit."""
    index = wh.region_index()
    if viewer.role in ("admin", "leader"):
        units = sorted(index.units, key=lambda r: r.code)
        return [(None, "不预填地区（通用模板）")] + [(u.code, u.name) for u in units]
    if viewer.role == "city":
        unit = index.get(viewer.unit_code(index) or "")
        return [(unit.code, unit.name)] if unit else []
    region = index.get(viewer.region_code or "")
    return [(region.code, region_label(index, region.code))] if region else []


def template_regions(index: RegionIndex, code: str | None) -> tuple[Region | None, list[Region]]:
    """The 填报单位 and the region rows to pre-list: a unit lists 市本级 then its counties; a county itself."""
    if code is None:
        return None, []
    region = index.get(code)
    if region is None:
        return None, []
    if region.code == region.unit_code:
        members = sorted(index.unit_regions(region.code), key=lambda r: (r.code != region.code, r.code))
        return region, members
    return region, [region]


def make_template(
    wh: Warehouse, viewer: Viewer, form_code: str, period: str, code: str | None
) -> tuple[bytes, str, list[str]]:
    """The template workbook, its file name and the pre-listed region names (scope-checked)."""
    from etl.template import template_file_name, write_workbook

    allowed = {c for c, _ in template_units(wh, viewer)}
    if code not in allowed:
        raise PermissionError("只能下载本单位的模板。")
    index = wh.region_index()
    unit, regions = template_regions(index, code)
    form = load_form(form_code)
    content = write_workbook(form, period=period, unit=unit, regions=regions)
    return content, template_file_name(form, period, unit), [region_label(index, r.code) for r in regions]


def restore(wh: Warehouse, viewer: Viewer, version_id: str) -> list[str]:
    """Restore an earlier version after the permission check (audited by warehouse.load.restore_version)."""
    from warehouse.load import restore_version

    sub = review.submission(wh, version_id)
    allowed, why = can_restore(viewer, sub, wh.region_index())
    if not allowed:
        raise PermissionError(why)
    return restore_version(wh, version_id, user=viewer.name)
