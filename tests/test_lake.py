"""The warehouse on a DuckLake whose catalog is a real PostgreSQL (tests/pg.py): the same contract as the file.

The contract tests of tests/test_load.py (views and their columns per interfaces.md, supersede / restore, a
rejected file changes nothing, roll-up identities) run here on both backends through one fixture parametrised
by backend, and the samples' outcomes (tests/samples) through the real command line with MEDIATION_CATALOG set.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import duckdb
import pytest
from builders import a1_row
from test_load import TONGHUA_V1, TONGHUA_V2, TYPES, UNIT_ROWS, VIEW_COLUMNS, load, mediation, snapshot, view_names
from test_samples import CASES, SAMPLES, run_ingest

from warehouse import lake as lakes
from warehouse.db import Warehouse, WarehouseUnavailable
from warehouse.load import history, restore_version

BACKENDS = ["file", "lake"]


@pytest.fixture(params=BACKENDS)
def backend_wh(request, tmp_path):
    """A new warehouse on each backend: the DuckDB file, or a lake with its catalog in PostgreSQL."""
    if request.param == "file":
        wh = Warehouse(tmp_path / "wh.duckdb", lake=False)
    else:
        wh = Warehouse(tmp_path / "wh.duckdb", lake=request.getfixturevalue("make_lake")())
    yield wh
    wh.close()


# ------------------------------------------------------------------ DuckLake's limits, adapted (no PostgreSQL needed)
def test_adapt_ddl_drops_keys_and_checks_and_quotes_boolean_defaults():
    sql = """create table if not exists a (
    code varchar primary key, -- a comment (with brackets)
    role varchar not null check (role in ('admin', 'leader')),
    n integer,
    primary key (code, n)
);
alter table signals add column if not exists active boolean default true;
create table b (x boolean not null default false, s varchar default 'approved');"""
    out = lakes.adapt_ddl(sql)
    assert "primary key" not in out and "check" not in out and "comment" not in out
    assert "code varchar," in out and "role varchar not null," in out and "n integer\n)" in out
    assert "default 'true'" in out and "default 'false'" in out and "default 'approved'" in out


def test_adapt_ddl_keeps_every_table_of_the_schema():
    from warehouse import build
    from warehouse.db import HERE

    text = "\n".join(lakes.adapt_ddl(p.read_text(encoding="utf-8")) for p in sorted(HERE.glob("schema*.sql")))
    assert {t for t in build.base_tables() if not t.startswith("raw_")} <= set(
        w.strip("( ") for w in text.split() if w.strip("( ") in build.base_tables()
    )
    assert "primary key" not in text.lower() and "insert or" not in text.lower()


def test_retrying_reruns_a_conflicting_transaction_and_raises_anything_else():
    calls, slept = [], []

    def conflicted_twice():
        calls.append(1)
        if len(calls) < 3:
            raise duckdb.TransactionException("Transaction conflict: cannot commit, table was altered concurrently")
        return "done"

    assert lakes.retrying(conflicted_twice, sleep=slept.append) == "done"
    assert len(calls) == 3 and len(slept) == 2 and slept[1] > slept[0] * 0.6  # backoff grows (with jitter)

    def broken():
        calls.append(1)
        raise duckdb.CatalogException("Table with name nope does not exist")

    calls.clear()
    with pytest.raises(duckdb.CatalogException):
        lakes.retrying(broken, sleep=slept.append)
    assert len(calls) == 1

    def always():
        raise duckdb.TransactionException("Transaction conflict")

    with pytest.raises(duckdb.TransactionException):
        lakes.retrying(always, attempts=3, sleep=lambda s: None)


def test_config_names_the_lake_by_env(monkeypatch, tmp_path):
    from warehouse import config

    monkeypatch.delenv("MEDIATION_CATALOG", raising=False)
    assert config.lake_settings() is None and lakes.Lake.from_config() is None
    monkeypatch.setenv("MEDIATION_CATALOG", "postgres:dbname=x host=/tmp user=postgres")
    monkeypatch.delenv("MEDIATION_DATA_PATH", raising=False)
    with pytest.raises(ValueError, match="data_path"):
        config.lake_settings()
    monkeypatch.setenv("MEDIATION_DATA_PATH", str(tmp_path))
    assert lakes.Lake.from_config() == lakes.Lake("postgres:dbname=x host=/tmp user=postgres", str(tmp_path))


def test_an_unreachable_catalog_is_a_chinese_error(tmp_path):
    lake = lakes.Lake(f"postgres:dbname=none host={tmp_path} port=1 user=postgres password=secret", str(tmp_path / "d"))
    with pytest.raises(WarehouseUnavailable, match="无法打开数据湖") as caught:
        Warehouse(tmp_path / "wh.duckdb", lake=lake)
    assert "secret" not in str(caught.value)


# ------------------------------------------------------------------ the warehouse contract, on both backends
def test_views_and_their_columns_are_those_of_interfaces_md(backend_wh):
    assert view_names(backend_wh._cursor()) == sorted(VIEW_COLUMNS)
    for view, columns in VIEW_COLUMNS.items():
        assert ", ".join(r[0] for r in backend_wh._cursor().execute(f"describe {view}").fetchall()) == columns, view
    got = {
        (v, c): dict((r[0], r[1]) for r in backend_wh._cursor().execute(f"describe {v}").fetchall())[c]
        for v, c in TYPES
    }
    assert got == TYPES


def test_supersede_restore_and_a_rejected_file(backend_wh):
    wh = backend_wh
    first = load(wh, "A", TONGHUA_V1, loaded_at=dt.datetime(2025, 4, 5, 9, 0))
    assert mediation(wh) == {"220500": 10, "220502": 20}
    second = load(wh, "A", TONGHUA_V2, loaded_at=dt.datetime(2025, 4, 8, 9, 0))
    assert mediation(wh) == {"220500": 30, "220502": 40}
    assert wh.scalar("select count(*) from v_major_disputes") == 0
    assert history(wh)["version_id"].to_list() == [second.version_id, first.version_id]
    assert restore_version(wh, first.version_id, user="省厅管理员") == ["220500", "220502"]
    assert mediation(wh) == {"220500": 10, "220502": 20}
    before = snapshot(wh._cursor())
    bad = {"调解情况": [a1_row("220500", "市本级", scale=3), a1_row("220502", "东昌区", accepted_total=999)]}
    assert load(wh, "A", bad).status == "rejected"
    assert snapshot(wh._cursor()) == before
    assert wh.query(
        "select form, period, region_code, count(*) from current_versions group by all having count(*) > 1"
    ).is_empty(), "one current version per form × period × region"


def test_roll_up_identities(backend_wh):
    wh = backend_wh
    for unit, rows in UNIT_ROWS.items():
        assert load(wh, "A", {"调解情况": [a1_row(c, n, scale=s) for c, n, s in rows]}, unit=unit).status == "loaded"
    assert wh.scalar("select count(*) from v_region") == 79
    assert wh.scalar("select sum(accepted_total) from v_mediation") == 780
    assert wh.query("select distinct round(success_rate, 6) from v_mediation").rows() == [(0.75,)]


def test_reopening_a_lake_keeps_everything_and_adds_no_duplicate_reference_rows(make_lake, tmp_path):
    lake = make_lake()
    wh = Warehouse(tmp_path / "wh.duckdb", lake=lake)
    load(wh, "A", TONGHUA_V1)
    regions, generation = wh.scalar("select count(*) from ref_region"), wh.generation
    wh.close()
    again = Warehouse(tmp_path / "wh.duckdb", lake=lake)
    try:
        assert again.scalar("select count(*) from ref_region") == regions == 80
        assert mediation(again) == {"220500": 10, "220502": 20}
        assert again.generation > generation, "the generation is the lake's snapshot: it moves with every commit"
    finally:
        again.close()


# ------------------------------------------------------------------ the samples, through the command line
@pytest.fixture(scope="module")
def lake_outcomes(pg_cluster, tmp_path_factory):
    """Each sample ingested once into its own new lake by `python -m etl ingest --json` with MEDIATION_CATALOG."""
    done = {}
    for case in CASES:
        folder = tmp_path_factory.mktemp(f"lake_sample_{case['id']}")
        dsn = pg_cluster.create_database(f"sample_{case['id']}_{os.getpid()}")
        env = {"MEDIATION_CATALOG": "postgres:" + dsn, "MEDIATION_DATA_PATH": str(folder / "data")}
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            proc = run_ingest(str(SAMPLES / case["file"]), "--db", str(folder / "wh.duckdb"), "--json")
        finally:
            for k, v in old.items():
                os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
        lines = [json.loads(text) for text in proc.stdout.splitlines() if text.strip()]
        done[case["id"]] = (proc, lines, lakes.Lake("postgres:" + dsn, str(folder / "data")), folder)
    return done


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_sample_outcome_on_the_lake(case, lake_outcomes):
    proc, lines, lake, folder = lake_outcomes[case["id"]]
    assert len(lines) == 1, (proc.stdout, proc.stderr)
    assert lines[0]["status"] == case["expect"], lines[0]["errors"]
    assert proc.returncode == (0 if case["expect"] == "loaded" else 1)
    wh = Warehouse(folder / "wh.duckdb", lake=lake, read_only=True)
    try:
        if case["expect"] == "loaded":
            for check in case["checks"]:
                rows = wh._cursor().execute(check["sql"]).fetchall()
                assert len(rows) == 1 and float(rows[0][0]) == pytest.approx(check["equals"], abs=0.01), check["what"]
        else:
            assert wh.scalar("select count(*) from versions") == 0
            assert wh.scalar("select count(*) from v_mediation") == 0
    finally:
        wh.close()
