"""Hostile workbooks cannot crash or starve the service (issue 9, items 4, 5, 8 and the hostile suite).

Every crafted file of hostile_files.py goes through `python -m etl ingest FILE… --json` in a child process
under an address-space cap (so a regression fails here instead of taking the machine down). For each file:
exit 0 or 1, no traceback, one JSON line; when refused, Chinese messages that name the sheet and cell the
case names; the warehouse's views unchanged unless the file loaded; the child's peak RSS at most 600 MB
(measured by os.wait4 for that child alone, so other tests' children never count).

Files that must be refused share a few CLI calls (one JSON line per file; the views are compared around each
call, which loads nothing); files that may load run one per call, so each one's effect is seen alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT
from hostile_files import Case, all_cases

PEAK_RSS_MB = 600
ADDRESS_SPACE_CAP = 4 * 1024**3  # DuckDB and polars reserve ~2 GB of address space they never touch
CJK = re.compile(r"[\u4e00-\u9fff]")
CASES = {case.name: case for case in all_cases()}


@dataclass
class Outcome:
    line: dict | None
    exit_code: int
    stderr: str
    peak_rss_mb: float
    views_changed: bool


def cap_memory():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def run_ingest(db: Path, paths: list[Path], work: Path) -> tuple[int, list[dict], str, float]:
    """(exit code, JSON lines, stderr, peak RSS in MB) of one `ingest` child."""
    out, err = work / "stdout.txt", work / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "etl", "ingest", *map(str, paths), "--db", str(db), "--json"],
            cwd=ROOT,
            stdout=stdout,
            stderr=stderr,
            preexec_fn=cap_memory,
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    return child.returncode, lines, err.read_text(encoding="utf-8", errors="replace"), usage.ru_maxrss / 1024


def views_digest(db: Path) -> str:
    """One hash over every public view's rows (the warehouse as the pages see it)."""
    from warehouse.db import Warehouse

    wh = Warehouse(db)
    try:
        digest = hashlib.sha256()
        for (view,) in wh.query(
            "select table_name from information_schema.tables where table_type = 'VIEW' "
            "and table_name like 'v\\_%' escape '\\' order by 1"
        ).rows():
            from warehouse.db import quote_ident

            digest.update(
                view.encode() + repr(wh.query(f"select * from {quote_ident(view)} order by all").rows()).encode()
            )
        return digest.hexdigest()
    finally:
        wh.close()


@pytest.fixture(scope="session")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    """Every case's outcome: files built once, refused-only batches together, may-load files one by one."""
    from conftest import SAMPLES

    from etl.ingest import ingest
    from warehouse.db import Warehouse

    work = tmp_path_factory.mktemp("hostile")
    db = work / "wh.duckdb"
    wh = Warehouse(db)  # one earlier month loaded, so "unchanged" compares real rows, not empty views
    sample = "梅河口市2025年3月劳动人事争议调解情况.xlsx"
    ingest(wh, (SAMPLES / sample).read_bytes(), sample)
    wh.close()
    files = work / "files"
    files.mkdir()
    paths = {}
    for name, case in CASES.items():
        paths[name] = files / name
        paths[name].write_bytes(case.build())
    results: dict[str, Outcome] = {}
    refused = [n for n, c in CASES.items() if not c.may_load]
    batches = [refused[i : i + 12] for i in range(0, len(refused), 12)] + [[n] for n, c in CASES.items() if c.may_load]
    for batch in batches:
        before = views_digest(db)
        code, lines, stderr, rss = run_ingest(db, [paths[n] for n in batch], work)
        # a file wrongly loaded fails on its own; the others of its call cannot be judged by the views then
        changed = views_digest(db) != before and not any(line["status"] == "loaded" for line in lines)
        by_file = {line["file"]: line for line in lines}
        for name in batch:
            results[name] = Outcome(by_file.get(Path(paths[name]).name), code, stderr, rss, changed)
    return results


def problems(case: Case, outcome: Outcome) -> list[str]:
    """Everything wrong with one file's outcome, as readable sentences (empty: all is well)."""
    found = []
    if outcome.exit_code not in (0, 1):
        found.append(f"exit code {outcome.exit_code}")
    if "Traceback" in outcome.stderr:
        found.append("traceback: " + outcome.stderr[-800:])
    if outcome.peak_rss_mb > PEAK_RSS_MB:
        found.append(f"peak RSS {outcome.peak_rss_mb:.0f} MB")
    line = outcome.line
    if line is None:
        return found + ["no JSON line for the file"]
    if line["status"] == "loaded":
        if not case.may_load:
            found.append("loaded, but must be refused")
        return found
    if outcome.views_changed:
        found.append("refused, yet the warehouse's views changed")
    errors = line["errors"]
    if not errors:
        found.append("refused without an error")
    for error in errors:
        if not CJK.search(error["message"]):
            found.append(f"message not in Chinese: {error['message'][:200]}")
    if case.codes and not {e["code"] for e in errors} <= case.codes:
        found.append(f"codes {sorted({e['code'] for e in errors})}, expected within {sorted(case.codes)}")
    if case.sheet and not any(e["sheet"] == case.sheet and f"“{case.sheet}”" in e["message"] for e in errors):
        found.append(f"no message names the sheet {case.sheet}: {[e['message'][:200] for e in errors]}")
    if case.cell and not any(e["cell"] == case.cell and case.cell in e["message"] for e in errors):
        found.append(f"no message names the cell {case.cell}: {[e['message'][:200] for e in errors]}")
    return found


def test_the_generator_makes_at_least_sixty_files_of_every_kind():
    assert len(CASES) >= 60
    kinds = [
        "截断",
        "CSV",
        "Word",
        "加密",
        "OLE",
        "xlsb",
        "炸弹",
        "实体",
        "XXE",
        "远端单元格",
        "一百万行",
        "16384列",
        "一兆字符串",
        "NaN",
        "inf",
        "统计期",
        "零宽",
        "从右到左",
        "形近字",
        "两张调解情况",
        "隐藏",
        "改了名",
        "多余",
        "公式没有缓存值",
        "长长长",
    ]
    assert [k for k in kinds if not any(k in name for name in CASES)] == []


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_file_gets_a_chinese_answer_and_harms_nothing(outcomes, name):
    assert problems(CASES[name], outcomes[name]) == []
