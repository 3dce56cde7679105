"""warehouse/quack.py: the warehouse served over Quack by its owning process — the service file (0600, removed
on stop, stale when its process is gone), the analysts' read-only token (v_ views only, checked on DuckDB's parse
tree), and the service token (everything)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import duckdb
import pytest

from warehouse import quack

PORT = 9486  # hQ's range (9480–9489): the port-taken test binds PORT + 1


def _free_port() -> int:
    """A port nobody listens on: each served fixture gets its own, because a stopped Quack server may hold its port
    a little longer and a second quack_serve on a used port in one process returns without an error."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PROTECTED = frozenset({"versions", "raw_mediation", "accounts", "audit_log"})


@pytest.fixture(scope="module")
def parser():
    con = duckdb.connect()
    yield con
    con.close()


@pytest.mark.parametrize(
    "sql",
    [
        "select * from v_mediation",
        "FROM main.v_region",
        "select period, sum(accepted_total) from v_mediation where region_code = '220500' group by 1",
        "with m as (select * from v_mediation) select count(*) from m join v_region using (region_code)",
        "select (select count(*) from v_submissions) as n",
        "select * from information_schema.schemata",
    ],
)
def test_analyst_may_read_views(parser, sql):
    assert quack.check_read_only(sql, PROTECTED, parser) == sql


@pytest.mark.parametrize(
    "sql",
    [
        "select * from versions",  # a table, not a v_ view
        "select * from main.raw_mediation",
        "select count(*) from v_mediation where period in (select period from accounts)",  # a subquery on a table
        "with versions as (select * from versions) select * from versions",  # a CTE shadowing a table reads the table
        "select * from read_csv('/etc/passwd')",  # table functions read the server's files
        "select * from query('select * from accounts')",
        "select * from other.v_mediation",  # another catalog
        "insert into audit_log values (now(), 'x', 'y', null, null)",
        "delete from versions",
        "copy versions to '/tmp/x.csv'",
        "set threads = 1",
        "select 1; select * from accounts",  # one statement only
        "attach '/tmp/other.duckdb' as o",
        "select nextval('seq') from v_region",
        "select current_setting('home_directory')",
    ],
)
def test_analyst_refused_everything_else(parser, sql):
    with pytest.raises(quack.ReadOnlyRefused):
        quack.check_read_only(sql, PROTECTED, parser)


def test_attach_listing_narrowed_to_views(parser):
    listing = (
        "\nSELECT schema_name, sql, 'table'\nFROM duckdb_tables()\nUNION ALL\nSELECT schema_name, view_name, 'view'\n"
        "FROM duckdb_views()\n\t"
    )
    narrowed = quack.check_read_only(listing, PROTECTED, parser)
    assert "where false" in narrowed.lower() and "v\\_%" in narrowed


@pytest.fixture
def served(empty_warehouse, monkeypatch):
    server = quack.QuackServer(empty_warehouse, port=_free_port(), http="http://127.0.0.1:1").start()
    yield server
    server.stop()


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_service_file_beside_the_warehouse_owner_only(served):
    path = quack.service_file(served.wh.path)
    assert path.parent == served.wh.path.resolve().parent and _mode(path) == 0o600
    info = quack.read_service(served.wh.path)
    assert info == quack.ServiceInfo(
        pid=os.getpid(),
        db=str(served.wh.path.resolve()),
        quack=f"quack:localhost:{served.port}",
        http="http://127.0.0.1:1",
        token=served.token,
    )
    assert _mode(quack.analyst_token_file(served.wh.path)) == 0o600
    served.stop()
    assert not path.exists() and quack.read_service(served.wh.path) is None


def test_analyst_token_kept_across_restarts(empty_warehouse):
    first = quack.analyst_token(empty_warehouse.path)
    assert quack.analyst_token(empty_warehouse.path) == first and len(first) >= 16


def test_stale_service_file_is_ignored_and_removed(tmp_path):
    db = tmp_path / "w.duckdb"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    quack.service_file(db).write_text(
        json.dumps(
            {"pid": int(gone.stdout), "db": str(db), "quack": "quack:localhost:1", "http": None, "token": "x" * 20}
        )
    )
    assert quack.read_service(db) is None
    assert not quack.service_file(db).exists()


def test_garbled_service_file_is_no_service(tmp_path):
    db = tmp_path / "w.duckdb"
    quack.service_file(db).write_text("{not json")
    assert quack.read_service(db) is None


def test_analyst_reads_views_but_nothing_else(served):
    con = quack.connect_analyst(served.endpoint, served.analyst_token)
    try:
        expected = served.wh.scalar("select count(*) from v_region")
        assert con.execute("select count(*) from mediation.v_region").fetchone()[0] == expected > 0
        for sql in (
            "select count(*) from mediation.accounts",
            "insert into mediation.audit_log values (now(), 'x', 'y', null, null)",
        ):
            with pytest.raises(duckdb.Error):
                con.execute(sql).fetchall()
        with pytest.raises(duckdb.Error, match="Authorization failed"):
            con.execute("select * from quack_query(?, 'select count(*) from accounts')", [served.endpoint]).fetchall()
    finally:
        con.close()
    assert served.wh.scalar("select count(*) from audit_log where actor = 'x'") == 0


def test_service_token_reads_and_writes(served):
    con = quack.connect_analyst(served.endpoint, served.token)
    try:
        con.execute("insert into mediation.audit_log values (now(), 'quack-test', 'probe', null, '{}')")
    finally:
        con.close()
    assert served.wh.scalar("select count(*) from audit_log where actor = 'quack-test'") == 1


def test_wrong_token_refused(served):
    with pytest.raises(duckdb.Error, match="Authentication failed"):
        quack.connect_analyst(served.endpoint, "not-the-token-at-all")


def test_a_taken_quack_port_still_publishes_the_service_file_for_the_cli(empty_warehouse):
    import socket

    with socket.socket() as taken:  # another program listens on the port
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", PORT + 1))
        taken.listen()
        server = quack.QuackServer(empty_warehouse, port=PORT + 1, http="http://127.0.0.1:2").start()
    try:
        assert server.error and server.endpoint is None
        info = quack.read_service(empty_warehouse.path)
        assert info.quack is None and info.http == "http://127.0.0.1:2" and info.token == server.token
    finally:
        server.stop()
    assert quack.read_service(empty_warehouse.path) is None
