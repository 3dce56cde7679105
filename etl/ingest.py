"""Validate and load one workbook: archive → read → parse → validate → versioned load (or reject)."""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from etl.formdefs import all_forms
from etl.issues import FileRejected, Issue
from etl.parser import ParsedFile, parse_workbook
from etl.reader import read_grids
from etl.regions import Region
from etl.rules import validate
from warehouse import config
from warehouse.db import Warehouse
from warehouse.load import WarehouseHistory, load_version
from warehouse.private import private_dir, write_private


@dataclass
class IngestResult:
    """What happened to one file; to_json() is the `ingest --json` line of interfaces.md."""

    file: str
    status: str  # loaded | rejected
    form: str | None = None
    period: str | None = None
    version_id: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    sha256: str = ""
    parsed: ParsedFile | None = None

    def to_json(self) -> dict:
        return {"file": self.file, "status": self.status, "form": self.form, "period": self.period,
                "version_id": self.version_id, "rows": self.rows,
                "errors": [i.to_json() for i in self.errors], "warnings": [i.to_json() for i in self.warnings]}


def _issue_order(parsed: ParsedFile):
    sheets = [s.name for s in parsed.form.sheets] if parsed.form else []

    def key(issue: Issue):
        col = re.sub(r"\d", "", issue.cell or "")
        return (sheets.index(issue.sheet) if issue.sheet in sheets else -1, issue.row or 0, len(col), col)
    return key


def archive(wh: Warehouse, content: bytes, file_name: str, sha256: str, outcome: str) -> Path:
    """Keep the original bytes (loaded or rejected) under archive/<outcome>/<date>/, readable by the owner only."""
    top = config.archive_dir(wh.path)
    folder = private_dir(top / outcome / dt.date.today().isoformat(), top)  # 0700: originals are personal data
    safe = re.sub(r"[\\/:*?\"<>|]", "_", Path(file_name).name)
    target = folder / f"{sha256[:12]}_{safe}"
    with contextlib.suppress(FileExistsError):  # the same bytes (the name starts with their hash) are kept already
        write_private(target, content)  # 0600
    return target


def check(wh: Warehouse, content: bytes, file_name: str, *, period: str | None = None,
          allowed_regions: set[str] | None = None, scope_name: str = "", uploader_city: Region | None = None,
          today: dt.date | None = None) -> IngestResult:
    """Read and validate without loading (the upload preview)."""
    settings = config.settings()
    sha256 = hashlib.sha256(content).hexdigest()
    result = IngestResult(file=file_name, status="rejected", sha256=sha256)
    try:
        grids = read_grids(content, max_file_mb=settings["upload"]["max_file_mb"],
                           max_expanded_mb=settings["upload"]["max_expanded_mb"])
    except FileRejected as rejected:
        result.errors = [rejected.issue]
        return result
    parsed = parse_workbook(grids, wh.region_index(), period=period, uploader_city=uploader_city)
    validate(parsed, settings=settings["warnings"], history=WarehouseHistory(wh), index=wh.region_index(),
             first_period=settings["reporting"]["first_period"], today=today,
             allowed_regions=allowed_regions, scope_name=scope_name)
    parsed.issues.sort(key=_issue_order(parsed))
    result.parsed = parsed
    result.form = parsed.form.code if parsed.form else None
    result.period = parsed.period
    result.rows = parsed.row_counts()
    result.errors, result.warnings = parsed.errors, parsed.warnings
    if not result.errors and not parsed.region_codes:
        result.errors = [Issue("error", "no_rows", "工作簿中没有任何地区数据行。请在表头下方逐行填写各地区数据。",
                               sheet=parsed.form.required_sheets[0].name if parsed.form else None)]
    result.status = "checked" if not result.errors else "rejected"
    return result


def ingest(wh: Warehouse, content: bytes, file_name: str, *, user: str = "admin", period: str | None = None,
           allowed_regions: set[str] | None = None, scope_name: str = "", uploader_city: Region | None = None,
           loaded_at: dt.datetime | None = None, today: dt.date | None = None,
           review_state: str = "approved", after_load=None) -> IngestResult:
    """Validate a workbook and load it as a new version, or reject it leaving the warehouse untouched.

    after_load(cursor, version_id) runs inside the load transaction (the app records who reviews the upload).
    """
    result = check(wh, content, file_name, period=period, allowed_regions=allowed_regions, scope_name=scope_name,
                   uploader_city=uploader_city, today=today)
    if result.errors:
        archive(wh, content, file_name, result.sha256, "rejected")
        result.status = "rejected"
        return result
    archive(wh, content, file_name, result.sha256, "loaded")
    result.version_id = load_version(wh, result.parsed, file_name=Path(file_name).name, content=content,
                                     sha256=result.sha256, user=user, loaded_at=loaded_at, review_state=review_state,
                                     after_load=after_load)
    result.status = "loaded"
    return result


def form_codes() -> list[str]:
    return [f.code for f in all_forms()]
