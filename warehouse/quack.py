"""The app process serves its warehouse over DuckDB's Quack protocol, and publishes how to reach it.

One DuckDB file, one writer: the app process (serve.py) owns the file. While it runs it also
- serves the file over Quack on localhost (`quack_serve`) with two tokens: the service token (read-write, new at
  every start) and the analysts' token (kept across restarts), which may only read the `v_` views;
- writes a service file beside the warehouse (`<db>.service`, mode 0600): process id, the Quack endpoint, the HTTP
  address of the app and the service token. The CLI reads it to do its work through the service (etl/remote.py);
  it is removed on shutdown, and a file whose process is gone is stale and ignored.

Quack carries plain queries well, but not the warehouse's own code (measured in docs/scale.md: a client's ROLLBACK
does not undo, the warehouse's macros are not visible, UPDATE/DELETE and information_schema are refused on an
attached Quack catalog), so the CLI runs its commands in the app process over authenticated HTTP routes instead,
and Quack is the analysts' read-only way in.

Authorisation uses Quack's callback settings: `quack_authentication_function` (called with the session id, the
client's token and the server's token) records which token a session presented; `quack_authorization_function`
(session id, query text → the query to run) lets the service token through and admits from the analysts' token
only a single SELECT whose tables are `v_` views (checked on DuckDB's own parse tree, json_serialize_sql).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse import extensions
from warehouse.private import FILE_MODE

DEFAULT_PORT = 9494
PORT_ENV = "MEDIATION_QUACK_PORT"
# Table functions an analyst's client may call: the catalogue listing DuckDB's ATTACH sends (structure, not data).
CATALOG_FUNCTIONS = frozenset({"duckdb_tables", "duckdb_views", "duckdb_schemas", "duckdb_columns"})
CATALOG_TABLES = frozenset({"schemata", "tables", "columns", "views"})  # information_schema.*
# Scalar functions with an effect or that read the server's state rather than the data: not for analysts.
REFUSED_FUNCTIONS = frozenset({"nextval", "currval", "setseed", "getenv", "current_setting", "getvariable"})
# ATTACH's listing of tables and views; an analyst's session gets the `v_` views only.
_LISTING = "SELECT schema_name, sql, 'table' FROM duckdb_tables() UNION ALL SELECT schema_name, view_name, 'view' FROM duckdb_views()"
_ANALYST_LISTING = (
    "SELECT schema_name, sql, 'table' FROM duckdb_tables() WHERE false UNION ALL "
    "SELECT schema_name, view_name, 'view' FROM duckdb_views() "
    "WHERE NOT internal AND view_name LIKE 'v\\_%' ESCAPE '\\'"
)


class ReadOnlyRefused(ValueError):
    """An analyst's query that is not a single SELECT over `v_` views."""


def service_file(db_path: Path) -> Path:
    """`<db>.service` beside the warehouse: how the CLI finds the running service."""
    return Path(str(Path(db_path).resolve()) + ".service")


def analyst_token_file(db_path: Path) -> Path:
    """`<db>.analyst-token` beside the warehouse: the read-only token (mode 0600; hand it to analysts)."""
    return Path(str(Path(db_path).resolve()) + ".analyst-token")


def quack_port() -> int:
    """The Quack port on localhost: MEDIATION_QUACK_PORT, else config [warehouse] quack_port, else 9494."""
    from warehouse import config

    return int(os.environ.get(PORT_ENV) or config.settings()["warehouse"].get("quack_port", DEFAULT_PORT))


def _write_0600(path: Path, text: str) -> None:
    """Replace `path` atomically with a file only the owner may read."""
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the open mode is cut by the umask
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
    os.replace(tmp, path)


def analyst_token(db_path: Path) -> str:
    """The analysts' read-only token, made once and kept (so a restart does not lock analysts out)."""
    path = analyst_token_file(db_path)
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if len(token) >= 16:
            return token
    token = secrets.token_urlsafe(24)
    _write_0600(path, token + "\n")
    return token


@dataclass(frozen=True)
class ServiceInfo:
    """What the service file says: who serves the warehouse and how to reach it."""

    pid: int
    db: str
    quack: str | None  # quack:localhost:PORT, or None when Quack could not start
    http: str | None  # http://127.0.0.1:PORT of the app, or None when the app's address is unknown
    token: str

    @property
    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's live process
            return True
        return True


def read_service(db_path: Path) -> ServiceInfo | None:
    """The running service of this warehouse, or None (no file, an unreadable one, or a stale one: its process
    is gone, e.g. after a crash; such a file is removed when we may)."""
    path = service_file(db_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        info = ServiceInfo(
            pid=int(data["pid"]),
            db=str(data["db"]),
            quack=data.get("quack") or None,
            http=data.get("http") or None,
            token=str(data["token"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not info.alive:
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return info


def check_read_only(sql: str, protected: frozenset[str], con: duckdb.DuckDBPyConnection) -> str:
    """The query an analyst's session may run (the ATTACH listing narrowed to `v_` views), or ReadOnlyRefused.

    DuckDB parses it (json_serialize_sql serialises SELECT statements only, so any other statement is refused);
    every table it names must be a `v_` view of the main schema, a CTE of the query not shadowing a warehouse table,
    or the catalogue listing ATTACH sends; the only table functions allowed list the catalogue, and scalar functions
    with an effect (nextval, setseed…) or that read the server's settings are refused.
    """
    if " ".join(sql.split()) == _LISTING:
        return _ANALYST_LISTING
    tree = json.loads(con.execute("select json_serialize_sql(?)", [sql]).fetchone()[0])
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        raise ReadOnlyRefused("只读令牌只能执行单条 SELECT 查询")
    ctes: set[str] = set()
    tables: list[dict] = []
    functions: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE" and "table_name" in node:
                tables.append(node)
            elif node.get("type") == "TABLE_FUNCTION" and isinstance(node.get("function"), dict):
                functions.append(str(node["function"].get("function_name", "")).lower())
            elif node.get("class") == "FUNCTION" and str(node.get("function_name", "")).lower() in REFUSED_FUNCTIONS:
                raise ReadOnlyRefused(f"只读令牌不能调用函数 {node['function_name']}")
            cte_map = node.get("cte_map")
            if isinstance(cte_map, dict):
                ctes.update(str(entry.get("key", "")).lower() for entry in cte_map.get("map", []))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree["statements"])
    for name in functions:
        if name not in CATALOG_FUNCTIONS:
            raise ReadOnlyRefused(f"只读令牌不能调用表函数 {name}")
    for table in tables:
        name = str(table["table_name"]).lower()
        schema = str(table.get("schema_name") or "").lower()
        catalog = str(table.get("catalog_name") or "").lower()
        if catalog not in ("",):
            raise ReadOnlyRefused("只读令牌只能查询本仓库的 v_ 视图")
        if schema == "information_schema" and name in CATALOG_TABLES:
            continue
        if schema in ("", "main") and name.startswith("v_"):
            continue
        if schema == "" and name in ctes and name not in protected:
            continue
        raise ReadOnlyRefused(f"只读令牌只能查询 v_ 视图，不能读取 {name}")
    return sql


class QuackServer:
    """Quack on localhost for one open Warehouse, with the service token and the analysts' read-only token."""

    def __init__(self, wh, *, port: int | None = None, http: str | None = None):
        self.wh = wh
        self.port = port or quack_port()
        self.endpoint = f"quack:localhost:{self.port}"
        self.http = http
        self.token = secrets.token_urlsafe(32)
        self.analyst_token = analyst_token(wh.path)
        self._roles: dict[str, str] = {}  # Quack session id → "service" | "analyst"
        self._lock = threading.Lock()
        self._verdicts: dict[str, str | ReadOnlyRefused] = {}  # analysts' query text → what to run, or the refusal
        self._checker: duckdb.DuckDBPyConnection | None = None
        self._protected: frozenset[str] = frozenset()
        self.started = False
        self.error: str | None = None

    # Callbacks DuckDB calls from its server threads (registered as Python scalar functions).
    def _authenticate(self, session: str, given: str, _expected: str) -> bool:
        given = given or ""
        role = (
            "service"
            if hmac.compare_digest(given, self.token)
            else "analyst"
            if hmac.compare_digest(given, self.analyst_token)
            else None
        )
        if role is not None:
            with self._lock:
                self._roles[session] = role
        return role is not None

    def _authorize(self, session: str, query: str) -> str:
        with self._lock:
            role = self._roles.get(session)
            if role == "service":
                return query
            if role != "analyst":
                raise ReadOnlyRefused("未认证的会话")
            verdict = self._verdicts.get(query)  # dashboards' and scripts' queries repeat: parse each text once
            if verdict is None:
                try:
                    verdict = check_read_only(query, self._protected, self._checker)
                except ReadOnlyRefused as refused:
                    verdict = refused
                if len(self._verdicts) >= 4096:
                    self._verdicts.clear()
                self._verdicts[query] = verdict
            if isinstance(verdict, ReadOnlyRefused):
                raise verdict
            return verdict

    def start(self) -> QuackServer:
        """Serve the warehouse over Quack and write the service file beside it. If Quack cannot start (the port is
        taken, the wheel missing) the file is written all the same, without the endpoint: the CLI's way in is the
        app's HTTP route, which does not depend on Quack; `self.error` says why analysts have no way in."""
        try:
            self._serve()
        except (duckdb.Error, extensions.ExtensionMissing) as failed:
            self.error, self.endpoint = f"{type(failed).__name__}: {failed}", None
        _write_0600(
            service_file(self.wh.path),
            json.dumps(
                {
                    "pid": os.getpid(),
                    "db": str(self.wh.path.resolve()),
                    "quack": self.endpoint,
                    "http": self.http,
                    "token": self.token,
                },
                ensure_ascii=False,
            ),
        )
        return self

    def _serve(self) -> None:
        from duckdb import sqltypes

        con = self.wh._con  # the warehouse's own database instance: no second copy, no second writer
        extensions.load(con, "quack")
        self._protected = frozenset(
            r[0].lower()
            for r in con.execute(
                "select table_name from duckdb_tables() union all select view_name from duckdb_views() where not internal"
            ).fetchall()
            if not r[0].lower().startswith("v_")
        )
        self._checker = duckdb.connect()  # parses analysts' queries; holds no data
        varchar, boolean = sqltypes.VARCHAR, sqltypes.BOOLEAN
        con.create_function(
            "mediation_quack_authenticate", self._authenticate, [varchar, varchar, varchar], boolean, side_effects=True
        )
        con.create_function(
            "mediation_quack_authorize", self._authorize, [varchar, varchar], varchar, side_effects=True
        )
        con.execute("set quack_authentication_function = 'mediation_quack_authenticate'")
        con.execute("set quack_authorization_function = 'mediation_quack_authorize'")
        con.execute("select * from quack_serve(?, token := ?)", [self.endpoint, self.token]).fetchall()
        self.started = True

    def stop(self) -> None:
        """Stop serving and remove the service file (only our own: a newer service may have replaced it)."""
        path = service_file(self.wh.path)
        with contextlib.suppress(OSError, ValueError):
            if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
                path.unlink()
        if self.started:
            with contextlib.suppress(duckdb.Error):
                self.wh._con.execute("select * from quack_stop(?)", [self.endpoint]).fetchall()
            self.started = False
        if self._checker is not None:
            self._checker.close()
            self._checker = None


def connect_analyst(endpoint: str, token: str, *, alias: str = "mediation") -> duckdb.DuckDBPyConnection:
    """An analyst's connection: an in-memory DuckDB with the served warehouse attached as `alias` (read `v_` views)."""
    con = extensions.connect()
    extensions.load(con, "quack")
    con.execute("create secret (type quack, token ?)".replace("?", "'" + token.replace("'", "''") + "'"))
    con.execute(f"attach '{endpoint}' as {alias}")
    return con
