"""Open the warehouse file, keep its schema and models current, and hand out cursors.

Connection and lock strategy (DuckDB allows one writing process per file):
- The app process opens the file read-write once (`Warehouse`, shared via st.cache_resource) and every
  request uses its own `cursor()` (a cursor per thread; a shared connection across threads fails).
- Loads, restores and acknowledgements go through `write()`: a process-wide lock plus one transaction, so
  writes are serialised and a failed write rolls back completely. Readers keep reading their snapshot
  meanwhile (DuckDB MVCC), so the dashboards stay responsive during a load.
- A second process (the CLI while the app runs) cannot open the file, not even read-only (DuckDB's lock
  is per process): it gets `WarehouseBusy`, a Chinese message saying the warehouse is in use; `wait=`
  seconds retries until the holder lets go. Read commands open read-only, so they share the file with
  other read-only processes. A file that is not a DuckDB database, or one with a damaged block, gives
  `WarehouseCorrupt`, which names the file and points to restore-backup instead of a traceback.
- Whole-file operations (restore-backup) take `exclusive_lock()` first: the same POSIX lock DuckDB takes,
  so they are refused while any process has the file open.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import threading
import time
import tomllib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from etl.formdefs import Sheet, all_sheets
from etl.regions import RegionIndex, read_industries, read_reference_rows
from warehouse import config

HERE = Path(__file__).resolve().parent


class WarehouseUnavailable(RuntimeError):
    """The warehouse file cannot be opened; the message (Chinese) says why and what to do."""

    code = "warehouse_unavailable"  # the issue code of `ingest --json`'s skipped lines


class WarehouseBusy(WarehouseUnavailable):
    """Another process holds the warehouse file."""

    code = "warehouse_busy"


class WarehouseCorrupt(WarehouseUnavailable):
    """The warehouse file is not a readable DuckDB database."""

    code = "warehouse_corrupt"


class WarehouseTooNew(WarehouseUnavailable):
    """The file was written by a newer DuckDB (e.g. 2.0, before the move to 1.5.5) and this one cannot read it."""

    code = "warehouse_too_new"


class WarehouseMissing(WarehouseUnavailable):
    """A read command named a warehouse file that does not exist (reading never creates one)."""

    code = "warehouse_missing"


RETRY_SECONDS = 0.2  # how often a waiting open tries the lock again


def busy_message(path: Path, detail: str = "") -> str:
    holder = re.search(r"PID (\d+)", detail)
    who = f"（进程号 {holder.group(1)}）" if holder else ""
    return f"数据仓库 {path} 正被另一个进程{who}占用（通常是正在运行的应用或另一条命令），现在无法打开。"


def corrupt_message(path: Path) -> str:
    return (
        f"数据仓库文件 {path} 已损坏，无法打开（不是有效的数据库文件，或其中的数据块校验失败）。"
        f"请先停止应用，再用最近的备份恢复：python -m etl restore-backup 备份目录 --db {path}"
        "（损坏的文件会被改名保留，不会被删除）。"
    )


def too_new_message(path: Path) -> str:
    return (
        f"数据仓库文件 {path} 由较新版本的 DuckDB 写入，当前版本（DuckDB {duckdb.__version__}）无法读取。"
        "请用写入它的旧版本程序执行 python -m etl backup 备份目录 --db 该文件，"
        f"再用本版本执行 python -m etl restore-backup 备份目录 --db {path}（文件不会被改动）。"
    )


def _is_too_new(error: Exception) -> bool:
    return "created with an newer version of DuckDB" in str(error) or "newer version of DuckDB" in str(error)


def _is_corrupt(error: Exception) -> bool:
    text = str(error)
    return "not a valid DuckDB database file" in text or "Corrupt database file" in text


def connect(
    path: Path, *, read_only: bool = False, wait: float = 0.0, on_wait: Callable[[str], None] | None = None
) -> duckdb.DuckDBPyConnection:
    """duckdb.connect with Chinese errors: busy (after retrying for `wait` seconds), corrupt or missing.

    `on_wait(message)` is called once when the file is busy and the call is going to wait for it.
    """
    deadline = time.monotonic() + max(wait, 0.0)
    if read_only and not path.exists():
        raise WarehouseMissing(f"数据仓库文件 {path} 不存在。请检查 --db 或环境变量 MEDIATION_DB 指向的路径。")
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if _is_too_new(exc):
                raise WarehouseTooNew(too_new_message(path)) from exc
            if _is_corrupt(exc):
                raise WarehouseCorrupt(corrupt_message(path)) from exc
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(busy_message(path, str(exc))) from exc
            if on_wait is not None:
                on_wait(f"{busy_message(path, str(exc))}最多等待 {wait:g} 秒……")
                on_wait = None
            time.sleep(min(RETRY_SECONDS, max(deadline - time.monotonic(), 0.0)))


@contextlib.contextmanager
def exclusive_lock(path: Path):
    """Hold the whole-file lock DuckDB uses, so no process opens the file meanwhile; WarehouseBusy if one has it.

    A POSIX record lock, like DuckDB's: it also works on a damaged file DuckDB itself cannot open. Such locks
    belong to the process, so call it only where this process has not opened the file itself (the CLI): it
    would not see this process's own connection, and closing the descriptor would drop that connection's lock.
    """
    fd = os.open(path, os.O_RDWR)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise WarehouseBusy(busy_message(path)) from exc
        yield
    finally:
        os.close(fd)  # releases the lock


def quote_ident(name: str) -> str:
    """Quote an SQL identifier (table or column); values are always bound parameters instead."""
    return '"' + name.replace('"', '""') + '"'


@lru_cache(maxsize=1)
def measures() -> list[dict]:
    return tomllib.loads((HERE / "measures.toml").read_text(encoding="utf-8"))["measures"]


def raw_table(sheet: Sheet) -> str:
    return f"raw_{sheet.table}"


def _raw_ddl(sheet: Sheet) -> tuple[str, list[tuple[str, str]]]:
    columns = [
        ("version_id", "VARCHAR NOT NULL"),
        ("period", "VARCHAR NOT NULL"),
        ("region_code", "VARCHAR NOT NULL"),
        ("source_row", "INTEGER"),
    ]
    columns += [(c.key, c.sql_type) for c in sheet.stored_columns if c.key != "region_code"]
    body = ",\n    ".join(f"{quote_ident(n)} {t}" for n, t in columns)
    return f"create table if not exists {quote_ident(raw_table(sheet))} (\n    {body}\n)", columns


def _template_values(settings: dict) -> dict[str, str]:
    a1 = next(s for _, s in all_sheets() if s.table == "mediation")
    keys = {c.key for c in a1.stored_columns}
    coverage = [m for m in measures() if m["kind"] == "coverage"]
    union = "\n    union all\n    ".join(
        f"select period, region_code, '{m['key']}' as measure, {quote_ident(m['numerator'])} as numerator, "
        f"{quote_ident(m['denominator'])} as denominator from org"
        for m in coverage
    )
    return {
        "success_rate": config.compile_formula(settings["measures"]["success_rate"], keys),
        "mediation_share": config.compile_formula(settings["measures"]["mediation_share"], keys),
        "coverage_union": union,
    }


def _setting_rows(settings: dict) -> dict[str, tuple]:
    return {
        "due_day": (settings["reporting"]["due_day"], None),
        "first_period": (None, settings["reporting"]["first_period"]),
        "major_workers_min": (settings["major_dispute"]["workers_min"], None),
        "major_amount_wan_min": (settings["major_dispute"]["amount_wan_min"], None),
        "major_escalation_counts": (1 if settings["major_dispute"]["escalation_counts"] else 0, None),
    }


def _target_rows(settings: dict) -> list[tuple]:
    return [(t["measure"], t["date"], t.get("rate"), t.get("points_over_2024")) for t in settings.get("targets", [])]


def schema_fingerprint(settings: dict) -> str:
    """Everything a writable open builds the schema from: schema files, raw tables, settings, models, the code."""
    from warehouse import build

    digest = hashlib.sha256(duckdb.__version__.encode())
    for path in [*sorted(HERE.glob("schema*.sql")), HERE / "db.py", HERE / "build.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for _, sheet in all_sheets():
        digest.update(repr(_raw_ddl(sheet)).encode())
    digest.update(repr((_setting_rows(settings), _target_rows(settings), _template_values(settings))).encode())
    for model in build.models():
        digest.update(model.path.name.encode() + b"\0" + model.sql.encode())
    return digest.hexdigest()[:32]


def lake_ddl(sql: str) -> str:
    from warehouse import lake

    return lake.adapt_ddl(sql)


def model_files() -> list[Path]:
    """Every model file in build order (warehouse/build.py sorts them by what they read)."""
    from warehouse import build

    return [m.path for m in build.models()]


class Warehouse:
    """One warehouse file, opened read-write (or read-only) for this process.

    Raises WarehouseBusy / WarehouseCorrupt / WarehouseMissing (all WarehouseUnavailable) with a Chinese message.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        wait: float = 0.0,
        on_wait: Callable[[str], None] | None = None,
        lake=None,
    ):
        """`lake`: a warehouse.lake.Lake to open instead of the file; by default the configured one ([warehouse]
        catalog / MEDIATION_CATALOG), if any; False forces the file. With a lake, `path` only places local files
        (the archive) and names the warehouse in cache keys."""
        from warehouse import lake as lakes

        self.path = Path(path)
        self.read_only = read_only
        self.lake = lakes.Lake.from_config() if lake is None else (lake or None)
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.lake is not None:
            try:
                self._con = self.lake.connect(read_only=read_only)
            except lakes.LakeUnavailable as exc:
                raise WarehouseUnavailable(str(exc)) from exc
        else:
            self._con = connect(self.path, read_only=read_only, wait=wait, on_wait=on_wait)
        self._lock = threading.RLock()
        self.generation = 0  # bumps after every write of data (not sign-ins or audit lines): page caches key on it
        try:
            if not read_only:
                with self._write_lock():  # two servers starting at once build the models one after the other
                    self.ensure_schema()
            self.generation = self._read_generation()
        except duckdb.Error as exc:  # a damaged block shows only when the schema is read
            self._con.close()
            if _is_corrupt(exc):
                raise WarehouseCorrupt(corrupt_message(self.path)) from exc
            raise

    # -------------------------------------------------------------- schema
    def ensure_schema(self) -> None:
        """Create meta and raw tables, add form columns that are new, write config, (re)build models, and finish
        an early-warning refresh a crashed batch left pending.

        A file warehouse remembers what it was last built from (`schema_fingerprint`: the schema files, the forms'
        columns, the settings, the models and this code) in schema_state; when that still holds and every serving
        table and view is there, the DDL, settings and model statements would change nothing and are skipped."""
        con = self._con
        settings = config.settings()
        fingerprint = schema_fingerprint(settings) if self.lake is None else None
        if fingerprint is None or not self._schema_current(fingerprint):
            self._build_schema(settings)
            if fingerprint is not None:
                con.execute("insert into schema_state values (?, current_localtimestamp())", [fingerprint])
        from warehouse import build

        build.finish_pending(self)

    def _schema_current(self, fingerprint: str) -> bool:
        from warehouse import build

        try:
            stored = self._con.execute("select fingerprint from schema_state").fetchall()
        except duckdb.CatalogException:  # a warehouse from before schema_state
            return False
        if stored != [(fingerprint,)]:
            return False
        # every serving table and view still there (a restored backup holds the tables only; its macros and views
        # are rebuilt here). Macros are not listed: duckdb_functions() alone costs more than the check saves.
        present = self._con.execute(
            "select table_name from duckdb_tables() union all select view_name from duckdb_views() where not internal"
        ).fetchall()
        return {m.name for m in build.models() if m.kind != "macro"} <= {r[0] for r in present}

    def _build_schema(self, settings: dict) -> None:
        con = self._con
        for schema in sorted(HERE.glob("schema*.sql")):  # schema.sql, then feature schemas (schema_accounts.sql, …)
            ddl = schema.read_text(encoding="utf-8")
            con.execute(ddl if self.lake is None else lake_ddl(ddl))
        for _, sheet in all_sheets():
            ddl, columns = _raw_ddl(sheet)
            con.execute(ddl)
            existing = {
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_name = ?", [raw_table(sheet)]
                ).fetchall()
            }
            for name, sql_type in columns:
                if name not in existing:
                    con.execute(
                        f"alter table {quote_ident(raw_table(sheet))} add column {quote_ident(name)} {sql_type.replace(' NOT NULL', '')}"
                    )
        if con.execute("select count(*) from ref_region").fetchall()[0][0] == 0:
            self.add_regions(read_reference_rows())
        if con.execute("select count(*) from ref_industry").fetchall()[0][0] == 0:
            con.executemany("insert into ref_industry values (?, ?)", list(read_industries().items()))
        self.write_settings(settings)

    def write_settings(self, settings: dict) -> None:
        con = self._con
        con.execute("delete from schema_state")  # settings written here may differ from config's: build in full next
        values = _setting_rows(settings)
        con.execute("delete from cfg_setting")
        con.executemany("insert into cfg_setting values (?, ?, ?)", [(k, n, t) for k, (n, t) in values.items()])
        con.execute("delete from cfg_target")
        con.executemany("insert into cfg_target values (?, ?, ?, ?)", _target_rows(settings))
        from warehouse import build  # build imports this module's helpers

        build.build_models(con, _template_values(settings))

    def add_regions(self, rows: list[dict]) -> None:
        """Add region reference rows (the csv; the scaled demo adds synthetic copies)."""
        frame = pl.DataFrame(
            [
                {
                    k: (row.get(k) or None)
                    for k in (
                        "code",
                        "name",
                        "kind",
                        "city_code",
                        "unit_code",
                        "streets",
                        "towns",
                        "townships",
                        "township_like",
                        "aliases",
                        "note",
                    )
                }
                for row in rows
            ],
            infer_schema_length=None,
        ).with_columns(pl.col(c).cast(pl.Int32) for c in ("streets", "towns", "townships", "township_like"))
        self._con.register("new_regions", frame)
        try:
            # no "insert or ignore": a lake has no keys, so the codes already there are skipped explicitly
            self._con.execute(
                "insert into ref_region by name select * from new_regions "
                "where code not in (select code from ref_region) qualify row_number() over (partition by code) = 1"
            )
        finally:
            self._con.unregister("new_regions")
        self.__dict__.pop("_index", None)

    # -------------------------------------------------------------- reading
    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self._con.cursor()
        if self.lake is not None:
            self.lake.use(cur)  # USE is per connection, and a cursor is a new one
        return cur

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._cursor()

    def query(self, sql: str, params: list | dict | None = None) -> pl.DataFrame:
        """Run a query on a fresh cursor and return a polars frame."""
        cur = self._cursor()
        try:
            return cur.sql(sql, params=params).pl() if params else cur.sql(sql).pl()
        finally:
            cur.close()

    def scalar(self, sql: str, params: list | None = None):
        cur = self._cursor()
        try:
            rows = cur.execute(sql, params or []).fetchall()
            return rows[0][0] if rows else None
        finally:
            cur.close()

    def region_index(self) -> RegionIndex:
        if "_index" not in self.__dict__:
            rows = self.query("select * from ref_region").to_dicts()
            self._index = RegionIndex([{k: ("" if v is None else str(v)) for k, v in r.items()} for r in rows])
        return self._index

    @property
    def generation(self) -> int:
        """Changes after every write; with a lake, after every commit by any process (so other servers' page caches
        see an upload after a rerun)."""
        return self.lake.generation(self._con) if self.lake is not None else self._generation

    @generation.setter
    def generation(self, value: int) -> None:
        self._generation = value

    def _write_lock(self):
        """This process's writer lock, plus the lake's lock shared by every process on every machine."""
        if self.lake is None:
            return self._lock
        stack = contextlib.ExitStack()
        stack.enter_context(self._lock)
        from warehouse.lake import LakeBusy

        try:
            stack.enter_context(self.lake.locked(self._con))
        except BaseException as exc:
            stack.close()  # a lock that could not be had (timeout) must not keep this process's lock
            if isinstance(exc, LakeBusy):
                raise WarehouseBusy(str(exc)) from exc
            raise
        return stack

    def _read_generation(self) -> int:
        try:
            return int(self.scalar("select count(*) from versions") or 0) + int(
                self.scalar("select count(*) from audit_log") or 0
            )
        except duckdb.Error as exc:
            if _is_corrupt(exc):
                raise
            return 0  # a read-only file from before these tables existed

    # -------------------------------------------------------------- writing
    @contextlib.contextmanager
    def write(self, *, data: bool = True):
        """A serialised transaction: everything inside commits together or not at all.

        `data=False` marks a write that changes nothing a page query reads (a sign-in, an account change, a job's
        audit line): it leaves the generation alone, so signing in does not empty every user's page cache. (On a
        lake the generation is the catalog's snapshot, which every commit moves.)"""
        if self.read_only:
            raise PermissionError("只读打开的数据仓库不能写入")
        with self._write_lock():
            cur = self._cursor()
            cur.execute("begin transaction")
            try:
                yield cur
                cur.execute("commit")
            except BaseException:
                cur.execute("rollback")
                raise
            finally:
                cur.close()
            if data:
                self.generation += 1

    def audit(self, cur, actor: str, action: str, target: str | None = None, detail: dict | None = None) -> None:
        """Append to the audit log inside the caller's transaction."""
        cur.execute(
            "insert into audit_log values (current_localtimestamp(), ?, ?, ?, ?)",
            [actor, action, target, json.dumps(detail or {}, ensure_ascii=False, default=str)],
        )

    def close(self) -> None:
        self._con.close()
