"""`make bench`: the ingest and demo benchmarks, results in bench/results/*.json (see docs/performance.md); the
browser benchmark needs a demo warehouse and runs on its own: `python bench/browser.py --db DEMO.duckdb`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    failed = 0
    for script in ("ingest_month.py", "ingest_baseline.py", "demo_build.py"):
        print(f"== {script}", flush=True)
        failed |= subprocess.run([sys.executable, str(HERE / script)], cwd=HERE.parent).returncode
    sys.exit(failed)
