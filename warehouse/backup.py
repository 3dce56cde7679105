"""Whole-warehouse export to Parquet (DuckDB EXPORT DATABASE) and back."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb

from warehouse.db import Warehouse


def backup(wh: Warehouse, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise FileExistsError(f"备份目录 {folder} 不是空的，请换一个新目录")
    cur = wh.cursor()
    cur.execute(f"export database '{_literal(folder)}' (format parquet)").fetchall()
    cur.close()
    return folder


def _literal(path: Path) -> str:
    # EXPORT/IMPORT take a path literal, not a bound parameter: escape quotes
    return str(path.resolve()).replace("'", "''")


def restore_backup(folder: Path, db_path: Path) -> Path | None:
    """Build a new warehouse file from a backup; an existing file is kept aside, never overwritten."""
    if not (folder / "schema.sql").exists():
        raise FileNotFoundError(f"{folder} 不是本系统的备份目录（缺少 schema.sql）")
    moved = None
    if db_path.exists():
        moved = db_path.with_name(db_path.name + f".before-restore-{dt.datetime.now():%Y%m%d%H%M%S}")
        db_path.rename(moved)
        wal = db_path.with_name(db_path.name + ".wal")
        if wal.exists():
            wal.rename(moved.with_name(moved.name + ".wal"))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # Not IMPORT DATABASE: the export lists views alphabetically (mart_* before the stg_* they read), so the
    # import fails. Tables and data are restored here; Warehouse() below rebuilds every view from the models.
    schema = (folder / "schema.sql").read_text(encoding="utf-8")
    statements = [s.strip() for s in re.split(r";\s*\n(?=CREATE )", schema, flags=re.IGNORECASE) if s.strip()]
    copies = re.sub(r"FROM '(?:[^']*/)?([^/']+\.parquet)'", lambda m: f"FROM '{_literal(folder / m.group(1))}'",
                    (folder / "load.sql").read_text(encoding="utf-8"))  # the backup folder may have been moved
    con = duckdb.connect(str(db_path))
    try:
        con.execute("begin transaction")
        for statement in statements:
            if not re.match(r"create\s+(or\s+replace\s+)?view\b", statement, re.IGNORECASE):
                con.execute(statement.rstrip(";")).fetchall()
        con.execute(copies).fetchall()
        con.execute("commit")
    finally:
        con.close()
    Warehouse(db_path).close()  # re-apply models and config in force
    return moved
