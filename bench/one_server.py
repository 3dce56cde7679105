"""One server under load (issue 12 §4): uploader CLI processes and reader processes against one running service.

    .venv/bin/python bench/one_server.py [--uploaders 8] [--files 20] [--readers 20] [--seconds 60] [--think 0.1]

Each uploader is one unit's clerk running `python -m etl ingest` for one file after another (so every upload goes
through the service's /cli route); each reader queries the `v_` views over Quack with the analysts' token, pausing
`--think` seconds after every three queries, for at least `--seconds` and until the last upload is done. Afterwards the same files are loaded into a single file without a service and the views compared.
The harness is the suite's (tests/test_quack_service.py, which runs it small); results: bench/results/one_server.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from common import RESULTS, ROOT, machine

sys.path.insert(0, str(ROOT / "tests"))
from test_quack_service import run_concurrency  # noqa: E402 - the suite's workbooks and harness


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploaders", type=int, default=8)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=0.1, help="a reader's pause after its three queries")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        report = run_concurrency(
            Path(folder),
            uploaders=args.uploaders,
            files_each=args.files,
            readers=args.readers,
            seconds=args.seconds,
            think=args.think,
            ports=(8789, 9489),
        )
    report["reader_errors_count"] = len(report["reader_errors"])
    report["reader_errors"] = report["reader_errors"][:20]
    report["machine"] = machine()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "one_server.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "machine"}, ensure_ascii=False, indent=2))
    ok = (
        report["loaded"] == report["versions"] == args.uploaders * args.files
        and not report["reader_errors"]
        and all(report["views_equal"].values())
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
