"""Which versions, regions and load warnings a viewer may see in 历史版本 and `python -m etl history --user`.

One rule for the page and the CLI (interfaces.md §4: a county sees its own region, a city its unit's regions):
- a version is listed only when it touches one of the viewer's detail regions;
- what is listed of it is cut down to those regions: its regions, the regions it is current or latest in,
  and its load warnings (a warning is kept only when the row it points at is one of the viewer's regions);
- a cell-by-cell comparison covers only the viewer's regions.
Province roles (detail_regions None) see every version whole.
"""

from __future__ import annotations

import dataclasses
import json

from auth.viewer import Viewer
from etl.formdefs import load_form
from etl.issues import Issue
from etl.regions import RegionIndex
from warehouse import review
from warehouse.db import Warehouse, quote_ident, raw_table

UNSCOPED = "unscoped"  # Submission.extra key: the whole version, for permission checks (restore)


def filter_regions(index: RegionIndex, region: str | None) -> set[str] | None:
    """The regions a region filter stands for: a unit → its regions, a county → itself, 全省/None → all (None)."""
    if not region or region == "220000":
        return None
    picked = index.get(region)
    return {r.code for r in index.unit_regions(region)} if picked and picked.code == picked.unit_code else {region}


def visible_versions(
    wh: Warehouse, viewer: Viewer, *, region: str | None = None, form: str | None = None, period: str | None = None
) -> list[review.Submission]:
    """Versions the viewer may see, newest first, each cut down to the viewer's regions (see the module doc)."""
    index = wh.region_index()
    detail = viewer.detail_regions(index)
    wanted = filter_regions(index, region)
    out = []
    for sub in review.submissions(wh):
        if (form and sub.form != form) or (period and sub.period != period):
            continue
        if detail is not None and not set(sub.regions) & detail:
            continue
        if wanted is not None and not set(sub.regions) & wanted:
            continue
        out.append(sub if detail is None else _cut(sub, detail))
    if detail is not None:
        counts = _warning_counts(wh, out, detail)
        out = [dataclasses.replace(s, warnings=counts.get(s.version_id, 0)) for s in out]
    return out


def unscoped(sub: review.Submission) -> review.Submission:
    """The whole version behind a cut-down one (what restore permissions are decided on)."""
    return sub.extra.get(UNSCOPED, sub)


def _cut(sub: review.Submission, detail: frozenset[str]) -> review.Submission:
    def keep(codes):
        return [c for c in codes if c in detail]

    return dataclasses.replace(
        sub,
        regions=keep(sub.regions),
        latest_regions=keep(sub.latest_regions),
        current_regions=keep(sub.current_regions),
        extra={**sub.extra, UNSCOPED: sub},
    )


def compare_regions(
    old: review.Submission, new: review.Submission, wanted: set[str] | None, detail: frozenset[str] | None = None
) -> list[str] | None:
    """Regions to compare two versions over: those both cover, within the filter and the viewer's detail regions.
    None = every region of both (only for an unrestricted viewer without a filter); [] = nothing to compare."""
    common = set(old.regions) & set(new.regions)
    if wanted is None and detail is None:
        return sorted(common) or None
    for limit in (wanted, detail):
        if limit is not None:
            common &= set(limit)
    return sorted(common)


def version_warnings(wh: Warehouse, viewer: Viewer, version_id: str) -> list[Issue]:
    """The warnings recorded when the version was loaded that the viewer may read."""
    detail = viewer.detail_regions(wh.region_index())
    raw = wh.scalar("select warnings from versions where version_id = ?", [version_id]) or "[]"
    issues = [Issue("warning", **w) for w in json.loads(raw)]
    if detail is None:
        return issues
    form = wh.scalar("select form from versions where version_id = ?", [version_id])
    rows = _row_regions(wh, {form: [version_id]}) if form else {}
    return [i for i in issues if _may_read(i, rows.get(version_id, {}), detail)]


def _warning_counts(wh: Warehouse, subs: list[review.Submission], detail: frozenset[str]) -> dict[str, int]:
    ids = [s.version_id for s in subs if s.warnings]
    if not ids:
        return {}
    by_form: dict[str, list[str]] = {}
    for s in subs:
        if s.warnings:
            by_form.setdefault(s.form, []).append(s.version_id)
    rows = _row_regions(wh, by_form)
    raw = dict(wh.query("select version_id, warnings from versions where list_contains(?, version_id)", [ids]).rows())
    return {
        v: sum(_may_read(Issue("warning", **w), rows.get(v, {}), detail) for w in json.loads(raw[v] or "[]"))
        for v in ids
    }


def _row_regions(wh: Warehouse, by_form: dict[str, list[str]]) -> dict[str, dict[tuple[str, int], str]]:
    """{version: {(form sheet name, workbook row): region}} of the loaded rows (what a warning's row points at)."""
    out: dict[str, dict[tuple[str, int], str]] = {}
    for form_code, ids in by_form.items():
        for sheet in load_form(form_code).sheets:
            found = wh.query(
                f"select version_id, source_row, region_code from {quote_ident(raw_table(sheet))} "
                "where list_contains(?, version_id)",
                [ids],
            ).rows()
            for version_id, source_row, region in found:
                out.setdefault(version_id, {})[(sheet.name, source_row)] = region
    return out


def _may_read(issue: Issue, rows: dict[tuple[str, int], str], detail: frozenset[str]) -> bool:
    """A warning about a whole file or sheet is the viewer's; one about a row only when that row is their region's
    (a row that was not loaded, e.g. a subtotal row, cannot be placed, so it is left out)."""
    if issue.row is None:
        return True
    named = {region for (sheet, row), region in rows.items() if row == issue.row and sheet == issue.sheet}
    regions = named or {
        region for (_, row), region in rows.items() if row == issue.row
    }  # sheet renamed in the workbook
    return bool(regions) and regions <= detail


def history_lines(wh: Warehouse, viewer: Viewer, *, region: str | None = None, form: str | None = None) -> list[str]:
    """`python -m etl history` output: one line per version the viewer may see, cut down as on the page."""
    lines = []
    for sub in visible_versions(wh, viewer, region=region, form=form):
        flag = "当前" if sub.current_regions else "已被替代"
        lines.append(
            f"{sub.version_id}  表{sub.form} {sub.period}  {sub.loaded_at:%Y-%m-%d %H:%M}  {sub.loaded_by}  "
            f"{flag}  地区 {','.join(sub.regions)}  {sub.file_name}  sha256 {sub.sha256[:12]}…"
        )
    return lines
