"""Page marts: the current figures materialised for the page queries, refreshed when they change.

Joining millions of raw rows to `current_versions` on every page query is what made the pages slow on a large
warehouse (bench/pages.py). `dashboard/page_marts.sql` materialises the public views the page queries read
(v_mediation, v_mediation_industry, v_org_building, v_major_disputes, v_submissions) as `page_*` tables, each
with its region's unit_code.

Refresh: `source(wh, name)` returns the table to read. Once per warehouse generation (bumped by every write)
it compares a fingerprint of the current figures — the current_versions pointers (every load, supersede,
restore or review changes them), the configuration written to cfg_* (thresholds, targets, due day) and
today's date (v_submissions' due months) — with the one stored when the marts were built, and rebuilds them
in one write transaction when it differs. A read-only warehouse (CLI tools) reads the views directly.
"""
from __future__ import annotations

import hashlib
import re
import threading
import weakref
from functools import lru_cache
from pathlib import Path

from warehouse.db import Warehouse

SQL_FILE = Path(__file__).with_name("page_marts.sql")
STATE_TABLE = "page_mart_state"
_lock = threading.Lock()
_checked: "weakref.WeakKeyDictionary[Warehouse, int]" = weakref.WeakKeyDictionary()  # generation found current
_CREATE = re.compile(r"^create or replace table (?P<name>page_[a-z_]+) as\s+(?P<body>.*)$", re.S)


def fingerprint(wh: Warehouse) -> str:
    """What the marts depend on: the current pointers, the settings in force, today's date, and the mart
    definitions themselves (a new or changed statement in page_marts.sql rebuilds them)."""
    row = wh.query("""
        select (select count(*) from current_versions) as pointers,
               (select coalesce(sum(hash(form, period, region_code, version_id)), 0) from current_versions) as h,
               (select count(*) from versions) as versions,
               (select coalesce(sum(hash(key, value_num, value_text)), 0) from cfg_setting) as settings,
               (select coalesce(sum(hash(measure, target_date, rate, points_over_2024)), 0) from cfg_target) as targets,
               current_date as today
    """).row(0)
    definitions_hash = hashlib.sha256(SQL_FILE.read_bytes()).hexdigest()[:16]
    return "|".join(str(v) for v in (*row, definitions_hash))


@lru_cache(maxsize=1)
def definitions() -> dict[str, str]:
    """page table → its select statement, from page_marts.sql (comments dropped)."""
    text = "\n".join(line for line in SQL_FILE.read_text(encoding="utf-8").splitlines()
                     if not line.strip().startswith("--"))
    out = {}
    for statement in text.split(";\n"):
        match = _CREATE.match(statement.strip().rstrip(";"))
        if match:
            out[match["name"]] = match["body"].strip()
    return out


def statements() -> list[str]:
    return [f"create or replace table {name} as\n{body}" for name, body in definitions().items()]


def _stored(wh: Warehouse) -> str | None:
    try:
        return wh.scalar(f"select fingerprint from {STATE_TABLE}")
    except Exception:  # noqa: BLE001 - no marts yet
        return None


def refresh(wh: Warehouse, fp: str | None = None) -> None:
    """Rebuild every page mart in one transaction (readers keep their snapshot meanwhile)."""
    fp = fp or fingerprint(wh)
    with wh.write() as cur:
        for sql in statements():
            cur.execute(sql).fetchall()
        cur.execute(f"create or replace table {STATE_TABLE} (fingerprint varchar, built_at timestamp)").fetchall()
        cur.execute(f"insert into {STATE_TABLE} values (?, current_localtimestamp())", [fp]).fetchall()


def ensure(wh: Warehouse) -> bool:
    """Make the marts current; False when they cannot be used (read-only warehouse)."""
    if _checked.get(wh) == wh.generation:
        return True
    if wh.read_only:
        return False
    with _lock:
        if _checked.get(wh) == wh.generation:
            return True
        fp = fingerprint(wh)
        if _stored(wh) != fp:
            refresh(wh, fp)
        _checked[wh] = wh.generation
    return True


def source(wh: Warehouse, table: str) -> str:
    """What a page query reads FROM: the page mart when current, else the mart's own select over the public
    views as a subquery (a read-only warehouse) — the same columns either way."""
    return table if ensure(wh) else f"({definitions()[table]})"
