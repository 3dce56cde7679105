"""`make bench`: both benchmarks, results in bench/results/*.json (see docs/performance.md)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    failed = 0
    for script in ("ingest_month.py", "demo_build.py"):
        print(f"== {script}", flush=True)
        failed |= subprocess.run([sys.executable, str(HERE / script)], cwd=HERE.parent).returncode
    sys.exit(failed)
