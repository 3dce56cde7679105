"""Many processes on one lake (issue 12 §4): uploader CLI processes and reader processes on a DuckLake whose catalog
is a throwaway PostgreSQL (tests/pg.py).

    .venv/bin/python bench/lake_concurrency.py [--uploaders 8] [--files 20] [--readers 20] [--seconds 60]

Each uploader is one unit's clerk running `python -m etl ingest` on its files (its own process and Warehouse on the
lake); each reader opens the lake read-only and queries the `v_` views for the whole time. Afterwards the same files
are loaded into a single DuckDB file and the views compared. The harness is the suite's
(tests/test_lake_concurrency.py, which runs it small); results: bench/results/lake_concurrency.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from common import RESULTS, ROOT, machine

sys.path.insert(0, str(ROOT / "tests"))
from pg import Cluster  # noqa: E402 - the suite's throwaway PostgreSQL
from test_lake_concurrency import run_concurrency  # noqa: E402 - the suite's workbooks and harness


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploaders", type=int, default=8)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    from warehouse.lake import Lake

    cluster = Cluster(port=55438).start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            lake = Lake("postgres:" + cluster.create_database("bench"), str(Path(folder) / "data"))
            report = run_concurrency(
                Path(folder),
                lake,
                uploaders=args.uploaders,
                files_each=args.files,
                readers=args.readers,
                seconds=args.seconds,
            )
    finally:
        cluster.stop()
    report["reader_errors_count"] = len(report["reader_errors"])
    report["reader_errors"] = report["reader_errors"][:20]
    report["command"] = "bench/lake_concurrency.py " + " ".join(sys.argv[1:])
    report["machine"] = machine()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "lake_concurrency.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps({k: v for k, v in report.items() if k != "machine"}, ensure_ascii=False, indent=2))
    ok = (
        report["loaded"] == report["versions"] == args.uploaders * args.files
        and not report["reader_errors_count"]
        and report["files_loaded_more_than_once"] == 0
        and all(report["views_equal"].values())
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
