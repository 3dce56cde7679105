"""Shared bits of the benchmarks: the machine description and the results file."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def machine() -> dict:
    from importlib.metadata import version

    import duckdb
    import polars

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "etl", "warehouse"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "polars": polars.__version__,
        "python_calamine": version("python-calamine"),
        "platform": platform.platform(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "commit": commit + ("+uncommitted etl/warehouse changes" if dirty else ""),
    }


def write_result(name: str, runs: list[float], target_s: float, command: str, **details) -> dict:
    result = {
        "benchmark": name,
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "runs_s": [round(r, 3) for r in runs],
        "median_s": round(statistics.median(runs), 3),
        "target_s": target_s,
        "meets_target": statistics.median(runs) < target_s,
        "command": command,
        "machine": machine(),
        **details,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return result
