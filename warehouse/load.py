"""Versioned loads: one file = one version in one transaction; supersede, restore and history."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

import polars as pl

from etl.formdefs import Form, Sheet
from etl.parser import ParsedFile
from warehouse import build
from warehouse.db import Warehouse, quote_ident, raw_table

POLARS_TYPES = {
    "VARCHAR": pl.Utf8,
    "BIGINT": pl.Int64,
    "DECIMAL(18,2)": pl.Float64,
    "DOUBLE": pl.Float64,
    "DATE": pl.Date,
    "BOOLEAN": pl.Boolean,
    "INTEGER": pl.Int32,
}


# Column types of the rows a bulk load inserts into `files` and `versions` (one definition for both loads).
FILE_SCHEMA = {
    "file_id": pl.Utf8,
    "sha256": pl.Utf8,
    "file_name": pl.Utf8,
    "size_bytes": pl.Int64,
    "content": pl.Binary,
    "received_at": pl.Datetime("us"),
    "received_by": pl.Utf8,
}
VERSION_SCHEMA = {
    "version_id": pl.Utf8,
    "file_id": pl.Utf8,
    "form": pl.Utf8,
    "period": pl.Utf8,
    "loaded_at": pl.Datetime("us"),
    "loaded_by": pl.Utf8,
    "row_counts": pl.Utf8,
    "warnings": pl.Utf8,
    "review_state": pl.Utf8,
    "review_note": pl.Utf8,
    "load_seq": pl.Int64,
}
VERSION_REGION_SCHEMA = {"version_id": pl.Utf8, "form": pl.Utf8, "period": pl.Utf8, "region_code": pl.Utf8}
POINTER_SCHEMA = {"form": pl.Utf8, "period": pl.Utf8, "region_code": pl.Utf8, "version_id": pl.Utf8}


def _frame(sheet: Sheet, rows: list[dict]) -> pl.DataFrame:
    schema = {"version_id": pl.Utf8, "period": pl.Utf8, "region_code": pl.Utf8, "source_row": pl.Int32}
    schema |= {c.key: POLARS_TYPES[c.sql_type] for c in sheet.stored_columns if c.key != "region_code"}
    return pl.DataFrame(rows, schema=schema, orient="row" if rows and isinstance(rows[0], (list, tuple)) else None)


VERSION_COLUMNS = (
    "version_id, file_id, form, period, loaded_at, loaded_by, row_counts, warnings, review_state, review_note, load_seq"
)
NEXT_SEQ = "select coalesce(max(load_seq), 0) + 1 from versions"  # writes are serialised: no two loads get one


def not_after_now(at: dt.datetime | None) -> dt.datetime:
    """A load's time: the given one, but never later than now (a load cannot have happened in the future)."""
    now = dt.datetime.now()
    return now if at is None or at > now else at


def new_version_id() -> str:
    return uuid.uuid4().hex[:12]


def load_version(
    wh: Warehouse,
    parsed: ParsedFile,
    *,
    file_name: str,
    content: bytes,
    sha256: str,
    user: str,
    loaded_at: dt.datetime | None = None,
    review_state: str = "approved",
    after_load=None,
) -> str:
    """Write a validated file as a new version and make it current for its form × period × regions.

    A pending version (review_state 'pending', warehouse/review.py) becomes current only when config
    [review] pending_counts is true; an approved one also becomes the approved figures in force.
    after_load(cursor, version_id), if given, runs inside the same transaction (e.g. the review record).
    """
    item = VersionLoad(
        parsed,
        file_name=file_name,
        content=content,
        sha256=sha256,
        user=user,
        loaded_at=loaded_at,
        review_state=review_state,
        after_load=after_load,
    )
    with wh.write() as cur:
        write_version(wh, cur, item)
    return item.version_id


@dataclass
class VersionLoad:
    """One validated file to write as a version (load_version, or many in one transaction: load_versions)."""

    parsed: ParsedFile
    file_name: str
    content: bytes
    sha256: str
    user: str
    loaded_at: dt.datetime | None = None
    review_state: str = "approved"
    after_load: object = None
    version_id: str = ""

    def __post_init__(self):
        assert self.parsed.form is not None and self.parsed.period and not self.parsed.errors
        self.version_id = self.version_id or new_version_id()


def load_versions(wh: Warehouse, items: list[VersionLoad]) -> None:
    """Write several versions in ONE transaction, in order (a batch of files: one commit instead of one per file,
    which is most of a small load's cost). Each item behaves as its own load_version would, in sequence: a later
    item of the same form × period × region supersedes an earlier one. All or nothing: if any item fails the
    whole transaction rolls back (the caller, etl.ingest.Batch, then loads the items one by one)."""
    with wh.write() as cur:
        if len(items) > 1 and _independent(items):
            _write_together(wh, cur, items)
        else:
            for item in items:
                write_version(wh, cur, item)


def _independent(items: list[VersionLoad]) -> bool:
    """No two items share a form × period × region (no item replaces another) and none has an after_load hook:
    then their rows can be written with one statement per table instead of a dozen per file."""
    seen: set[tuple[str, str, str]] = set()
    for item in items:
        if item.after_load is not None:
            return False
        keys = {(item.parsed.form.code, item.parsed.period, code) for code in item.parsed.region_codes}
        if keys & seen:
            return False
        seen |= keys
    return True


def _write_together(wh: Warehouse, cur, items: list[VersionLoad]) -> None:
    """What write_version does for each item, one statement per table for all of them (same rows, same order of
    load_seq). Only for independent items (_independent): no pointer written here is replaced inside the group."""
    counts_current = pending_counts()
    files, versions, version_regions, current, approved = [], [], [], [], []
    tables: dict[str, tuple[Sheet, list[pl.DataFrame]]] = {}
    seen_files: set[str] = set()
    for n, item in enumerate(items):
        parsed, version_id = item.parsed, item.version_id
        item.loaded_at = not_after_now(item.loaded_at)
        regions = sorted(parsed.region_codes)
        if item.sha256 not in seen_files:  # the same bytes twice in a batch: the first files row, as one by one
            seen_files.add(item.sha256)
            files.append(
                (item.sha256, item.sha256, item.file_name, len(item.content), item.content, item.loaded_at, item.user)
            )
        versions.append(
            (
                version_id,
                item.sha256,
                parsed.form.code,
                parsed.period,
                item.loaded_at,
                item.user,
                json.dumps(parsed.row_counts(), ensure_ascii=False),
                json.dumps([w.to_json() for w in parsed.warnings], ensure_ascii=False),
                item.review_state,
                None,
                n,
            )
        )
        for code in regions:
            version_regions.append((version_id, parsed.form.code, parsed.period, code))
            pointer = (parsed.form.code, parsed.period, code, version_id)
            if item.review_state == "approved" or counts_current:
                current.append(pointer)
            if item.review_state == "approved":
                approved.append(pointer)
        for sheet in parsed.sheets.values():
            keys = [c.key for c in sheet.definition.stored_columns if c.key != "region_code"]
            rows = [
                [version_id, parsed.period, r.values["region_code"], r.excel_row, *(r.values.get(k) for k in keys)]
                for r in sheet.rows
            ]
            if rows:
                tables.setdefault(raw_table(sheet.definition), (sheet.definition, []))[1].append(
                    _frame(sheet.definition, rows)
                )
    new_files = pl.DataFrame(
        files,
        orient="row",
        schema=FILE_SCHEMA,
    )
    cur.register("incoming_rows", new_files.to_arrow())
    cur.execute(
        "insert into files by name select * from incoming_rows where file_id not in (select file_id from files)"
    ).fetchall()
    cur.unregister("incoming_rows")
    first_seq = cur.execute(NEXT_SEQ).fetchall()[0][0]
    frame = pl.DataFrame(
        versions,
        orient="row",
        schema=VERSION_SCHEMA,
    )
    _insert(cur, "versions", frame.with_columns(pl.col("load_seq") + first_seq))
    _insert(
        cur,
        "version_regions",
        pl.DataFrame(
            version_regions,
            orient="row",
            schema=VERSION_REGION_SCHEMA,
        ),
    )
    for table, (_, frames) in tables.items():
        _insert(cur, table, pl.concat(frames, how="vertical"))
    for table, pointers in (("current_versions", current), ("approved_versions", approved)):
        if pointers:
            cur.register("incoming_rows", pl.DataFrame(pointers, orient="row", schema=POINTER_SCHEMA).to_arrow())
            cur.execute(
                f"delete from {table} where exists (select 1 from incoming_rows as i where i.form = "
                f"{table}.form and i.period = {table}.period and i.region_code = {table}.region_code)"
            ).fetchall()
            cur.execute(
                f"insert into {table} select form, period, region_code, version_id from incoming_rows"
            ).fetchall()
            cur.unregister("incoming_rows")
    for item in items:
        parsed, regions = item.parsed, sorted(item.parsed.region_codes)
        build.after_change(wh, cur, parsed.form.code, parsed.period, regions, at=item.loaded_at)
        wh.audit(
            cur,
            item.user,
            "load",
            item.version_id,
            {
                "file": item.file_name,
                "form": parsed.form.code,
                "period": parsed.period,
                "regions": regions,
                "sha256": item.sha256,
                "rows": parsed.row_counts(),
                "review_state": item.review_state,
            },
        )


def write_version(wh: Warehouse, cur, item: VersionLoad) -> None:
    """The statements of one version load, inside the caller's write transaction."""
    parsed, version_id, review_state = item.parsed, item.version_id, item.review_state
    loaded_at = not_after_now(item.loaded_at)
    regions = sorted(parsed.region_codes)
    frames = []
    for sheet in parsed.sheets.values():
        keys = [c.key for c in sheet.definition.stored_columns if c.key != "region_code"]
        rows = [
            [version_id, parsed.period, r.values["region_code"], r.excel_row, *(r.values.get(k) for k in keys)]
            for r in sheet.rows
        ]
        frames.append((sheet.definition, _frame(sheet.definition, rows)))
    # the same bytes loaded again keep their first files row ("insert or ignore" costs ~5 ms with the blob)
    cur.execute(
        "insert into files select ?, ?, ?, ?, ?, ?, ? where not exists (select 1 from files where file_id = ?)",
        [item.sha256, item.sha256, item.file_name, len(item.content), item.content, loaded_at, item.user, item.sha256],
    ).fetchall()
    cur.execute(
        f"insert into versions ({VERSION_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, null, ({NEXT_SEQ}))",
        [
            version_id,
            item.sha256,
            parsed.form.code,
            parsed.period,
            loaded_at,
            item.user,
            json.dumps(parsed.row_counts(), ensure_ascii=False),
            json.dumps([w.to_json() for w in parsed.warnings], ensure_ascii=False),
            review_state,
        ],
    ).fetchall()
    cur.execute(
        "insert into version_regions select ?, ?, ?, unnest(?::varchar[])",
        [version_id, parsed.form.code, parsed.period, regions],
    ).fetchall()
    for sheet, frame in frames:
        if frame.height:
            cur.register("incoming_rows", frame.to_arrow())  # an Arrow table registers about twice as fast
            cur.execute(f"insert into {quote_ident(raw_table(sheet))} by name select * from incoming_rows").fetchall()
            cur.unregister("incoming_rows")
    if review_state == "approved" or pending_counts():
        _point_current(cur, parsed.form.code, parsed.period, regions, version_id)
    if review_state == "approved":
        _point_approved(cur, parsed.form.code, parsed.period, regions, version_id)
    if item.after_load is not None:
        item.after_load(cur, version_id)
    build.after_change(wh, cur, parsed.form.code, parsed.period, regions, at=loaded_at)  # serving tables, signals
    wh.audit(
        cur,
        item.user,
        "load",
        version_id,
        {
            "file": item.file_name,
            "form": parsed.form.code,
            "period": parsed.period,
            "regions": regions,
            "sha256": item.sha256,
            "rows": parsed.row_counts(),
            "review_state": review_state,
        },
    )


def pending_counts() -> bool:
    """Config [review] pending_counts: do figures awaiting review count on the dashboards (default yes)?"""
    from warehouse import config

    return bool(config.settings().get("review", {}).get("pending_counts", True))


def _point(cur, table: str, form: str, period: str, regions: list[str], version_id: str) -> None:
    cur.execute(
        f"delete from {table} where form = ? and period = ? and list_contains(?, region_code)", [form, period, regions]
    ).fetchall()
    cur.execute(
        f"insert into {table} select ?, ?, unnest(?::varchar[]), ?", [form, period, regions, version_id]
    ).fetchall()


def _point_current(cur, form: str, period: str, regions: list[str], version_id: str) -> None:
    _point(cur, "current_versions", form, period, regions, version_id)


def _point_approved(cur, form: str, period: str, regions: list[str], version_id: str) -> None:
    _point(cur, "approved_versions", form, period, regions, version_id)


@dataclass
class TrustedLoad:
    """A load of typed rows that needs no validation (generated benchmark data): one version per item."""

    form: Form
    period: str
    rows: dict[str, list[dict]]  # sheet name → row dicts keyed by column key (typed values)
    file_name: str
    loaded_at: dt.datetime
    loaded_by: str


def load_many(wh: Warehouse, loads: list[TrustedLoad]) -> int:
    """Many trusted loads of NEW form × period × regions in one transaction (the scaled demo, month by month).

    Same tables and pointers as load_version, written in bulk; no supersede (a region must not be loaded twice).
    """
    tables: dict[str, tuple[Sheet, list]] = {}
    files, versions, version_regions, pointers = [], [], [], []
    for item in loads:
        version_id = new_version_id()
        regions: set[str] = set()
        for sheet_name, rows in item.rows.items():
            sheet = item.form.sheet(sheet_name)
            keys = [c.key for c in sheet.stored_columns if c.key != "region_code"]
            out = tables.setdefault(sheet.table, (sheet, []))[1]
            for i, row in enumerate(rows):
                out.append([version_id, item.period, row["region_code"], i + 5, *(row.get(k) for k in keys)])
                regions.add(row["region_code"])
        counts = json.dumps({name: len(rows) for name, rows in item.rows.items()}, ensure_ascii=False)
        file_id = f"generated-{version_id}"
        loaded_at = not_after_now(item.loaded_at)
        files.append((file_id, file_id, item.file_name, 0, b"", loaded_at, item.loaded_by))
        versions.append(
            (
                version_id,
                file_id,
                item.form.code,
                item.period,
                loaded_at,
                item.loaded_by,
                counts,
                "[]",
                "approved",
                None,
                len(versions),
            )
        )  # + the sequence's next value, inside the transaction
        for code in sorted(regions):
            version_regions.append((version_id, item.form.code, item.period, code))
            pointers.append((item.form.code, item.period, code, version_id))
    meta = {
        "files": (
            files,
            FILE_SCHEMA,
        ),
        "versions": (
            versions,
            VERSION_SCHEMA,
        ),
        "version_regions": (version_regions, VERSION_REGION_SCHEMA),
        "current_versions": (pointers, POINTER_SCHEMA),
        "approved_versions": (pointers, POINTER_SCHEMA),
    }
    with wh.write() as cur:
        first_seq = cur.execute(NEXT_SEQ).fetchall()[0][0]
        for sheet, rows in tables.values():
            _insert(cur, raw_table(sheet), _frame(sheet, rows))
        for table, (rows, schema) in meta.items():
            frame = pl.DataFrame(rows, orient="row", schema=schema)
            if table == "versions":
                frame = frame.with_columns(pl.col("load_seq") + first_seq)
            _insert(cur, table, frame)
        touched: dict[tuple[str, str], set[str]] = {}
        for form, period, code, _ in pointers:
            touched.setdefault((form, period), set()).add(code)
        for (form, period), codes in sorted(touched.items()):
            build.after_change(wh, cur, form, period, sorted(codes))  # nothing in the demo's deferred bulk build
    return len(loads)


def _insert(cur, table: str, frame: pl.DataFrame) -> None:
    if frame.height:
        cur.register("incoming_rows", frame.to_arrow())
        cur.execute(f"insert into {quote_ident(table)} by name select * from incoming_rows").fetchall()
        cur.unregister("incoming_rows")


def restore_version(wh: Warehouse, version_id: str, *, user: str) -> list[str]:
    """Make an earlier version current again for all of its regions; returns those regions.

    Only approved versions can be restored: a returned one was refused by its reviewer, a pending one
    becomes current through review.
    """
    rows = wh.query("select form, period, region_code from version_regions where version_id = ?", [version_id]).rows()
    if not rows:
        raise KeyError(f"没有版本号为 {version_id} 的版本")
    state = wh.scalar("select review_state from versions where version_id = ?", [version_id])
    if state == "returned":
        raise ValueError("这个版本已被审核退回，不能恢复。请重新上报改正后的报表。")
    if state == "pending":
        raise ValueError("这个版本正在等待审核，不能恢复；审核通过后它会自动成为当前版本。")
    form, period = rows[0][0], rows[0][1]
    regions = [r[2] for r in rows]
    with wh.write() as cur:
        _point_current(cur, form, period, regions, version_id)
        _point_approved(cur, form, period, regions, version_id)
        build.after_change(wh, cur, form, period, regions)  # serving tables, early-warning signals
        wh.audit(cur, user, "restore", version_id, {"form": form, "period": period, "regions": regions})
    return regions


def history(wh: Warehouse, *, region: str | None = None, form: str | None = None) -> pl.DataFrame:
    """All versions, newest (last loaded) first, with whether each is current for some region."""
    return wh.query(
        """
        select
            v.version_id, v.form, v.period, v.loaded_at, v.loaded_by, f.file_name, f.sha256,
            string_agg(distinct vr.region_code, ',' order by vr.region_code) as regions,
            count(distinct cur.region_code) as current_regions,
            json_array_length(v.warnings) as warnings,
            v.review_state
        from versions as v
        join files as f using (file_id)
        join version_regions as vr using (version_id)
        left join current_versions as cur on cur.version_id = v.version_id and cur.region_code = vr.region_code
        where ($region is null or vr.region_code = $region or vr.region_code in
                (select code from ref_region where unit_code = $region or city_code = $region))
          and ($form is null or v.form = $form)
        group by all
        order by max(v.load_seq) desc
    """,
        {"region": region, "form": form},
    )


class WarehouseHistory:
    """Earlier months' current figures, for the rules that compare with the previous month.

    `regions` is the uploader's load scope (None = any region): figures of other regions are never read, so
    neither a warning ("… 与上月 67 相比") nor the preview can show a region the uploader may not see.
    """

    def __init__(self, wh: Warehouse, regions: set[str] | frozenset[str] | None = None):
        self.wh = wh
        self.regions = None if regions is None else frozenset(regions)

    def _scoped(self, region_codes: set[str]) -> list[str]:
        return sorted(region_codes if self.regions is None else set(region_codes) & self.regions)

    def _dicts(self, sql: str, params: list) -> list[dict]:
        """Rows as dicts straight from a cursor (a polars frame costs more than the query here)."""
        cur = self.wh.cursor()
        try:
            rows = cur.execute(sql, params).fetchall()
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in rows]
        finally:
            cur.close()

    def previous_rows(self, table: str, period: str, region_codes: set[str]) -> dict[str, dict]:
        codes = self._scoped(region_codes)
        if not codes:
            return {}
        rows = self._dicts(
            f"select * from {quote_ident('stg_' + table)} where period = ? and list_contains(?, region_code)",
            [period, codes],
        )
        return {row["region_code"]: row for row in rows}

    def previous_tasks(self, period: str, region_codes: set[str]) -> list[dict]:
        codes = self._scoped(region_codes)
        if not codes:
            return []
        return self._dicts(
            "select region_code, task_id, task, step from stg_ledger where period = ? and list_contains(?, region_code)",
            [period, codes],
        )
