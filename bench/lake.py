"""Benchmark: the lake (DuckLake, PostgreSQL catalog) against the file — page query p95 and a province month's ingest.

    .venv/bin/python bench/lake.py [--scale 40] [--from 2024-01] [--to 2025-12] [--repeat 10] [--runs 3] [--port 55439]

1. A warehouse file: `python -m etl demo --scale S --from F --to T` (reused from bench/out/lake_base_sS.duckdb).
2. A throwaway PostgreSQL cluster (tests/pg.py) and a lake migrated from that file (`warehouse.lake.migrate`,
   timed): the same versions, raw rows and serving tables.
3. Page queries: bench/pages.py's `time_queries` (every dashboard query function, a leader and a city clerk,
   `--repeat` calls each) on the file, then on the lake. Target p95 < 300 ms on both.
4. A province month's ingest (bench/ingest_month.py: 33 workbooks of the month after T, one process), `--runs`
   times, each run into a fresh copy of the file / a fresh lake migrated from it.
Results: bench/results/lake.json and the "## 数据湖与文件" section of docs/performance.md (written by hand).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS, ROOT, machine

sys.path.insert(0, str(ROOT / "tests"))
from pg import Cluster  # noqa: E402 - the suite's throwaway PostgreSQL

OUT = ROOT / "bench" / "out"


def file_env() -> None:
    os.environ.pop("MEDIATION_CATALOG", None)
    os.environ.pop("MEDIATION_DATA_PATH", None)


def lake_env(lake) -> None:
    os.environ.update(MEDIATION_CATALOG=lake.catalog, MEDIATION_DATA_PATH=lake.data_path)


def build_base(scale: int, first: str, last: str) -> Path:
    db = OUT / f"lake_base_s{scale}_{first}_{last}.duckdb"
    if not db.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in ("MEDIATION_CATALOG", "MEDIATION_DATA_PATH")}
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "etl",
                "demo",
                "--db",
                str(db),
                "--scale",
                str(scale),
                "--from",
                first,
                "--to",
                last,
                "--quiet",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        print(f"demo built in {time.perf_counter() - started:.0f} s", flush=True)
    return db


def new_lake(cluster: Cluster, work: Path, base: Path, name: str):
    from warehouse.db import Warehouse
    from warehouse.lake import Lake, migrate

    lake = Lake("postgres:" + cluster.create_database(name), str(work / name / "data"))
    started = time.perf_counter()
    wh = Warehouse(work / name / "wh.duckdb", lake=lake)
    counts = migrate(str(base), wh)
    wh.close()
    return lake, time.perf_counter() - started, counts


def summary(rows: list[dict]) -> dict:
    timed = [r for r in rows if "p95_ms" in r]
    worst = max(timed, key=lambda r: r["p95_ms"]) if timed else None
    return {
        "queries": len(timed),
        "over_target": sum(not r["meets_target"] for r in timed),
        "worst_p95_ms": worst["p95_ms"] if worst else None,
        "worst": f"{worst['function']} ({worst['viewer']})" if worst else None,
        "median_of_p95_ms": round(statistics.median(r["p95_ms"] for r in timed), 1) if timed else None,
        "errors": [r for r in rows if "error" in r],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=40)
    parser.add_argument("--from", dest="first", default="2024-01")
    parser.add_argument("--to", dest="last", default="2025-12")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    # the throwaway cluster's socket port: engineers benchmarking side by side each use their own
    parser.add_argument("--port", type=int, default=55439)
    args = parser.parse_args()
    import ingest_month

    import pages

    file_env()
    base = build_base(args.scale, args.first, args.last)
    work = Path(tempfile.mkdtemp(prefix="bench_lake_"))
    cluster = Cluster(port=args.port).start()
    result = {
        "benchmark": "lake",
        "scale": args.scale,
        "months": f"{args.first} … {args.last}",
        "command": "bench/lake.py " + " ".join(sys.argv[1:]),
        "load_before": os.getloadavg()[0],
        "machine": machine(),
    }
    try:
        lake, migrate_s, counts = new_lake(cluster, work, base, "pages")
        result["migrate_s"] = round(migrate_s, 1)
        result["migrated"] = {
            "versions": counts.get("versions"),
            "tables": len(counts),
            "raw_rows": sum(n for t, n in counts.items() if t.startswith("raw_")),
        }
        print(f"migrated into the lake in {migrate_s:.1f} s: {result['migrated']}", flush=True)

        copy = work / "file.duckdb"
        shutil.copy(base, copy)
        print("page queries on the file:", flush=True)
        file_env()
        on_file = pages.time_queries(copy, args.repeat)
        print("page queries on the lake:", flush=True)
        lake_env(lake)
        on_lake = pages.time_queries(work / "pages" / "wh.duckdb", args.repeat)
        file_env()
        result["page_queries"] = {
            "file": summary(on_file),
            "lake": summary(on_lake),
            "target_ms": pages.QUERY_TARGET_MS,
        }
        result["page_query_rows"] = {"file": on_file, "lake": on_lake}

        month = ingest_month.shift(args.last, 1)
        folder = work / "month"
        folder.mkdir()
        paths = ingest_month.write_workbooks(ingest_month.month_submissions(month, 2024), folder)
        runs = {"file": [], "lake": []}
        for n in range(args.runs):
            target = work / f"ingest{n}.duckdb"
            shutil.copy(base, target)
            file_env()
            seconds, outcome = ingest_month.ingest_all(target, paths)
            runs["file"].append(round(seconds, 2))
            assert outcome["loaded"] == len(paths), outcome["rejected"]
            lake, _, _ = new_lake(cluster, work, base, f"ingest{n}")
            lake_env(lake)
            seconds, outcome = ingest_month.ingest_all(work / f"ingest{n}" / "wh.duckdb", paths)
            file_env()
            runs["lake"].append(round(seconds, 2))
            assert outcome["loaded"] == len(paths), outcome["rejected"]
            print(f"  month {month}: file {runs['file'][-1]} s, lake {runs['lake'][-1]} s", flush=True)
        result["ingest_month"] = {
            "month": month,
            "files": len(paths),
            "runs_s": runs,
            "median_s": {k: statistics.median(v) for k, v in runs.items()},
        }
    finally:
        file_env()
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    result["load_after"] = os.getloadavg()[0]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "lake.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        json.dumps(
            {k: v for k, v in result.items() if k not in ("page_query_rows", "machine")}, ensure_ascii=False, indent=2
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
