"""Benchmark: build the 24-month demo warehouse (2024-01 … 2025-12) with the real command line.

    .venv/bin/python bench/demo_build.py [--runs 1]

Timed: `python -m etl demo --db NEW --from 2024-01 --to 2025-12` end to end (interpreter start-up included),
median of the runs. Every simulated report goes through the same workbook → ingest path as an upload.
Target: < 60 s. Results: bench/results/demo_build.json.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from common import ROOT, write_result

TARGET_S = 60.0
FIRST, LAST = "2024-01", "2025-12"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_demo_"))
    command = [sys.executable, "-m", "etl", "demo", "--from", FIRST, "--to", LAST, "--quiet"]
    runs, cpu, counts = [], [], None
    try:
        for n in range(args.runs):
            db = work / f"demo{n}.duckdb"
            started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            proc = subprocess.run([*command, "--db", str(db)], cwd=ROOT, capture_output=True, text=True)
            seconds = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if proc.returncode != 0 or "未通过校验" in proc.stdout + proc.stderr:
                raise SystemExit(f"demo build failed or had rejected reports:\n{proc.stdout}\n{proc.stderr[-3000:]}")
            runs.append(seconds)
            print(
                f"  run {n + 1}: {seconds:.1f} s wall, {cpu[-1]:.1f} s CPU (both processes) — {proc.stdout.strip()}",
                flush=True,
            )
            con = duckdb.connect(str(db), read_only=True)
            counts = {
                "versions": con.execute("select count(*) from versions").fetchall()[0][0],
                "mediation_rows": con.execute("select count(*) from v_mediation").fetchall()[0][0],
                "periods": con.execute("select count(distinct period) from v_mediation").fetchall()[0][0],
                "size_mb": round(db.stat().st_size / 1024 / 1024, 1),
            }
            con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = write_result(
        "demo_build",
        runs,
        TARGET_S,
        command=f"python -m etl demo --db NEW --from {FIRST} --to {LAST}",
        what="24 months of the 11 units' reports written as workbooks and ingested",
        cpu_s=[round(c, 1) for c in cpu],
        **counts,
    )
    print(
        f"median {result['median_s']} s (target < {TARGET_S} s: {'met' if result['meets_target'] else 'MISSED'}); {counts}"
    )


if __name__ == "__main__":
    main()
