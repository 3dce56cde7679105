"""Benchmark: our ingest beside two baselines, in one run on the same province month (33 workbooks).

    .venv/bin/python bench/ingest_baseline.py [--month 2025-07] [--runs 3] [--keep DIR]

(a) naive: a plain pandas + openpyxl script, what someone would write without this project — read every sheet
    of every workbook with `pandas.read_excel(sheet_name=None, engine="openpyxl")` and insert each sheet as it
    is into DuckDB (`create table if not exists … / insert into …`), no checks, no versions, no history;
(b) calamine: python-calamine reading every sheet of the same files into Python lists (the floor for reading);
(c) ours: `etl.ingest.ingest()` of every file in one `batched` run, as `python -m etl ingest month/*.xlsx`
    does after start-up — container scan, read, parse, every validation rule, versioned load, serving tables
    and the early-warning refresh.

Imports are done before any clock starts (for all three). Each run of (a) and (c) starts from a fresh copy of the same warehouse holding the previous 12 months (built
once by `python -m etl demo`, as bench/ingest_month.py does). Median of the runs; the order of (a), (b), (c)
rotates between runs so no one of them always meets a warm or cold page cache.
Goal: (c) at least 3× faster than (a). Results: bench/results/ingest_baseline.json.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from common import write_result
from ingest_month import ingest_all, prepare_month, shift

GOAL_RATIO = 3.0


def naive(db: Path, paths: list[Path]) -> tuple[float, float, int]:
    """(a) pandas + openpyxl, every sheet inserted into DuckDB as read: no checks at all."""
    import duckdb
    import pandas as pd

    started, cpu = time.perf_counter(), time.process_time()
    con = duckdb.connect(str(db))
    rows = 0
    for path in paths:
        sheets = pd.read_excel(io.BytesIO(path.read_bytes()), sheet_name=None, engine="openpyxl", header=None)
        for n, frame in enumerate(sheets.values()):
            frame = frame.astype(str)  # mixed header/number columns: stored as text, as a quick script would
            frame.columns = [f"c{i}" for i in range(frame.shape[1])]
            table = f"naive_{n}_{frame.shape[1]}"
            con.register("incoming", frame)
            con.execute(f"create table if not exists {table} as select * from incoming limit 0")
            con.execute(f"insert into {table} select * from incoming")
            con.unregister("incoming")
            rows += len(frame)
    con.close()
    return time.perf_counter() - started, time.process_time() - cpu, rows


def calamine(paths: list[Path]) -> tuple[float, float, int]:
    """(b) python-calamine: every sheet of every file read into lists of values, nothing else."""
    import python_calamine

    started, cpu = time.perf_counter(), time.process_time()
    rows = 0
    for path in paths:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
        for name in book.sheet_names:
            rows += len(book.get_sheet_by_name(name).to_python())
    return time.perf_counter() - started, time.process_time() - cpu, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", default="2025-07")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="keep (and reuse) the base warehouse and workbooks in this folder")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench_baseline_"))
    work.mkdir(parents=True, exist_ok=True)
    base, paths = prepare_month(args.month, args.seed, work)
    first, last = shift(args.month, -12), shift(args.month, -1)  # the months the base holds
    folder, size = work / "month", sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} workbooks of {args.month} ({size / 1024:.0f} KiB) in {folder}", flush=True)

    # Imports are outside every clock: the naive script's pandas/openpyxl as much as the numpy/pandas/pyarrow that
    # duckdb's Python API loads on the first query with parameters (≈ 0.35 s of CPU, paid once per process).
    import numpy  # noqa: F401,E401

    from etl import ingest  # noqa: F401

    def fresh(name: str) -> Path:
        db = work / f"{name}.duckdb"
        db.unlink(missing_ok=True)
        db.with_name(db.name + ".wal").unlink(missing_ok=True)
        shutil.copy(base, db)
        return db

    times: dict[str, list[float]] = {"naive": [], "calamine": [], "ours": []}
    cpu: dict[str, list[float]] = {"naive": [], "calamine": [], "ours": []}
    rows = {}
    order = ["naive", "calamine", "ours"]
    for n in range(args.runs):
        for name in order[n % 3 :] + order[: n % 3]:
            if name == "naive":
                seconds, used, rows["naive"] = naive(fresh("naive"), paths)
            elif name == "calamine":
                seconds, used, rows["calamine"] = calamine(paths)
            else:
                seconds, outcome = ingest_all(fresh("ours"), paths)
                if outcome["rejected"] or outcome["loaded"] != len(paths):
                    raise SystemExit(f"not every workbook loaded: {outcome['rejected']}")
                rows["ours"], used = outcome["rows"], outcome["cpu_s"]
            times[name].append(seconds)
            cpu[name].append(used)
        print(
            "  run {}: naive {:.3f} s ({:.3f} CPU), calamine {:.3f} s ({:.3f}), ours {:.3f} s ({:.3f})".format(
                n + 1,
                times["naive"][-1],
                cpu["naive"][-1],
                times["calamine"][-1],
                cpu["calamine"][-1],
                times["ours"][-1],
                cpu["ours"][-1],
            ),
            flush=True,
        )
    median = {k: statistics.median(v) for k, v in times.items()}
    vs_naive = median["naive"] / median["ours"]
    vs_calamine = median["ours"] / median["calamine"]
    result = write_result(
        "ingest_baseline",
        times["ours"],
        median["naive"] / GOAL_RATIO,
        command=f"python bench/ingest_baseline.py --month {args.month} --runs {args.runs}",
        what=f"33 workbooks of {args.month} (11 units × forms A with 4 sheets, B, C); (a) pandas+openpyxl read "
        f"every sheet and insert into DuckDB, no checks; (b) python-calamine reads every sheet; (c) our ingest "
        f"(etl.ingest.ingest, batched) into a warehouse holding {first} … {last}",
        files=len(paths),
        workbook_kib=round(size / 1024),
        rows=rows,
        runs_by_method={k: [round(x, 3) for x in v] for k, v in times.items()},
        median={k: round(v, 3) for k, v in median.items()},
        cpu_s_by_method={k: [round(x, 3) for x in v] for k, v in cpu.items()},
        cpu_median={k: round(statistics.median(v), 3) for k, v in cpu.items()},
        ours_faster_than_naive_by_cpu=round(statistics.median(cpu["naive"]) / statistics.median(cpu["ours"]), 2),
        ours_faster_than_naive=round(vs_naive, 2),
        goal_faster_than_naive=GOAL_RATIO,
        ours_slower_than_calamine=round(vs_calamine, 1),
        note="target_s is the naive median / 3: meets_target means ours is at least 3× faster than (a)",
    )
    print(
        f"median: naive {median['naive']:.3f} s, calamine {median['calamine']:.3f} s, ours {median['ours']:.3f} s "
        f"→ ours {vs_naive:.2f}× faster than naive (goal ≥ {GOAL_RATIO:g}×: "
        f"{'met' if result['meets_target'] else 'MISSED'}), {vs_calamine:.0f}× the calamine read"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
