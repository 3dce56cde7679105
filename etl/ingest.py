"""Validate and load one workbook: archive → read → parse → validate → versioned load (or reject)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from etl.formdefs import all_forms
from etl.issues import FileRejected, Issue
from etl.parser import ParsedFile, parse_workbook
from etl.reader import read_grids
from etl.regions import Region
from etl.rules import validate
from warehouse import config
from warehouse.db import Warehouse, WarehouseBusy, quote_ident
from warehouse.load import VersionLoad, WarehouseHistory, load_version, load_versions
from warehouse.private import private_dir, write_private

log = logging.getLogger(__name__)
NAME_BYTES = 120  # an archived file's name after its hash prefix: far below the 255 bytes a file system allows
CHECK_FAILED = (
    "读取或校验这个文件时发生了意外错误，文件没有入库，数据仓库未改动。"
    "请确认文件是用系统下载的模板填写的；仍然失败时请把文件发给系统管理员。"
)
LOAD_FAILED = "入库时发生了意外错误，文件没有入库，数据仓库未改动。请稍后重新上传；仍然失败时请把文件发给系统管理员。"


@dataclass
class IngestResult:
    """What happened to one file; to_json() is the `ingest --json` line of interfaces.md."""

    file: str
    status: str  # loaded | rejected | skipped (could not be processed: the reason is the one error) | checked
    form: str | None = None
    period: str | None = None
    version_id: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    sha256: str = ""
    parsed: ParsedFile | None = None

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "status": self.status,
            "form": self.form,
            "period": self.period,
            "version_id": self.version_id,
            "rows": self.rows,
            "errors": [i.to_json() for i in self.errors],
            "warnings": [i.to_json() for i in self.warnings],
        }


def _issue_order(parsed: ParsedFile):
    sheets = [s.name for s in parsed.form.sheets] if parsed.form else []

    def key(issue: Issue):
        col = re.sub(r"\d", "", issue.cell or "")
        return (sheets.index(issue.sheet) if issue.sheet in sheets else -1, issue.row or 0, len(col), col)

    return key


def safe_name(file_name: str) -> str:
    """A file name safe to store and show: the last path part, no control or reserved characters, at most
    NAME_BYTES bytes of UTF-8 with the extension kept (an upload's name is the uploader's text)."""
    name = re.split(r"[\\/]", str(file_name))[-1]
    name = "".join(
        "_" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") or ch in ':*?"<>|' else ch
        for ch in unicodedata.normalize("NFC", name)
    ).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext.encode()) > 10:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    budget = NAME_BYTES - len(suffix.encode())
    if len(stem.encode()) > budget:
        stem = stem.encode()[:budget].decode(errors="ignore")  # cut at a whole character
    return (stem or "文件") + suffix


def archive(wh: Warehouse, content: bytes, file_name: str, sha256: str, outcome: str) -> Path | None:
    """Keep the original bytes (loaded or rejected) under archive/<outcome>/<date>/<hash>_<safe name>.

    A failure to archive is logged, never the file's outcome: the bytes of a loaded file are also in the
    warehouse (files table), and a rejected file changed nothing."""
    try:
        top = config.archive_dir(wh.path)
        folder = private_dir(top / outcome / dt.date.today().isoformat(), top)  # 0700: originals are personal data
        target = folder / f"{sha256[:12]}_{safe_name(file_name)}"
        with contextlib.suppress(FileExistsError):  # the same bytes (the name starts with their hash) are kept already
            write_private(target, content)  # 0600
        return target
    except OSError:
        log.exception("归档文件失败：%r（%s）", file_name, outcome)
        return None


def _failed(file_name: str, sha256: str, code: str, message: str) -> IngestResult:
    return IngestResult(file=file_name, status="skipped", sha256=sha256, errors=[Issue("error", code, message)])


def _never_crash(check_function):
    """An unexpected exception while reading or validating one file becomes that file's result (logged with
    its traceback for the administrator), never a crash of the page or of a batch; a busy warehouse is the
    caller's to handle."""

    @functools.wraps(check_function)
    def guarded(wh, content, file_name, **kwargs):
        try:
            return check_function(wh, content, file_name, **kwargs)
        except WarehouseBusy:
            raise
        except Exception:
            log.exception("校验文件时发生意外错误：%r", file_name)
            return _failed(file_name, hashlib.sha256(content).hexdigest(), "check_failed", CHECK_FAILED)

    return guarded


@_never_crash
def check(
    wh: Warehouse,
    content: bytes,
    file_name: str,
    *,
    period: str | None = None,
    allowed_regions: set[str] | None = None,
    scope_name: str = "",
    uploader_city: Region | None = None,
    today: dt.date | None = None,
    history: WarehouseHistory | None = None,
) -> IngestResult:
    """Read and validate without loading (the upload preview). `history`: where the rules read earlier months
    (by default the warehouse as it stands, limited to `allowed_regions`)."""
    settings = config.settings()
    sha256 = hashlib.sha256(content).hexdigest()
    result = IngestResult(file=file_name, status="rejected", sha256=sha256)
    try:
        grids = read_grids(
            content,
            max_file_mb=settings["upload"]["max_file_mb"],
            max_expanded_mb=settings["upload"]["max_expanded_mb"],
        )
    except FileRejected as rejected:
        result.errors = [rejected.issue]
        return result
    parsed = parse_workbook(grids, wh.region_index(), period=period, uploader_city=uploader_city)
    validate(
        parsed,
        settings=settings["warnings"],
        history=history or WarehouseHistory(wh, allowed_regions),
        index=wh.region_index(),
        first_period=settings["reporting"]["first_period"],
        today=today,
        allowed_regions=allowed_regions,
        scope_name=scope_name,
    )
    parsed.issues.sort(key=_issue_order(parsed))
    result.parsed = parsed
    result.form = parsed.form.code if parsed.form else None
    result.period = parsed.period
    result.rows = parsed.row_counts()
    result.errors, result.warnings = parsed.errors, parsed.warnings
    if not result.errors and not parsed.region_codes:
        result.errors = [
            Issue(
                "error",
                "no_rows",
                "工作簿中没有任何地区数据行。请在表头下方逐行填写各地区数据。",
                sheet=parsed.form.required_sheets[0].name if parsed.form else None,
            )
        ]
    result.status = "checked" if not result.errors else "rejected"
    return result


def ingest(
    wh: Warehouse,
    content: bytes,
    file_name: str,
    *,
    user: str = "admin",
    period: str | None = None,
    allowed_regions: set[str] | None = None,
    scope_name: str = "",
    uploader_city: Region | None = None,
    loaded_at: dt.datetime | None = None,
    today: dt.date | None = None,
    review_state: str = "approved",
    after_load=None,
) -> IngestResult:
    """Validate a workbook and load it as a new version, or reject it leaving the warehouse untouched.

    after_load(cursor, version_id) runs inside the load transaction (the app records who reviews the upload).
    """
    result = check(
        wh,
        content,
        file_name,
        period=period,
        allowed_regions=allowed_regions,
        scope_name=scope_name,
        uploader_city=uploader_city,
        today=today,
    )
    if result.errors:
        archive(wh, content, file_name, result.sha256, "rejected")
        return result
    try:
        result.version_id = load_version(
            wh,
            result.parsed,
            file_name=safe_name(file_name),
            content=content,
            sha256=result.sha256,
            user=user,
            loaded_at=loaded_at,
            review_state=review_state,
            after_load=after_load,
        )
    except WarehouseBusy:
        raise
    except Exception:  # the load transaction rolled back: nothing of this file is in the warehouse
        log.exception("入库时发生意外错误：%r", file_name)
        archive(wh, content, file_name, result.sha256, "rejected")
        return _failed(file_name, result.sha256, "load_failed", LOAD_FAILED)
    archive(wh, content, file_name, result.sha256, "loaded")  # only what really is in the warehouse
    result.status = "loaded"
    return result


class Batch:
    """Many files in a row (`python -m etl ingest a.xlsx b.xlsx …`): each is checked as `ingest` checks it, and the
    valid ones are written together, in order, in one transaction — one commit for the batch instead of one per
    file, which is most of a small file's load time.

    The results are the same as ingesting the files one by one: a file is checked against the warehouse as it is
    before it, so a file whose checks could read what a waiting file writes (same form and a shared region: the
    previous-month comparisons, or a replacement) first commits the waiting files and is then checked. If the
    group's transaction fails, it rolls back and each of its files is loaded alone, so one bad file never
    takes another with it. `add` returns the results that are final, in input order (a file waiting to be
    written is returned by a later `add` or by `flush`); call `flush` at the end.
    """

    def __init__(self, wh: Warehouse, *, max_files: int = 200, max_bytes: int = 64 * 1024 * 1024):
        # a group is written once it holds max_files files or max_bytes of workbooks (each waiting file keeps its
        # bytes for the files table: 200 uploads of 20 MB must not wait in memory together)
        self.wh, self.max_files, self.max_bytes = wh, max_files, max_bytes
        loading_settings(wh)
        self._waiting: list[tuple[IngestResult, VersionLoad]] = []
        self._queue: list[IngestResult] = []  # every result not yet returned, in input order
        self._previous: dict = {}  # _BatchHistory's rows, valid until the batch next writes

    def add(
        self,
        content: bytes,
        file_name: str,
        *,
        user: str = "admin",
        period: str | None = None,
        allowed_regions: set[str] | None = None,
        scope_name: str = "",
        uploader_city: Region | None = None,
        loaded_at: dt.datetime | None = None,
        today: dt.date | None = None,
        review_state: str = "approved",
    ) -> list[IngestResult]:
        kwargs = dict(
            period=period,
            allowed_regions=allowed_regions,
            scope_name=scope_name,
            uploader_city=uploader_city,
            today=today,
        )
        if self.wh.lake is None:  # a lake may be written by other processes meanwhile: no rows kept between files
            kwargs["history"] = _BatchHistory(self.wh, allowed_regions, self._previous)
        result = check(self.wh, content, file_name, **kwargs)
        if not result.errors and self._depends_on_waiting(result):
            self._write()  # its checks must see the waiting files' figures, as they would one by one
            result = check(self.wh, content, file_name, **kwargs)
        if result.errors:
            archive(self.wh, content, file_name, result.sha256, "rejected")
        else:
            item = VersionLoad(
                result.parsed,
                file_name=safe_name(file_name),
                content=content,
                sha256=result.sha256,
                user=user,
                loaded_at=loaded_at,
                review_state=review_state,
            )
            self._waiting.append((result, item))
            if (
                len(self._waiting) >= self.max_files
                or sum(len(waiting.content) for _, waiting in self._waiting) >= self.max_bytes
            ):
                self._write()
        self._queue.append(result)
        return self._done()

    def skip(self, result: IngestResult) -> list[IngestResult]:
        """A file that could not be processed (its result is final): kept in input order."""
        self._queue.append(result)
        return self._done()

    def flush(self) -> list[IngestResult]:
        """Write what waits; every remaining result."""
        self._write()
        return self._done()

    def _depends_on_waiting(self, result: IngestResult) -> bool:
        regions = set(result.parsed.region_codes)
        return any(
            waiting.form == result.form and regions & set(waiting.parsed.region_codes) for waiting, _ in self._waiting
        )

    def _done(self) -> list[IngestResult]:
        waiting = {id(result) for result, _ in self._waiting}
        out = []
        while self._queue and id(self._queue[0]) not in waiting:
            out.append(self._queue.pop(0))
        return out

    def _write(self) -> None:
        group, self._waiting = self._waiting, []
        if not group:
            return
        self._previous.clear()  # what the checks read of earlier months may change now
        try:
            load_versions(self.wh, [item for _, item in group])
        except WarehouseBusy:
            raise
        except Exception:  # rolled back: nothing of the group is in the warehouse; each file on its own now
            log.warning("批量入库失败，逐个文件重新入库", exc_info=True)
            for result, item in group:
                self._write_one(result, item)
            return
        for result, item in group:
            self._loaded(result, item)

    def _write_one(self, result: IngestResult, item: VersionLoad) -> None:
        try:
            load_versions(self.wh, [item])
        except WarehouseBusy:
            raise
        except Exception:
            log.exception("入库时发生意外错误：%r", result.file)
            archive(self.wh, item.content, result.file, result.sha256, "rejected")
            failed = _failed(result.file, result.sha256, "load_failed", LOAD_FAILED)
            result.__dict__.update(failed.__dict__)  # the same result object: it is already in the queue
            return
        self._loaded(result, item)

    def _loaded(self, result: IngestResult, item: VersionLoad) -> None:
        archive(self.wh, item.content, result.file, result.sha256, "loaded")
        result.version_id, result.status = item.version_id, "loaded"


class _BatchHistory(WarehouseHistory):
    """WarehouseHistory whose previous-month rows of a sheet table come from one query per table × period for the
    whole batch (every region: the query costs the same as for one unit's), kept until the batch next writes and
    filtered here to the file's regions in scope: the same row for each region as the per-file query. The previous
    month's tasks (工作台账) are kept per query as asked, since their order is the order of the warnings they give.

    A province month asks for the same previous month eleven times per form (once per reporting unit).
    """

    def __init__(self, wh: Warehouse, regions: set[str] | None, kept: dict):
        super().__init__(wh, regions)
        self.kept = kept

    def previous_rows(self, table: str, period: str, region_codes: set[str]) -> dict[str, dict]:
        codes = set(self._scoped(region_codes))
        if not codes:
            return {}
        if (table, period) not in self.kept:
            self.kept[(table, period)] = self._dicts(
                f"select * from {quote_ident('stg_' + table)} where period = ?", [period]
            )
        return {row["region_code"]: dict(row) for row in self.kept[(table, period)] if row["region_code"] in codes}

    def previous_tasks(self, period: str, region_codes: set[str]) -> list[dict]:
        # asked twice per 工作台账 file (two rules) with the same regions: the same query's rows, in its order
        key = ("tasks", period, tuple(self._scoped(region_codes)))
        if key not in self.kept:
            self.kept[key] = super().previous_tasks(period, region_codes)
        return [dict(row) for row in self.kept[key]]


def loading_settings(wh: Warehouse) -> None:
    """Tune the warehouse's DuckDB for a batch of loads from now on: one thread, and no FSST string compression.

    - One thread: DuckDB's worker threads cost more than they save on statements that touch a few hundred rows
      (measured on a province month: ≈ 20 % less CPU for the checks, writing, refresh and closing checkpoint).
    - No FSST: at the closing checkpoint DuckDB tries every compression method on every string column it rewrites;
      FSST's trial is half the checkpoint's CPU (0.18 → 0.10 s for a province month), and it chose FSST for no
      segment of that month (the same methods and blocks without it: docs/performance.md). Segments are then stored
      dictionary-encoded or plain, which every reader reads as before.

    Both settings are the database's, not the cursor's, and stay until the warehouse is closed: a Batch belongs to a
    process that loads (`python -m etl ingest`, the benchmarks), never to the app's shared warehouse.
    """
    if not wh.read_only:
        cur = wh.cursor()
        try:
            cur.execute("set threads = 1")
            cur.execute("set disabled_compression_methods = 'fsst'")
        finally:
            cur.close()


def form_codes() -> list[str]:
    return [f.code for f in all_forms()]
