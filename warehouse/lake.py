"""The warehouse as a DuckLake: catalog in PostgreSQL, Parquet data files in a shared folder, many processes.

`[warehouse] catalog = "postgres:…"` and `data_path` (or MEDIATION_CATALOG / MEDIATION_DATA_PATH) make
`warehouse.db.Warehouse` open an in-memory DuckDB with the lake ATTACHed as `lake` and USEd, so every model, load
and page query runs unchanged on it. Any number of app and CLI processes on any number of machines read and write
it with snapshot isolation.

What DuckLake (duckdb 1.5.5, ducklake 1.5.5) does not support, and what the warehouse does instead
(docs/scale.md, "## 多台服务器"):
- PRIMARY KEY / UNIQUE / CHECK constraints: `adapt_ddl` drops them from schema*.sql. Uniqueness is kept by the
  code that writes (delete-then-insert pointers, `where not exists` inserts, one writer at a time, below); the role
  check of accounts is enforced by auth/accounts.py before it writes.
- `insert or ignore` / `insert or replace` / `on conflict` need a key: the statements the warehouse runs are
  written without them.
- `alter table … add column … default true`: only a literal default is accepted, and DuckLake takes a boolean
  `true` for an expression; `adapt_ddl` quotes it ('true'), which DuckLake casts.
- Sequences: none are used (load order is `max(load_seq) + 1` inside the load's transaction).
- Macros, views, `create or replace table`, temp tables, list columns, blobs: supported (macros and views are
  stored in the lake's catalog).

Writers: DuckLake resolves concurrent commits optimistically (a conflicting commit fails). The warehouse's
transactions read-then-write (the next load sequence, which version is current, signals), so two of them must not
interleave: every write (`Warehouse.write`, the schema build at start, maintenance) first takes a PostgreSQL
transaction-level advisory lock on the catalog database, through a second connection, and releases it after its
own commit. Writers on all machines are therefore serialised and never conflict with each other; readers never
wait. A conflict with a foreign writer (an analyst writing to the lake) is retried with backoff by `retrying`.
"""

from __future__ import annotations

import contextlib
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import duckdb

from warehouse import config, extensions

ALIAS = "lake"  # the attached lake's name (every model reads unqualified names after USE lake)
LOCK_ALIAS = "lake_lock"  # the catalog database attached with the postgres extension, for the write lock
LOCK_KEY = 0x6D656469  # the advisory lock's key ("medi"): one writer at a time per catalog database
# Attached with a schema that does not exist, so the lock connection lists no tables (information_schema, the
# build's table listing stay on the lake).
LOCK_SCHEMA = "mediation_write_lock"

T = TypeVar("T")


class LakeBusy(RuntimeError):
    """A writer waited longer than `Lake.lock_timeout` for the write lock; nothing was written."""


class LakeUnavailable(RuntimeError):
    """The lake's catalog cannot be reached or its data path does not match; the message (Chinese) says why."""


def is_conflict(error: BaseException) -> bool:
    """Whether DuckLake refused a commit because another transaction changed the same things meanwhile."""
    text = str(error).lower()
    return isinstance(error, duckdb.Error) and ("conflict" in text or "concurrent" in text)


def retrying(
    fn: Callable[[], T], *, attempts: int = 5, backoff: float = 0.1, sleep: Callable[[float], None] = time.sleep
) -> T:
    """Run `fn` (a whole transaction) again after a write conflict: up to `attempts` runs, backoff doubling with
    jitter. Any other error, or the last conflict, is raised."""
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except duckdb.Error as exc:
            if attempt == attempts or not is_conflict(exc):
                raise
            sleep(backoff * (2 ** (attempt - 1)) * (0.5 + random.random()))
    raise AssertionError("unreachable")


_PRIMARY_KEY_CLAUSE = re.compile(r",\s*primary\s+key\s*\([^)]*\)", re.I)
_PRIMARY_KEY_COLUMN = re.compile(r"\s+primary\s+key\b", re.I)
_UNIQUE_COLUMN = re.compile(r"\s+unique\b(?!\s*\()", re.I)
_CHECK = re.compile(r"\s+check\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)", re.I)
_BOOLEAN_DEFAULT = re.compile(r"\bdefault\s+(true|false)\b", re.I)


def adapt_ddl(sql: str) -> str:
    """schema*.sql for DuckLake: key and check constraints dropped, boolean defaults as literals it accepts."""
    code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())  # comments may hold brackets
    code = _PRIMARY_KEY_CLAUSE.sub("", code)
    code = _PRIMARY_KEY_COLUMN.sub("", code)
    code = _UNIQUE_COLUMN.sub("", code)
    code = _CHECK.sub("", code)
    return _BOOLEAN_DEFAULT.sub(lambda m: f"default '{m.group(1).lower()}'", code)


def _attached(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("select database_name from duckdb_databases()").fetchall()}


def redact(text: str) -> str:
    """A catalog string or an error quoting it, without its password."""
    return re.sub(r"password=[^\s\"']+", "password=***", text)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Lake:
    """Where a lake lives: its catalog ("postgres:<libpq string>", or "sqlite:FILE" / "duckdb:FILE" for a
    single machine) and the data path every process shares."""

    catalog: str
    data_path: str
    # seconds a writer waits for the write lock before giving up: writers queue behind each other, and 8 uploaders
    # on a loaded 2-core machine waited more than 120 s (bench/results/lake_concurrency.json)
    lock_timeout: float = 900.0
    _held: int = field(default=0, repr=False)  # re-entrant depth of the write lock in this process

    @classmethod
    def from_config(cls) -> "Lake | None":
        found = config.lake_settings()
        return cls(*found) if found else None

    @property
    def is_postgres(self) -> bool:
        return self.catalog.startswith("postgres:")

    @property
    def postgres_dsn(self) -> str:
        return self.catalog.removeprefix("postgres:")

    def describe(self) -> str:
        """The catalog without a password, for messages."""
        return redact(self.catalog)

    def connect(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB with the lake attached as `lake` and in use (and the lock database, for writers)."""
        con = extensions.connect()
        try:
            extensions.load(con, "ducklake", *(("postgres",) if self.is_postgres else ()))
            path = self.data_path if self.data_path.endswith("/") else self.data_path + "/"
            options = [f"data_path {_literal(path)}"] + (["read_only"] if read_only else [])
            if self.is_postgres and not read_only:
                con.execute(
                    f"attach {_literal(self.postgres_dsn)} as {LOCK_ALIAS} "
                    f"(type postgres, schema {_literal(LOCK_SCHEMA)})"
                )
            # under the write lock: two servers starting on a new lake would both create DuckLake's catalog tables
            # (measured: the second fails with a duplicate key in pg_type)
            with self.locked(con):
                con.execute(f"attach {_literal('ducklake:' + self.catalog)} as {ALIAS} ({', '.join(options)})")
            con.execute(f"use {ALIAS}")
        except duckdb.Error as exc:
            con.close()
            raise LakeUnavailable(
                f"无法打开数据湖（目录库 {self.describe()}，数据目录 {self.data_path}）：{redact(str(exc))}"
            ) from None
        return con

    @staticmethod
    def use(cur: duckdb.DuckDBPyConnection) -> None:
        """Make the lake the default catalog of a cursor (a new connection: USE does not carry over)."""
        cur.execute(f"use {ALIAS}")

    @contextlib.contextmanager
    def locked(self, con: duckdb.DuckDBPyConnection):
        """Hold the lake's write lock (all processes, all machines) for the block; re-entrant in this process.

        The caller serialises its own threads (Warehouse's lock) before calling. The lock is a PostgreSQL
        transaction-level advisory lock taken on a separate cursor, whose transaction ends after the block: so it
        is released only after the block's own commit. Other catalogs have no such lock (one machine: the
        process lock and DuckLake's conflict check).
        """
        if self._held or not self.is_postgres or LOCK_ALIAS not in _attached(con):
            self._held += 1
            try:
                yield
            finally:
                self._held -= 1
            return
        cur = con.cursor()
        cur.execute("begin transaction")
        try:
            timeout_ms = int(self.lock_timeout * 1000)
            # lock_timeout bounds the wait: a writer that died mid-transaction releases at once (its session ends)
            try:
                cur.execute(
                    f"select * from postgres_query({_literal(LOCK_ALIAS)}, "
                    f"'select set_config(''lock_timeout'', ''{timeout_ms}'', true), pg_advisory_xact_lock({LOCK_KEY})::text')"
                ).fetchall()
            except duckdb.Error as exc:
                if "lock timeout" not in str(exc):
                    raise
                raise LakeBusy(
                    f"数据湖正被其他服务器或命令写入，等待写锁超过 {self.lock_timeout:g} 秒，本次写入未进行。"
                    "请稍后重试。"
                ) from None
            self._held += 1
            try:
                yield
            finally:
                self._held -= 1
        finally:
            with contextlib.suppress(duckdb.Error):
                cur.execute("commit")
            cur.close()

    def generation(self, con: duckdb.DuckDBPyConnection) -> int:
        """The lake's latest snapshot id: changes with every commit by any process (page caches key on it)."""
        cur = con.cursor()
        try:
            return int(cur.execute(f"select id from {ALIAS}.current_snapshot()").fetchall()[0][0])
        finally:
            cur.close()


# ------------------------------------------------------------------ maintenance
def maintain(wh, *, keep_days: float = 7.0, cleanup_hours: float = 1.0) -> dict:
    """Merge small data files, expire snapshots older than `keep_days` (time travel back that far stays possible),
    and delete the data files that expired snapshots left behind once no reader can still use them
    (`cleanup_hours` after they were dropped). Takes the write lock: loads wait meanwhile, readers do not."""
    if wh.lake is None:
        raise ValueError("数据仓库不是数据湖（未配置 [warehouse] catalog），无需维护")

    def run() -> dict:
        with wh._write_lock():
            cur = wh._cursor()
            try:
                # counts only: the functions return timestamps with time zone, which the Python client converts
                # with pytz (not a dependency)
                before = _file_count(cur)
                cur.execute(f"select count(*) from ducklake_merge_adjacent_files({_literal(ALIAS)})").fetchall()
                expired = cur.execute(
                    f"select count(*) from ducklake_expire_snapshots({_literal(ALIAS)}, "
                    f"older_than => now() - to_milliseconds(?::bigint))",
                    [int(keep_days * 86_400_000)],
                ).fetchall()[0][0]
                removed = cur.execute(
                    f"select count(*) from ducklake_cleanup_old_files({_literal(ALIAS)}, "
                    f"older_than => now() - to_milliseconds(?::bigint))",
                    [int(cleanup_hours * 3_600_000)],
                ).fetchall()[0][0]
                after = _file_count(cur)
                snapshots = cur.execute(f"select count(*) from ducklake_snapshots({_literal(ALIAS)})").fetchall()[0][0]
            finally:
                cur.close()
        return {
            "data_files_before": before,
            "data_files_after": after,
            "snapshots_expired": int(expired),
            "files_deleted": int(removed),
            "snapshots_kept": int(snapshots),
        }

    return retrying(run)


def _file_count(cur) -> int:
    """The lake's data files in use (all tables)."""
    return int(
        cur.execute(f"select coalesce(sum(file_count), 0) from ducklake_table_info({_literal(ALIAS)})").fetchall()[0][0]
    )


# ------------------------------------------------------------------ migration from a warehouse file
def migrate(source: str, wh) -> dict[str, int]:
    """Copy a warehouse file into an empty lake with every version: all base tables (files, versions, raw rows,
    pointers, review, accounts, audit log, signals and their history, reference tables), in one transaction; the
    serving tables are then rebuilt from them. Returns {table: rows} as copied. The file is only read (after
    being brought up to the current schema, as every open does)."""
    from pathlib import Path

    from warehouse import build
    from warehouse.db import Warehouse

    if wh.lake is None:
        raise ValueError(
            "目标不是数据湖：请先配置 [warehouse] catalog 与 data_path（或 MEDIATION_CATALOG / MEDIATION_DATA_PATH）"
        )
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"找不到要迁移的数据仓库文件 {path}")
    Warehouse(path, lake=False).close()  # the file's schema brought up to date, so every column has a home
    if wh.scalar("select count(*) from versions") or wh.scalar("select count(*) from accounts"):
        raise ValueError("数据湖中已有数据（版本或账号）：迁移只能进入一个新的空数据湖，以免两份数据混在一起")
    served = {m.name for m in build.models() if m.kind == "table"}
    con = wh._con
    con.execute(f"attach {_literal(str(path.resolve()))} as migrate_source (read_only)")
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = 'migrate_source' and schema_name = 'main' "
                "order by table_name"
            ).fetchall()
            if r[0] not in served
        ]
        counts: dict[str, int] = {}
        with wh.write() as cur:
            for table in tables:
                name = '"' + table.replace('"', '""') + '"'
                cur.execute(f"delete from {ALIAS}.main.{name}").fetchall()
                cur.execute(
                    f"insert into {ALIAS}.main.{name} by name select * from migrate_source.main.{name}"
                ).fetchall()
                counts[table] = int(cur.execute(f"select count(*) from {ALIAS}.main.{name}").fetchall()[0][0])
            for table in tables:  # checked inside the transaction: a short copy commits nothing
                name = '"' + table.replace('"', '""') + '"'
                expected = con.execute(f"select count(*) from migrate_source.main.{name}").fetchall()[0][0]
                if counts[table] != expected:
                    raise RuntimeError(f"迁移表 {table} 的行数不一致：文件 {expected} 行，数据湖 {counts[table]} 行")
    finally:
        con.execute("detach migrate_source")
    build.rebuild_serving(wh)  # the page tables from the copied rows, as the file had them
    return counts
