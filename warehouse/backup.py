"""Whole-warehouse export to Parquet (DuckDB EXPORT DATABASE) and back, without losing data on either side.

- A backup holds the password hashes and every row: its folder is 0700 before DuckDB writes into it, and
  each file is 0600 afterwards (warehouse.private), whatever the umask.
- restore-backup replaces the file under the app's feet only if nobody has it open: it holds the warehouse
  file's lock (warehouse.db.exclusive_lock) while it moves the old file aside, so a running app cannot go
  on writing into the moved file; while the file is in use it refuses with WarehouseBusy and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from warehouse.db import Warehouse, connect, exclusive_lock
from warehouse.private import make_private_tree, private_dir


def backup(wh: Warehouse, folder: Path) -> Path:
    """Export every table to Parquet in a new (or empty) folder readable by the owner only."""
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"备份目录 {folder} 不是空的，请换一个新目录")
    private_dir(folder)  # 0700 first: the files DuckDB writes are never reachable by others, even for a moment
    cur = wh.cursor()
    cur.execute(f"export database '{_literal(folder)}' (format parquet)").fetchall()
    cur.close()
    make_private_tree(folder)
    return folder


def _literal(path: Path) -> str:
    # EXPORT/IMPORT take a path literal, not a bound parameter: escape quotes
    return str(path.resolve()).replace("'", "''")


def restore_backup(folder: Path, db_path: Path) -> Path | None:
    """Build a new warehouse file from a backup; an existing file is kept aside, never overwritten.

    Raises WarehouseBusy (nothing changed) while any other process has the warehouse file open.
    """
    if not (folder / "schema.sql").exists():
        raise FileNotFoundError(f"{folder} 不是本系统的备份目录（缺少 schema.sql）")
    moved = None
    if db_path.exists():
        moved = db_path.with_name(db_path.name + f".before-restore-{dt.datetime.now():%Y%m%d%H%M%S}")
        # Renaming a file another process holds would leave that process writing into the moved file,
        # and everything it writes afterwards would be missing from the restored one.
        with exclusive_lock(db_path):
            db_path.rename(moved)
            wal = db_path.with_name(db_path.name + ".wal")
            if wal.exists():
                wal.rename(moved.with_name(moved.name + ".wal"))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # Not IMPORT DATABASE: the export lists views alphabetically (mart_* before the stg_* they read) and macros
    # before every view (a table macro over a view cannot be created yet), so the import fails. Tables and data are
    # restored here; Warehouse() below rebuilds every macro and view from the models.
    schema = (folder / "schema.sql").read_text(encoding="utf-8")
    statements = [s.strip() for s in re.split(r";\s*\n(?=CREATE )", schema, flags=re.IGNORECASE) if s.strip()]
    copies = re.sub(
        r"FROM '(?:[^']*/)?([^/']+\.parquet)'",
        lambda m: f"FROM '{_literal(folder / m.group(1))}'",
        (folder / "load.sql").read_text(encoding="utf-8"),
    )  # the backup folder may have been moved
    con = connect(db_path)  # WarehouseBusy if a process created a new file here since the move
    try:
        con.execute("begin transaction")
        for statement in statements:
            if not re.match(r"create\s+(or\s+replace\s+)?(view|macro)\b", statement, re.IGNORECASE):
                con.execute(statement.rstrip(";")).fetchall()
        con.execute(copies).fetchall()
        con.execute("commit")
    finally:
        con.close()
    Warehouse(db_path).close()  # re-apply models and config in force
    return moved
