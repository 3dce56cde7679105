"""Where our ingest's CPU goes, step by step: the province month of bench/ingest_baseline.py, instrumented.

    .venv/bin/python bench/ingest_steps.py [--keep DIR] [--runs 5] [--code DIR]

Opens a fresh copy of the base warehouse and ingests the 33 workbooks as `python -m etl ingest` does (Batch inside
batched), with process-CPU timers around each step: opening, the container scan, reading (scan + calamine),
parsing, the rules, writing, archiving, the batch's serving-table and early-warning refresh, closing (DuckDB's
checkpoint). Prints the median of the runs after a warm-up run. The timers add ≈ 10 % to the total.
`--code DIR` times another checkout of the project (e.g. `git archive <commit> | tar -x -C DIR`), for a before /
after on the same machine in the same minute; its base warehouse is the one `--keep` holds
(bench/ingest_baseline.py --keep DIR builds it).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections import Counter
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", default="/tmp/bench_ingest_baseline", help="the folder of ingest_baseline --keep")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--code", default=str(Path(__file__).resolve().parents[1]), help="the project to time")
    args = parser.parse_args()
    sys.path.insert(0, args.code)
    import numpy  # noqa: F401  (duckdb's first query with parameters imports it: outside the clock, as in the bench)

    import etl.ingest as ingest
    from etl import xlsx_scan
    from warehouse import build, signals
    from warehouse.db import Warehouse

    spent: Counter = Counter()

    def timed(module, name: str, step: str) -> None:
        real = getattr(module, name)

        def wrapper(*a, **k):
            started = time.process_time()
            try:
                return real(*a, **k)
            finally:
                spent[step] += time.process_time() - started

        setattr(module, name, wrapper)

    timed(xlsx_scan, "scan_xlsx", "container scan")
    timed(ingest, "read_grids", "reading (scan + calamine)")
    timed(ingest, "parse_workbook", "parsing")
    timed(ingest, "validate", "rules")
    timed(ingest, "load_versions", "writing")
    timed(ingest, "archive", "archiving")
    timed(build, "refresh_serving", "refresh: serving tables")
    timed(signals, "refresh", "refresh: early warnings")

    work = Path(args.keep)
    paths = sorted((work / "month").glob("*.xlsx"))
    if not (work / "base.duckdb").exists() or not paths:
        raise SystemExit(f"no base warehouse or workbooks in {work}: run bench/ingest_baseline.py --keep {work}")

    def run() -> dict[str, float]:
        spent.clear()
        db = work / "steps.duckdb"
        db.unlink(missing_ok=True)
        db.with_name(db.name + ".wal").unlink(missing_ok=True)
        shutil.copy(work / "base.duckdb", db)
        first = time.process_time()
        wh = Warehouse(db)
        spent["opening"] = time.process_time() - first
        with build.batched(wh):
            batch = ingest.Batch(wh)
            results = [r for p in paths for r in batch.add(p.read_bytes(), p.name)] + batch.flush()
            refresh = time.process_time()
        spent["refresh (all)"] = time.process_time() - refresh
        closing = time.process_time()
        wh.close()
        spent["closing (checkpoint)"] = time.process_time() - closing
        spent["total"] = time.process_time() - first
        if [r.status for r in results] != ["loaded"] * len(paths):
            raise SystemExit("not every workbook loaded")
        return dict(spent)

    runs = [run() for _ in range(args.runs + 1)][1:]
    median = {step: round(statistics.median(r.get(step, 0.0) for r in runs), 3) for step in runs[0]}
    print(json.dumps({"code": args.code, "runs": args.runs, "cpu_s_median": median}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
