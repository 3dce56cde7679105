"""One server (issue 12 §2): the real service (serve.py) owns the warehouse file and serves it over Quack; every
documented CLI command works while it runs — through it, with the same `--user` scope — and analysts read the
`v_` views with the read-only token. The slow test loads from several CLI processes while reader processes query
the views, and compares the result with the same loads into a single file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES

HTTP_PORTS = iter(range(8782, 8788))  # hQ's ranges: HTTP 8780–8789, Quack 9480–9489 (8789/9489: bench/one_server.py)
QUACK_PORTS = iter(range(9480, 9486))
CITY, CITY_PASSWORD = "tonghua_city", "Tonghua-2025x"
TONGHUA = "通化市2025年3月劳动人事争议调解情况月报.xlsx"
CHANGCHUN_B = "长春市2025年6月调解组织建设情况统计表.xlsx"


def _env(db: Path, quack_port: int | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("MEDIATION_DEMO", "MEDIATION_HTTP_URL")}
    env["MEDIATION_DB"] = str(db)
    if quack_port:
        env["MEDIATION_QUACK_PORT"] = str(quack_port)
    return env


def cli(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=ROOT,
        env=_env(db),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


class Service:
    """serve.py under `streamlit run`, on its own warehouse and ports; stopped with SIGTERM (its lifespan ends)."""

    def __init__(self, db: Path, ports: tuple[int, int] | None = None):
        from warehouse.quack import service_file

        self.db = db
        self.port, self.quack_port = ports or (next(HTTP_PORTS), next(QUACK_PORTS))
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "serve.py",
                "--server.port",
                str(self.port),
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=_env(db, self.quack_port),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            text=True,
        )
        for _ in range(240):
            if self.process.poll() is not None:
                raise AssertionError("service exited: " + self.process.stdout.read())
            if service_file(db).exists():
                return
            time.sleep(0.25)
        self.stop()
        raise AssertionError("service did not publish its service file")

    def stop(self) -> str:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        out, _ = self.process.communicate(timeout=60)
        return out


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    db = tmp_path_factory.mktemp("one_server") / "wh.duckdb"
    service = Service(db)
    yield service
    service.stop()


def test_the_service_publishes_endpoint_and_token_owner_only(running):
    from warehouse.quack import read_service, service_file

    info = read_service(running.db)
    assert info.pid == running.process.pid
    assert info.quack == f"quack:localhost:{running.quack_port}" and info.http == f"http://127.0.0.1:{running.port}"
    assert os.stat(service_file(running.db)).st_mode & 0o077 == 0


def test_every_cli_command_works_through_the_running_service_with_the_same_scope(running, tmp_path):
    db = running.db
    done = cli(db, "history")
    assert done.returncode == 0 and "没有任何版本" in done.stdout, done.stderr
    done = cli(
        db, "user", "add", CITY, "--role", "city", "--region", "220500", "--password-stdin", stdin=CITY_PASSWORD + "\n"
    )
    assert done.returncode == 0, done.stderr
    assert CITY in cli(db, "user", "list").stdout

    done = cli(
        db, "ingest", "--json", "--user", CITY, str(SAMPLES / TONGHUA), str(SAMPLES / CHANGCHUN_B), "missing.xlsx"
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["status"] for line in lines] == ["loaded", "rejected", "skipped"] and done.returncode == 1
    assert lines[2]["errors"][0]["code"] == "file_not_found"
    version = lines[0]["version_id"]

    assert version in cli(db, "history").stdout
    assert version in cli(db, "history", "--user", CITY).stdout
    assert cli(db, "history", "--user", "nobody").returncode == 2
    done = cli(db, "restore", version, "--user", CITY)  # the app's rule: a city's upload awaits review first
    assert done.returncode == 1 and "待审核" in done.stderr
    done = cli(db, "signals", "refresh")
    assert done.returncode == 0 and "已重新计算预警信号" in done.stdout, done.stderr

    backup_dir = tmp_path / "backup"
    done = cli(db, "backup", str(backup_dir))
    assert done.returncode == 0 and (backup_dir / "schema.sql").exists(), done.stderr
    before = db.stat().st_mtime_ns
    done = cli(db, "restore-backup", str(backup_dir))
    assert done.returncode == 1 and "应用运行时不能进行" in done.stderr and "仓库文件未改动" in done.stderr
    assert db.stat().st_mtime_ns == before
    done = cli(db, "demo", "--quiet")
    assert done.returncode == 1 and "请先停止应用" in done.stderr


def test_cli_route_needs_the_service_token(running):
    request = urllib.request.Request(
        f"http://127.0.0.1:{running.port}/cli",
        data=b'{"argv": ["history"]}',
        method="POST",
        headers={"Authorization": "Bearer guessed", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403


def test_cli_route_refuses_a_proxied_request_even_with_the_token(running):
    from warehouse.quack import read_service

    token = read_service(running.db).token
    request = urllib.request.Request(
        f"http://127.0.0.1:{running.port}/cli",
        data=b'{"argv": ["history"]}',
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "X-Forwarded-For": "203.0.113.9",
            "Content-Type": "application/json",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403


def test_analysts_read_views_while_the_app_runs(running):
    import duckdb

    from warehouse.quack import analyst_token_file, connect_analyst

    token = analyst_token_file(running.db).read_text().strip()
    con = connect_analyst(f"quack:localhost:{running.quack_port}", token)
    try:
        assert con.execute("select count(*) from mediation.v_region").fetchone()[0] > 0
        with pytest.raises(duckdb.Error):
            con.execute("select count(*) from mediation.accounts").fetchall()
    finally:
        con.close()


def test_after_the_service_stops_the_cli_opens_the_file_itself(tmp_path):
    from warehouse.quack import service_file

    db = tmp_path / "wh.duckdb"
    service = Service(db)
    try:
        loaded = cli(db, "ingest", "--json", str(SAMPLES / TONGHUA))
        assert json.loads(loaded.stdout)["status"] == "loaded", loaded.stderr
    finally:
        service.stop()
    assert not service_file(db).exists()
    done = cli(db, "history")
    assert done.returncode == 0 and json.loads(loaded.stdout)["version_id"] in done.stdout


# ------------------------------------------------------------------ concurrency (issue 12 §4, one server)
UNITS = {
    "220100": "长春市",
    "220200": "吉林市",
    "220300": "四平市",
    "220400": "辽源市",
    "220500": "通化市",
    "220600": "白山市",
    "220700": "松原市",
    "220800": "白城市",
}
COMPARED = {  # view → columns that must be equal (version ids and load times differ by nature)
    "v_mediation": "*",
    "v_mediation_industry": "*",
    "v_coverage": "*",
    "v_submissions": "period, region_code, form, loaded_by, file_sha256, status",
}


def upload_files(folder: Path, uploaders: int, files_each: int) -> list[list[Path]]:
    """Form A workbooks, one unit per uploader, one month per file (different figures each)."""
    from builders import a1_row, a2_row, form_workbook

    batches = []
    for i, unit in enumerate(list(UNITS)[:uploaders]):
        batch = []
        for month in range(1, files_each + 1):
            period = f"{2024 + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}"
            path = folder / f"{UNITS[unit]}{period}.xlsx"
            path.write_bytes(
                form_workbook(
                    "A",
                    {
                        "调解情况": [a1_row(unit, "市本级", scale=1 + i + month)],
                        "分行业": [a2_row(unit, "市本级", accepted=10 + month)],
                    },
                    period=period,
                )
            )
            batch.append(path)
        batches.append(batch)
    return batches


def view_rows(con, prefix: str = "") -> dict[str, list]:
    return {
        view: sorted(map(repr, con.execute(f"select {cols} from {prefix}{view}").fetchall()))
        for view, cols in COMPARED.items()
    }


READER = """
import json, sys, time
sys.path.insert(0, {root!r})
from warehouse.quack import connect_analyst
con = connect_analyst({endpoint!r}, {token!r})
from pathlib import Path
deadline, times, errors, stop = time.monotonic() + {seconds}, [], [], Path({stop!r})
while time.monotonic() < deadline or not stop.exists():  # at least `seconds`, and until the uploads are done
    for sql in ("select count(*), sum(accepted_total) from mediation.v_mediation",
                "select count(*) from mediation.v_submissions", "select count(*) from mediation.v_coverage"):
        started = time.perf_counter()
        try:
            con.execute(sql).fetchall()
            times.append(time.perf_counter() - started)
        except Exception as error:
            errors.append(str(error)[:200])
    time.sleep({think})
print("RESULT " + json.dumps({{"queries": len(times), "times": times, "errors": errors}}))
"""


def _reader_result(out: str, err: str) -> dict:
    """A reader's RESULT line; a reader that died before printing it is one error with its stderr."""
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    return {"queries": 0, "times": [], "errors": [f"reader died: {err[-300:]}"]}


def run_concurrency(
    folder: Path,
    *,
    uploaders: int,
    files_each: int,
    readers: int,
    seconds: float,
    think: float = 0.0,
    ports: tuple[int, int] | None = None,
) -> dict:
    """Uploader CLI processes (one per unit, a file at a time) and reader processes (Quack, analysts' token; three
    view queries, then `think` seconds) against one running service, readers for at least `seconds` and until the
    last upload is done; then the same loads into a single file without a service. Returns the report."""
    import duckdb

    from warehouse.quack import analyst_token_file

    batches = upload_files(folder, uploaders, files_each)
    db = folder / "served.duckdb"
    service = Service(db, ports)
    report: dict = {
        "uploaders": uploaders,
        "files_each": files_each,
        "readers": readers,
        "seconds": seconds,
        "think": think,
    }
    try:
        endpoint, token = f"quack:localhost:{service.quack_port}", analyst_token_file(db).read_text().strip()
        stop = folder / "uploads-done"
        reader_procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    READER.format(
                        root=str(ROOT), endpoint=endpoint, token=token, seconds=seconds, stop=str(stop), think=think
                    ),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(readers)
        ]
        script = (
            "import subprocess, sys, time\n"
            "for f in sys.argv[2:]:\n"
            "    subprocess.run([sys.executable, '-m', 'etl', 'ingest', '--json', f], check=False)\n"
            "    time.sleep(float(sys.argv[1]))\n"
        )
        pause = max(seconds / (files_each + 1), 0.0)
        started = time.monotonic()
        upload_procs = [
            subprocess.Popen(
                [sys.executable, "-c", script, str(pause), *map(str, batch)],
                cwd=ROOT,
                env=_env(db),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for batch in batches
        ]
        statuses = []
        for proc in upload_procs:
            out, err = proc.communicate(timeout=3600)
            statuses += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        report["upload_seconds"] = round(time.monotonic() - started, 1)
        stop.touch()
        reads = [_reader_result(*proc.communicate(timeout=300)) for proc in reader_procs]
    finally:
        (folder / "uploads-done").touch()  # readers stop even when an upload failed
        service.stop()
    report["loaded"] = sum(s["status"] == "loaded" for s in statuses)
    report["not_loaded"] = [s for s in statuses if s["status"] != "loaded"]
    report["reader_queries"] = sum(r["queries"] for r in reads)
    times = sorted(t for r in reads for t in r["times"])
    if times:
        report["reader_ms_p50"] = round(times[len(times) // 2] * 1000, 1)
        report["reader_ms_p95"] = round(times[int(len(times) * 0.95)] * 1000, 1)
    report["reader_errors"] = [e for r in reads for e in r["errors"]]
    served = duckdb.connect(str(db), read_only=True)
    report["versions"] = served.execute("select count(*) from versions").fetchone()[0]
    served_rows = view_rows(served)
    served.close()
    single = folder / "single.duckdb"
    for batch in batches:  # no service for this file: the CLI opens it itself
        assert cli(single, "ingest", *map(str, batch)).returncode == 0
    direct = duckdb.connect(str(single), read_only=True)
    report["views_equal"] = {view: rows == served_rows[view] for view, rows in view_rows(direct).items()}
    direct.close()
    return report


@pytest.mark.slow
def test_uploads_through_the_service_while_readers_query_views(tmp_path):
    report = run_concurrency(tmp_path, uploaders=3, files_each=2, readers=4, seconds=10)
    assert report["loaded"] == report["versions"] == 6, report["not_loaded"]
    assert report["reader_errors"] == [] and report["reader_queries"] > 0
    assert all(report["views_equal"].values()), report["views_equal"]
