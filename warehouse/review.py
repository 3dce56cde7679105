"""Multi-level review (多级上报): county uploads are reviewed by their city, city uploads by the province.

States of `versions.review_state`: 'pending' 待审核 → 'approved' 审核通过 or 'returned' 退回 (the reason is
kept in `versions.review_note` and shown to the uploader). Administrators' own loads are approved at once.

Which figures count (config `[review] pending_counts`, default true):
- true: a pending upload becomes current at once (dashboards show it, marked 待审核);
- false: dashboards keep showing the approved figures until the reviewer approves.

What a clerk can expect:
- A newer upload for the same form, period and region supersedes an older one, whatever its state: a
  returned upload disappears from the uploader's "退回" list once corrected figures are submitted, and a
  pending upload that has been superseded leaves the review queue (its successor is reviewed instead).
- 审核通过 makes the version the approved figures (and current) for every region where it is the latest upload.
- 退回 takes the returned figures off the dashboards at once: each of its regions shows the last figures
  approved for that month again, or, if that month has never been approved for the region, nothing
  (the month counts as not yet reported for that region until corrected figures are submitted).

Every approval and return is written to the audit log in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from auth.viewer import Viewer
from etl.regions import RegionIndex
from warehouse import config
from warehouse.build import after_change
from warehouse.db import Warehouse

STATE_LABELS = {"pending": "待审核", "approved": "审核通过", "returned": "退回"}
REVIEWER_LABELS = {"city": "市（州）审核", "admin": "省级审核"}


class ReviewError(ValueError):
    """A review action that is not allowed or not possible; the message is Chinese and says why."""


def review_enabled() -> bool:
    return bool(config.settings().get("review", {}).get("enabled", True))


def pending_counts() -> bool:
    return bool(config.settings().get("review", {}).get("pending_counts", True))


def review_state_for(viewer: Viewer) -> str:
    """The state a new upload by this viewer starts in: 'pending' for city and county uploads when review is
    enabled (`[review] enabled`), else 'approved'. The one rule for the app upload and `ingest --user`."""
    return "pending" if review_enabled() and viewer.role in ("city", "county") else "approved"


def reviewer_for(submitter_role: str | None, regions: list[str], index: RegionIndex) -> tuple[str, str | None]:
    """(reviewer_role, reviewer_unit): a county upload goes to its city, anything else to the province.

    Without a record of the uploader (CLI loads) the regions decide: one county-level region → its city.
    """
    if submitter_role == "county" or (submitter_role is None and len(regions) == 1):
        region = index.get(regions[0]) if len(regions) == 1 else None
        if region is not None and region.unit_code and region.unit_code != region.code:
            return "city", region.unit_code
    return "admin", None


def record_submission(cur, version_id: str, viewer: Viewer, index: RegionIndex) -> None:
    """Inside the load transaction (ingest's after_load): who submitted the version and who is to review it."""
    regions = [
        r
        for (r,) in cur.execute(
            "select region_code from version_regions where version_id = ? order by region_code", [version_id]
        ).fetchall()
    ]
    role, unit = reviewer_for(viewer.role, regions, index) if viewer.role in ("city", "county") else (None, None)
    # delete + insert rather than "insert or replace": a lake (warehouse/lake.py) has no primary keys
    cur.execute("delete from review_submissions where version_id = ?", [version_id]).fetchall()
    cur.execute(
        "insert into review_submissions values (?, ?, ?, ?, ?, null, null)",
        [version_id, viewer.role, viewer.region_code, role, unit],
    ).fetchall()


@dataclass
class Submission:
    """One version as the review workflow sees it."""

    version_id: str
    form: str
    period: str
    regions: list[str]
    latest_regions: list[str]  # regions where no newer upload exists (the rest are superseded)
    current_regions: list[str]  # regions whose dashboards show this version now
    loaded_at: dt.datetime
    loaded_by: str
    file_name: str
    sha256: str
    warnings: int
    review_state: str
    review_note: str | None
    submitter_role: str | None
    reviewer_role: str
    reviewer_unit: str | None
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None
    extra: dict = field(default_factory=dict)

    @property
    def superseded(self) -> bool:
        return not self.latest_regions

    @property
    def state_label(self) -> str:
        label = STATE_LABELS.get(self.review_state, self.review_state)
        return f"{label}（已被新版本替代）" if self.superseded and self.review_state != "approved" else label


SUBMISSIONS_SQL = """
with ranked as (
    select
        vr.version_id, vr.region_code,
        row_number() over (partition by vr.form, vr.period, vr.region_code
                           order by v.load_seq desc) as newest
    from version_regions as vr
    join versions as v using (version_id)
),
per_version as (
    select
        r.version_id,
        list(r.region_code order by r.region_code) as regions,
        list(r.region_code order by r.region_code) filter (where r.newest = 1) as latest_regions,
        list(r.region_code order by r.region_code) filter (where c.version_id is not null) as current_regions
    from ranked as r
    left join current_versions as c on c.version_id = r.version_id and c.region_code = r.region_code
    group by r.version_id
)
select
    v.version_id, v.form, v.period, p.regions, coalesce(p.latest_regions, []) as latest_regions,
    coalesce(p.current_regions, []) as current_regions, v.loaded_at, v.loaded_by, f.file_name, f.sha256,
    json_array_length(v.warnings) as warnings, v.review_state, v.review_note,
    s.submitter_role, s.reviewer_role, s.reviewer_unit, s.reviewed_by, s.reviewed_at
from versions as v
join per_version as p using (version_id)
join files as f using (file_id)
left join review_submissions as s using (version_id)
where ($state is null or v.review_state = $state)
  and ($version_id is null or v.version_id = $version_id)
order by v.load_seq desc
"""


def submissions(wh: Warehouse, *, state: str | None = None, version_id: str | None = None) -> list[Submission]:
    """Versions (newest first) with their review facts; reviewer inferred where the app did not record it."""
    index = wh.region_index()
    out = []
    for row in wh.query(SUBMISSIONS_SQL, {"state": state, "version_id": version_id}).to_dicts():
        if row["reviewer_role"] is None:
            row["reviewer_role"], row["reviewer_unit"] = reviewer_for(row["submitter_role"], row["regions"], index)
        out.append(Submission(**row))
    return out


def submission(wh: Warehouse, version_id: str) -> Submission:
    found = submissions(wh, version_id=version_id)
    if not found:
        raise ReviewError(f"没有版本号为 {version_id} 的版本。")
    return found[0]


def can_review(viewer: Viewer, sub: Submission) -> bool:
    """The province administrator may review every upload; a city reviews its counties' uploads."""
    if viewer.role == "admin":
        return True
    if viewer.role == "city" and sub.reviewer_role == "city":
        return bool(viewer.region_code) and sub.reviewer_unit == viewer.region_code
    return False


def review_queue(wh: Warehouse, viewer: Viewer) -> list[Submission]:
    """Pending uploads this viewer may review, oldest first (first come, first served); superseded ones drop out.

    For the province administrator, uploads addressed to the province come first, then county uploads
    still waiting at their city (the administrator may act on those too).
    """
    if viewer.role not in ("admin", "city"):
        return []
    queue = [s for s in submissions(wh, state="pending") if not s.superseded and can_review(viewer, s)]
    queue.sort(key=lambda s: (s.reviewer_role != viewer.role if viewer.role == "admin" else False, s.loaded_at))
    return queue


def uploader_items(
    wh: Warehouse, viewer: Viewer, *, states: tuple[str, ...] = ("returned", "pending")
) -> list[Submission]:
    """The viewer's own unit's uploads that still need attention: returned (with the reason) or pending."""
    if viewer.role not in ("city", "county") or not viewer.region_code:
        return []
    scope = viewer.load_regions(wh.region_index()) or frozenset()
    items = []
    for sub in submissions(wh):
        if sub.review_state not in states or sub.superseded:
            continue
        if not set(sub.regions) <= scope:
            continue
        if sub.submitter_role is not None and sub.submitter_role != viewer.role:
            continue  # a city does not see its counties' uploads here (it reviews them)
        items.append(sub)
    return items


def _check(viewer: Viewer, sub: Submission) -> None:
    if sub.review_state != "pending":
        raise ReviewError(f"这个版本的状态是“{STATE_LABELS.get(sub.review_state, sub.review_state)}”，不能再审核。")
    if sub.superseded:
        raise ReviewError("这个版本已被同一地区更新的上报替代，请审核最新的版本。")
    if not can_review(viewer, sub):
        who = "所属市（州）" if sub.reviewer_role == "city" else "省级管理员"
        raise ReviewError(f"您没有审核这个版本的权限：它应由{who}审核。")


def approve(
    wh: Warehouse, version_id: str, viewer: Viewer, *, note: str = "", now: dt.datetime | None = None
) -> list[str]:
    """审核通过: the version becomes the approved (and current) figures of every region where it is the latest."""
    sub = submission(wh, version_id)
    _check(viewer, sub)
    now = now or dt.datetime.now().replace(microsecond=0)
    regions = sub.latest_regions
    with wh.write() as cur:
        cur.execute(
            "update versions set review_state = 'approved', review_note = ? where version_id = ?",
            [note.strip() or None, version_id],
        ).fetchall()
        _mark_reviewed(cur, sub, viewer, now)
        for table in ("current_versions", "approved_versions"):
            cur.execute(
                f"delete from {table} where form = ? and period = ? and list_contains(?, region_code)",
                [sub.form, sub.period, regions],
            ).fetchall()
            cur.executemany(
                f"insert into {table} values (?, ?, ?, ?)", [(sub.form, sub.period, r, version_id) for r in regions]
            )
        after_change(wh, cur, sub.form, sub.period, regions)  # the figures in force changed
        wh.audit(
            cur,
            viewer.name,
            "review_approve",
            version_id,
            {"form": sub.form, "period": sub.period, "regions": regions, "note": note.strip()},
        )
    return regions


def return_version(
    wh: Warehouse, version_id: str, viewer: Viewer, *, reason: str, now: dt.datetime | None = None
) -> dict[str, str | None]:
    """退回 with a reason the uploader sees; returns {region: version now shown (None = nothing)}."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("请填写退回原因，让填报单位知道要改什么。")
    sub = submission(wh, version_id)
    _check(viewer, sub)
    now = now or dt.datetime.now().replace(microsecond=0)
    fallback: dict[str, str | None] = {}
    with wh.write() as cur:
        cur.execute(
            "update versions set review_state = 'returned', review_note = ? where version_id = ?", [reason, version_id]
        ).fetchall()
        _mark_reviewed(cur, sub, viewer, now)
        shown = cur.execute("select region_code from current_versions where version_id = ?", [version_id]).fetchall()
        for (region,) in shown:
            approved = cur.execute(
                "select version_id from approved_versions where form = ? and period = ? and region_code = ?",
                [sub.form, sub.period, region],
            ).fetchall()
            cur.execute(
                "delete from current_versions where form = ? and period = ? and region_code = ?",
                [sub.form, sub.period, region],
            ).fetchall()
            if approved:
                cur.execute(
                    "insert into current_versions values (?, ?, ?, ?)", [sub.form, sub.period, region, approved[0][0]]
                ).fetchall()
            fallback[region] = approved[0][0] if approved else None
        if shown:
            after_change(wh, cur, sub.form, sub.period, [r for (r,) in shown])  # the figures in force changed
        wh.audit(
            cur,
            viewer.name,
            "review_return",
            version_id,
            {"form": sub.form, "period": sub.period, "regions": sub.regions, "reason": reason, "now_shown": fallback},
        )
    return fallback


def _mark_reviewed(cur, sub: Submission, viewer: Viewer, now: dt.datetime) -> None:
    # update, else insert, rather than "on conflict": a lake (warehouse/lake.py) has no primary keys
    cur.execute(
        "update review_submissions set reviewed_by = ?, reviewed_at = ? where version_id = ?",
        [viewer.name, now, sub.version_id],
    ).fetchall()
    cur.execute(
        """
        insert into review_submissions
        select ?, ?, null, ?, ?, ?, ? where not exists (select 1 from review_submissions where version_id = ?)
    """,
        [
            sub.version_id,
            sub.submitter_role or "unknown",
            sub.reviewer_role,
            sub.reviewer_unit,
            viewer.name,
            now,
            sub.version_id,
        ],
    ).fetchall()


def approved_baseline(wh: Warehouse, version_id: str) -> dict[str, str | None]:
    """For each region of a version, the approved figures it would replace (None = none approved yet)."""
    rows = wh.query(
        """
        select vr.region_code, a.version_id
        from version_regions as vr
        left join approved_versions as a
            on a.form = vr.form and a.period = vr.period and a.region_code = vr.region_code and a.version_id <> vr.version_id
        where vr.version_id = ?
    """,
        [version_id],
    ).rows()
    return {region: other for region, other in rows}


def pending_current(wh: Warehouse, *, period: str | None = None, form: str | None = None):
    """Current figures that still await review (for dashboards to mark 待审核): form, period, region_code, version_id."""
    return wh.query(
        """
        select c.form, c.period, c.region_code, c.version_id
        from current_versions as c
        join versions as v using (version_id)
        where v.review_state = 'pending' and ($period is null or c.period = $period) and ($form is null or c.form = $form)
        order by c.form, c.period, c.region_code
    """,
        {"period": period, "form": form},
    )


def pending_note(wh: Warehouse, *, period: str | None = None, regions: set[str] | frozenset[str] | None = None) -> str:
    """For dashboards: '含待审核数据：2025年3月 附件1 通化市本级、东昌区等 7 个地区' ('' when nothing shown awaits review).

    regions limits the note to what the viewer sees (None = every region)."""
    from warehouse.compare import region_label

    frame = pending_current(wh, period=period)
    if regions is not None:
        frame = frame.filter(frame["region_code"].is_in(sorted(regions)))
    if frame.height == 0:
        return ""
    index = wh.region_index()
    parts = []
    for (form, month), group in frame.group_by(["form", "period"], maintain_order=True):
        names = [region_label(index, code) for code in group["region_code"].to_list()]
        where = "、".join(names[:3]) + (f"等 {len(names)} 个地区" if len(names) > 3 else "")
        parts.append(f"{int(month[:4])}年{int(month[5:7])}月 表{form} {where}")
    return "含待审核数据：" + "；".join(parts) + "（审核通过前可能变动）"


def can_restore(viewer: Viewer, sub: Submission, index: RegionIndex) -> tuple[bool, str]:
    """Admin, or the city whose unit owns every region of the version; only approved, non-current versions."""
    if viewer.role == "admin":
        allowed = True
    elif viewer.role == "city":
        scope = viewer.load_regions(index) or frozenset()
        allowed = set(sub.regions) <= scope
    else:
        allowed = False
    if not allowed:
        return False, "只有省级管理员和该地区所属市（州）的填报员可以恢复历史版本。"
    if sub.review_state != "approved":
        return False, f"这个版本的状态是“{sub.state_label}”，只能恢复审核通过的版本。"
    if set(sub.current_regions) == set(sub.regions):
        return False, "这个版本已经是当前版本。"
    return True, ""
