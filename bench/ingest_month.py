"""Benchmark: one full province month into a warehouse that already holds the previous 12 months.

The month is what the 11 reporting units send: forms A (all four sheets), B and C from each unit, 33
workbooks, simulated by etl/demo_data.simulate and written by etl/template.write_workbook (the same
workbooks a clerk uploads). The warehouse before the month is built once by `python -m etl demo`; every run
starts from a fresh copy of it. Timed: opening the warehouse and ingesting the 33 files in one process (what
`python -m etl ingest DIR/*.xlsx` and the upload page do after start-up), median of 3 runs. The end-to-end
CLI time (with interpreter start-up and imports) is measured once as well, for reference.

    .venv/bin/python bench/ingest_month.py [--month 2025-07] [--runs 3] [--keep DIR]

Target: < 2 s. Results: bench/results/ingest_month.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, write_result

TARGET_S = 2.0


def shift(period: str, months: int) -> str:
    index = int(period[:4]) * 12 + int(period[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_submissions(period: str, seed: int) -> list:
    """All 33 submissions (11 units × A, B, C) of one month. simulate() holds back two units in the last
    month of a run and drops one or two random (unit, month, form) combinations, so the run ends a month
    later and starts early enough that no combination of `period` is dropped (figures do not depend on it)."""
    from etl.demo_data import simulate

    for back in range(1, 13):
        subs = [s for s in simulate(shift(period, -back), shift(period, 1), seed=seed) if s.period == period]
        if len(subs) == 33:
            return subs
    raise SystemExit(f"no run of simulate() gives all 33 submissions of {period}")


def write_workbooks(subs, folder: Path) -> list[Path]:
    from etl.formdefs import load_form
    from etl.regions import reference_index
    from etl.template import template_file_name, write_workbook

    index = reference_index()
    paths = []
    for sub in subs:
        form, unit = load_form(sub.form), index.get(sub.unit_code)
        path = folder / template_file_name(form, sub.period, unit)
        path.write_bytes(write_workbook(form, period=sub.period, unit=unit, data=sub.sheets))
        paths.append(path)
    return paths


def ingest_all(db: Path, paths: list[Path], *, signals: bool = True) -> tuple[float, dict]:
    """Open the warehouse and ingest every file; signals=False skips the per-load early-warning refresh
    (a diagnostic: how much of the time the signal rules take)."""
    import contextlib

    from etl.ingest import ingest
    from warehouse.db import Warehouse

    try:
        from warehouse.signals import deferred
    except ImportError:
        deferred = contextlib.nullcontext
    with contextlib.nullcontext() if signals else deferred():
        return _ingest_all(db, paths, ingest, Warehouse)


def _ingest_all(db: Path, paths: list[Path], ingest, Warehouse) -> tuple[float, dict]:
    started, cpu = time.perf_counter(), time.process_time()
    wh = Warehouse(db)
    opened = time.perf_counter()
    outcome = {"loaded": 0, "rejected": [], "rows": 0, "warnings": 0, "open_s": opened - started}
    from warehouse.signals import batched

    try:
        from etl.ingest import Batch
    except ImportError:  # before the one-transaction batch (for comparing commits)
        Batch = None
    with batched(wh):  # as `python -m etl ingest` does: one early-warning refresh after the last file
        if Batch is not None:  # … and the files written in one transaction
            batch = Batch(wh)
            results = [r for path in paths for r in batch.add(path.read_bytes(), path.name)] + batch.flush()
        else:
            results = [ingest(wh, path.read_bytes(), path.name) for path in paths]
        for path, result in zip(paths, results):
            if result.status == "loaded":
                outcome["loaded"] += 1
                outcome["rows"] += sum(result.rows.values())
                outcome["warnings"] += len(result.warnings)
            else:
                outcome["rejected"].append([path.name, [e.message for e in result.errors[:3]]])
    wh.close()
    outcome["cpu_s"] = time.process_time() - cpu  # this process and DuckDB's threads: less sensitive to other load
    return time.perf_counter() - started, outcome


def prepare_month(month: str, seed: int, work: Path) -> tuple[Path, list[Path]]:
    """The base warehouse (the 12 months before ``month``, built once and reused in ``work``) and the month's
    workbooks written afresh into ``work/month``."""
    base = work / "base.duckdb"
    first, last = shift(month, -12), shift(month, -1)
    if not base.exists():
        print(f"building the previous 12 months ({first} … {last}) with python -m etl demo …", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "etl",
                "demo",
                "--db",
                str(base),
                "--from",
                first,
                "--to",
                last,
                "--seed",
                str(seed),
                "--quiet",
            ],
            cwd=ROOT,
            check=True,
        )
    folder = work / "month"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    paths = write_workbooks(month_submissions(month, seed), folder)
    return base, paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", default="2025-07")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="keep the base warehouse and workbooks in this folder")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench_month_"))
    work.mkdir(parents=True, exist_ok=True)
    base, paths = prepare_month(args.month, args.seed, work)
    first, last = shift(args.month, -12), shift(args.month, -1)  # the months the base holds
    folder, size = work / "month", sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} workbooks of {args.month} ({size / 1024:.0f} KiB) in {folder}")
    runs, cpu, opens, outcome = [], [], [], None
    for n in range(args.runs):
        db = work / f"run{n}.duckdb"
        shutil.copy(base, db)
        seconds, outcome = ingest_all(db, paths)
        if outcome["rejected"] or outcome["loaded"] != len(paths):
            raise SystemExit(f"not every workbook loaded: {outcome['rejected']}")
        runs.append(seconds)
        cpu.append(outcome["cpu_s"])
        opens.append(outcome["open_s"])
        print(
            f"  run {n + 1}: {seconds:.3f} s wall, {outcome['cpu_s']:.3f} s CPU, of which opening the warehouse "
            f"{outcome['open_s']:.3f} s ({outcome['loaded']} files, {outcome['rows']} rows)",
            flush=True,
        )
        db.unlink()
        db.with_name(db.name + ".wal").unlink(missing_ok=True)
    db = work / "nosignals.duckdb"
    shutil.copy(base, db)
    no_signals_s, no_signals = ingest_all(db, paths, signals=False)
    print(f"  diagnostic, early-warning refresh skipped: {no_signals_s:.3f} s wall, {no_signals['cpu_s']:.3f} s CPU")
    db = work / "cli.duckdb"
    shutil.copy(base, db)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "ingest", *map(str, paths), "--db", str(db), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    cli_s = time.perf_counter() - started
    statuses = [json.loads(line)["status"] for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or statuses != ["loaded"] * len(paths):
        raise SystemExit(f"CLI run failed: {proc.returncode} {proc.stderr[-2000:]}")
    result = write_result(
        "ingest_month",
        runs,
        TARGET_S,
        command="python bench/ingest_month.py --month " + args.month,
        what=f"33 workbooks of {args.month} (11 units × forms A with 4 sheets, B, C) into a warehouse holding "
        f"{first} … {last}; timed in process: open warehouse + ingest all files",
        month=args.month,
        files=len(paths),
        workbook_kib=round(size / 1024),
        rows=outcome["rows"],
        warnings=outcome["warnings"],
        cpu_s_median=round(statistics.median(cpu), 3),
        open_warehouse_s_median=round(statistics.median(opens), 3),
        cli_end_to_end_s=round(cli_s, 3),
        without_signal_refresh={"wall_s": round(no_signals_s, 3), "cpu_s": round(no_signals["cpu_s"], 3)},
        cli_command="python -m etl ingest month/*.xlsx --db copy.duckdb --json",
    )
    print(
        f"median {result['median_s']} s (target < {TARGET_S} s: {'met' if result['meets_target'] else 'MISSED'}); "
        f"CLI end to end {cli_s:.2f} s; median of {statistics.median(runs) / len(paths) * 1000:.0f} ms per file"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
