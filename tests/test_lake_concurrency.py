"""Many processes on one lake (issue 12 §4): uploader CLI processes and reader processes at the same time.

Each uploader is one unit's clerk running `python -m etl ingest` on its own files (its own process, its own
Warehouse on the lake); each reader opens the lake read-only and queries the `v_` views for the whole time. Then:
every upload loaded exactly once, 0 reader errors, and every view equal to the same files loaded one after the
other into a single DuckDB file. The suite runs it small (marked slow); bench/lake_concurrency.py runs the full
8 uploaders × 20 files, 20 readers, 60 s with the same harness.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from builders import a1_row, form_workbook
from conftest import ROOT
from test_load import UNIT_ROWS

from etl.regions import reference_index

UNITS = list(UNIT_ROWS)
# compared without what differs by nature between two loads of the same file (its version id and load time)
COMPARED = {
    "v_mediation": "*",
    "v_mediation_industry": "*",
    "v_coverage": "*",
    "v_org_building": "*",
    "v_submissions": "period, region_code, form, loaded_by, file_sha256, status",
}

READER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from warehouse.db import Warehouse
    from warehouse.lake import Lake
    folder, catalog, data_path, seconds = Path(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
    wh = Warehouse(folder / "reader.duckdb", lake=Lake(catalog, data_path), read_only=True)
    queries = [
        "select count(*), sum(accepted_total) from v_mediation",
        "select period, count(*) from v_submissions group by period order by period",
        "select measure, avg(rate) from v_coverage group by measure",
        "select region_code, sum(accepted_total) from v_mediation join v_region using (region_code) group by all",
    ]
    latencies, errors, start = [], [], time.monotonic()
    while time.monotonic() - start < seconds:
        for sql in queries:
            t = time.perf_counter()
            try:
                wh.query(sql)
                latencies.append(time.perf_counter() - t)
            except Exception as exc:  # every error is counted, none hidden
                errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
    wh.close()
    print(json.dumps({"latencies": latencies, "errors": errors}))
""")


def make_files(folder: Path, uploaders: int, files_each: int) -> dict[int, list[Path]]:
    """Form A workbooks: uploader i is unit UNITS[i % 11]'s clerk, one file per month from 2024-01."""
    index = reference_index()
    out: dict[int, list[Path]] = {}
    for i in range(uploaders):
        unit = UNITS[i % len(UNITS)]
        out[i] = []
        for n in range(files_each):
            period = f"{2024 + n // 12}-{n % 12 + 1:02d}"
            rows = [a1_row(code, name, scale=scale + n + i // len(UNITS)) for code, name, scale in UNIT_ROWS[unit]]
            path = folder / f"u{i:02d}_{period}.xlsx"
            path.write_bytes(form_workbook("A", {"调解情况": rows}, period=period, unit=index.get(unit)))
            out[i].append(path)
    return out


def _env(lake=None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MEDIATION_CATALOG", "MEDIATION_DATA_PATH")}
    if lake is not None:
        env.update(MEDIATION_CATALOG=lake.catalog, MEDIATION_DATA_PATH=lake.data_path)
    return env


def view_rows(wh) -> dict[str, list]:
    return {v: wh.query(f"select {cols} from {v} order by all").rows() for v, cols in COMPARED.items()}


def run_concurrency(folder: Path, lake, *, uploaders: int, files_each: int, readers: int, seconds: float) -> dict:
    """The whole run; returns what was measured and checked (the caller asserts or writes it down)."""
    from warehouse.db import Warehouse

    files = make_files(folder, uploaders, files_each)
    Warehouse(folder / "setup.duckdb", lake=lake).close()  # the lake made once, as an installation does
    started = time.monotonic()
    reading = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(folder), lake.catalog, lake.data_path, str(seconds)],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(readers)
    ]
    uploading = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "etl",
                "ingest",
                *map(str, paths),
                "--json",
                "--db",
                str(folder / f"uploader{i}.duckdb"),
            ],
            cwd=ROOT,
            env=_env(lake),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, paths in files.items()
    ]
    results, upload_errors = [], []
    for proc in uploading:
        out, err = proc.communicate(timeout=seconds * 20 + 600)
        lines = [json.loads(line) for line in out.splitlines() if line.strip()]
        results += lines
        if proc.returncode != 0:
            upload_errors.append(err[-500:])
    uploads_done = time.monotonic() - started
    latencies, reader_errors = [], []
    for proc in reading:
        out, err = proc.communicate(timeout=seconds * 20 + 600)
        try:
            report = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            reader_errors.append(f"reader died: {err[-300:]}")
            continue
        latencies += report["latencies"]
        reader_errors += report["errors"]

    lake_wh = Warehouse(folder / "check.duckdb", lake=lake, read_only=True)
    try:
        versions = lake_wh.scalar("select count(*) from versions")
        per_file = lake_wh.query("select file_id, count(*) as n from versions group by file_id").rows()
        on_lake = view_rows(lake_wh)
    finally:
        lake_wh.close()
    single = Warehouse(folder / "single.duckdb", lake=False)
    single.close()
    for i in files:  # the same files, one after the other, into a single DuckDB file
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "etl",
                "ingest",
                *map(str, files[i]),
                "--json",
                "--db",
                str(folder / "single.duckdb"),
            ],
            cwd=ROOT,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
    single = Warehouse(folder / "single.duckdb", lake=False, read_only=True)
    try:
        in_file = view_rows(single)
    finally:
        single.close()
    latencies.sort()
    return {
        "uploaders": uploaders,
        "files_each": files_each,
        "readers": readers,
        "seconds": seconds,
        "loaded": sum(1 for r in results if r["status"] == "loaded"),
        "results": len(results),
        "versions": versions,
        "files_loaded_more_than_once": sum(1 for _, n in per_file if n != 1),
        "upload_errors": upload_errors,
        "uploads_done_s": round(uploads_done, 1),
        "reader_queries": len(latencies),
        "reader_errors": reader_errors,
        "reader_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "reader_p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1) if latencies else None,
        "views_equal": {v: on_lake[v] == in_file[v] for v in COMPARED},
        "view_rows": {v: len(on_lake[v]) for v in COMPARED},
    }


@pytest.mark.slow
def test_uploaders_and_readers_at_once_on_one_lake(make_lake, tmp_path):
    report = run_concurrency(tmp_path, make_lake(), uploaders=3, files_each=2, readers=4, seconds=10)
    assert report["upload_errors"] == []
    assert report["loaded"] == report["results"] == report["versions"] == 6, report
    assert report["files_loaded_more_than_once"] == 0
    assert report["reader_errors"] == [] and report["reader_queries"] > 0
    assert all(report["views_equal"].values()), report["views_equal"]
    assert report["view_rows"]["v_mediation"] > 0 and report["view_rows"]["v_submissions"] > 0
