"""Lake operations on a real PostgreSQL (tests/pg.py): migrate a file warehouse with every version, maintenance
(CLI and scheduled job), and two app processes on one lake — an upload through one shows on the other."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap

from builders import a1_row, b1_row
from conftest import ROOT
from test_load import TONGHUA_V1, TONGHUA_V2, load, mediation, snapshot

from warehouse.db import Warehouse
from warehouse.load import history


def lake_env(lake) -> dict[str, str]:
    return {**os.environ, "MEDIATION_CATALOG": lake.catalog, "MEDIATION_DATA_PATH": lake.data_path}


def etl(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_migrate_moves_a_file_warehouse_with_every_version(make_lake, tmp_path):
    from auth import accounts
    from warehouse import review

    source = Warehouse(tmp_path / "file.duckdb", lake=False)
    first = load(source, "A", TONGHUA_V1, loaded_at=dt.datetime(2025, 4, 5, 9, 0))
    load(source, "A", TONGHUA_V2, loaded_at=dt.datetime(2025, 4, 8, 9, 0))
    load(source, "B", {"组织建设": [b1_row("220500", "市本级")]})
    pending = load(
        source, "A", {"调解情况": [a1_row("220502", "东昌区", scale=5)]}, period="2025-02", review_state="pending"
    )
    accounts.add_account(
        source, "tonghua_city", role="city", region_code="220500", password="Tonghua#2025", actor="admin"
    )
    expected = snapshot(source._cursor())
    expected_history = history(source).rows()
    tables = {t: source.scalar(f'select count(*) from "{t}"') for t in ("audit_log", "files", "accounts", "signals")}
    source.close()

    lake = make_lake()
    done = etl(lake_env(lake), "lake", "migrate", "--from", str(tmp_path / "file.duckdb"), "--db", str(tmp_path / "x"))
    assert done.returncode == 0, done.stderr
    assert "已迁入数据湖" in done.stdout and "版本 4 个" in done.stdout and "账号 1 个" in done.stdout

    wh = Warehouse(tmp_path / "lake.duckdb", lake=lake)
    try:
        assert snapshot(wh._cursor()) == expected, "every view, version, pointer and raw row as in the file"
        assert history(wh).rows() == expected_history
        for table, rows in tables.items():
            assert wh.scalar(f'select count(*) from "{table}"') >= rows, table  # the new open may add audit rows
        assert review.submission(wh, pending.version_id).version_id == pending.version_id
        assert accounts.authenticate(wh, "tonghua_city", "Tonghua#2025").ok
        assert wh.scalar("select count(*) from page_mediation") > 0, "serving tables rebuilt from the copied rows"
        assert first.version_id in wh.query("select version_id from versions")["version_id"].to_list()
    finally:
        wh.close()
    again = etl(lake_env(lake), "lake", "migrate", "--from", str(tmp_path / "file.duckdb"))
    assert again.returncode == 1 and "已有数据" in again.stderr, "a lake with data is never merged into"


def test_lake_commands_need_a_configured_lake(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("MEDIATION_CATALOG", "MEDIATION_DATA_PATH")}
    done = etl(env, "lake", "maintain")
    assert done.returncode == 1 and "未配置数据湖" in done.stderr


def test_maintain_merges_and_expires_and_keeps_the_data(make_lake, tmp_path):
    from warehouse.lake import maintain

    lake = make_lake()
    wh = Warehouse(tmp_path / "wh.duckdb", lake=lake)
    try:
        for scale in range(1, 6):
            load(wh, "A", {"调解情况": [a1_row("220502", "东昌区", scale=scale)]}, period=f"2025-0{scale}")
        before = mediation(wh)
        snapshots = wh.scalar("select count(*) from ducklake_snapshots('lake')")
        done = maintain(wh, keep_days=0, cleanup_hours=0)
        assert done["snapshots_expired"] > 0 and done["snapshots_kept"] < snapshots
        assert done["data_files_after"] <= done["data_files_before"]
        assert mediation(wh) == before
    finally:
        wh.close()
    cli = etl(lake_env(lake), "lake", "maintain", "--keep-days", "0", "--db", str(tmp_path / "wh.duckdb"))
    assert cli.returncode == 0, cli.stderr
    assert "数据湖维护完成" in cli.stdout


def test_the_maintenance_job_is_scheduled_only_for_a_lake(make_lake, tmp_path):
    lake = make_lake()
    code = textwrap.dedent("""
        import json
        from service import jobs
        print(json.dumps({"jobs": sorted(jobs.JOBS), "schedules": sorted(jobs.schedules())}))
    """)
    for env, has in (
        (lake_env(lake), True),
        ({k: v for k, v in os.environ.items() if k not in ("MEDIATION_CATALOG", "MEDIATION_DATA_PATH")}, False),
    ):
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr
        found = json.loads(out.stdout)
        assert ("lake_maintain" in found["jobs"]) is has and ("lake_maintain" in found["schedules"]) is has
    # run as the job does, on the lake: recorded in the audit log like every job
    from service import jobs

    wh = Warehouse(tmp_path / "wh.duckdb", lake=lake)
    try:
        result = jobs.lake_maintenance(wh, dt.datetime(2026, 1, 1, 3, 30))
        assert set(result) >= {"snapshots_expired", "files_deleted", "data_files_after"}
    finally:
        wh.close()


# ------------------------------------------------------------------ two app processes on one lake
SERVER = textwrap.dedent("""
    # One "app server": its own process and Warehouse on the lake, answering commands on stdin.
    import json, sys
    sys.path.insert(0, "tests")
    from pathlib import Path
    from warehouse.db import Warehouse
    from warehouse.lake import Lake
    wh = Warehouse(Path(sys.argv[1]), lake=Lake(sys.argv[2], sys.argv[3]))
    seen = {}
    for line in sys.stdin:
        command = json.loads(line)
        if command["do"] == "upload":
            from test_load import load
            from builders import a1_row
            result = load(wh, "A", {"调解情况": [a1_row("220502", "东昌区", scale=command["scale"])]})
            print(json.dumps({"status": result.status, "version_id": result.version_id}), flush=True)
        elif command["do"] == "page":  # what a page rerun does: the generation keys the page cache
            generation = wh.generation
            if generation not in seen:
                seen[generation] = wh.query("select region_code, accepted_total from v_mediation order by 1").rows()
            print(json.dumps({"generation": generation, "rows": seen[generation]}), flush=True)
    wh.close()
""")


class Server:
    def __init__(self, folder, lake):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(folder / "wh.duckdb"), lake.catalog, lake.data_path],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, **command) -> dict:
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the server process died"
        return json.loads(line)

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def test_two_app_processes_on_one_lake_an_upload_through_one_shows_on_the_other(make_lake, tmp_path):
    lake = make_lake()
    one, two = Server(tmp_path / "one", lake), Server(tmp_path / "two", lake)
    try:
        assert two.ask(do="page")["rows"] == []
        before = two.ask(do="page")["generation"]
        assert one.ask(do="upload", scale=3)["status"] == "loaded"
        after = two.ask(do="page")
        assert after["generation"] != before, "the other server's page cache key moved"
        assert after["rows"] == [["220502", 30]]
        assert two.ask(do="upload", scale=4)["status"] == "loaded"
        assert one.ask(do="page")["rows"] == [["220502", 40]]
    finally:
        one.stop()
        two.stop()
