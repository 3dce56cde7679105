"""Acceptance: every workbook of tests/samples (our copy of the shared acceptance samples) gets exactly the outcome samples/README.md states, through
the real command line `python -m etl ingest FILE --db NEW --json` (one fresh warehouse per file)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import duckdb
import pytest
from conftest import ROOT, SAMPLES

EXPECTED = SAMPLES / "expected.json"
CASES = json.loads(EXPECTED.read_text(encoding="utf-8"))["cases"] if EXPECTED.exists() else []

RESULT_KEYS = {"file", "status", "form", "period", "version_id", "rows", "errors", "warnings"}
ISSUE_KEYS = {"sheet", "cell", "row", "column", "code", "message"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_samples_are_present():
    assert EXPECTED.exists(), f"找不到样例 {EXPECTED}（CI 把 shared/ 放在仓库旁边）"
    assert [c["id"] for c in CASES] == ["a", "b", "c", "d", "e"]
    for case in CASES:
        assert (SAMPLES / case["file"]).is_file(), case["file"]


def run_ingest(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", "ingest", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def assert_issue_format(issue: dict) -> None:
    """interfaces.md §1: issue = {sheet, cell, row, column, code, message}."""
    assert set(issue) == ISSUE_KEYS, issue
    assert issue["sheet"] is None or isinstance(issue["sheet"], str)
    assert issue["cell"] is None or re.fullmatch(r"[A-Z]{1,3}[1-9]\d*", issue["cell"]), issue
    assert issue["row"] is None or (isinstance(issue["row"], int) and issue["row"] >= 1), issue
    if issue["cell"]:
        assert issue["row"] == int(re.sub(r"\D", "", issue["cell"])), "row is the cell's row"
    assert issue["column"] is None or re.fullmatch(r"[a-z][a-z0-9_]*", issue["column"]), issue
    assert isinstance(issue["code"], str) and issue["code"]
    assert isinstance(issue["message"], str) and CHINESE.search(issue["message"]), "message is Chinese"


def assert_result_format(line: dict) -> None:
    """interfaces.md §1: one JSON object per file with exactly these keys and types."""
    assert set(line) == RESULT_KEYS, line.keys()
    assert line["status"] in ("loaded", "rejected")
    assert line["form"] in ("A", "B", "C", None)
    assert line["period"] is None or re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", line["period"])
    assert isinstance(line["rows"], dict) and all(
        isinstance(k, str) and isinstance(v, int) for k, v in line["rows"].items()
    )
    if line["status"] == "loaded":
        assert isinstance(line["version_id"], str) and line["version_id"]
        assert line["errors"] == []
    else:
        assert line["version_id"] is None
        assert line["errors"], "a rejected file says why"
    for issue in line["errors"] + line["warnings"]:
        assert_issue_format(issue)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Each sample ingested once into its own new warehouse: (process, parsed JSON lines, db path)."""
    done = {}
    for case in CASES:
        db = tmp_path_factory.mktemp(f"sample_{case['id']}") / "new.duckdb"
        proc = run_ingest(str(SAMPLES / case["file"]), "--db", str(db), "--json")
        lines = [json.loads(text) for text in proc.stdout.splitlines() if text.strip()]
        done[case["id"]] = (proc, lines, db)
    return done


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_sample_outcome(case, outcomes):
    proc, lines, db = outcomes[case["id"]]
    assert len(lines) == 1, f"one JSON line per file, got {proc.stdout!r} / {proc.stderr!r}"
    line = lines[0]
    assert_result_format(line)
    assert line["file"] == case["file"]
    assert line["status"] == case["expect"], line["errors"]
    assert proc.returncode == (0 if case["expect"] == "loaded" else 1)
    if case["expect"] == "loaded":
        assert line["form"] == case["form"] and line["period"] == case["period"]
        assert len(line["warnings"]) >= case["warnings_min"]
        con = duckdb.connect(str(db), read_only=True)
        try:
            for check in case["checks"]:
                rows = con.execute(check["sql"]).fetchall()
                assert len(rows) == 1 and rows[0][0] is not None, f"{check['what']}: {rows}"
                assert float(rows[0][0]) == pytest.approx(check["equals"], abs=0.01), check["what"]
        finally:
            con.close()
    else:
        for expected in [case["error"], *case.get("also_errors", [])]:
            assert any(matches(issue, expected) for issue in line["errors"]), (expected, line["errors"])


def matches(issue: dict, expected: dict) -> bool:
    """README: the same sheet, and the same cell, or the same row, or the same column (key, letter or header)."""
    if issue["sheet"] != expected["sheet"]:
        return False
    cells = {expected["cell"], *expected.get("alt_cells", [])}
    columns = {
        expected["column_key"],
        expected["column_letter"],
        *expected["column_header"],
        *expected.get("alt_columns", []),
    }
    return issue["cell"] in cells or issue["row"] == expected["row"] or issue["column"] in columns


def test_rejected_sample_names_both_cells_exactly(outcomes):
    """(d) has exactly two defects, each reported at its own cell with its rule (stricter than the README)."""
    proc, lines, _ = outcomes["d"]
    found = {(e["sheet"], e["cell"], e["column"]) for e in lines[0]["errors"]}
    assert found == {("调解情况", "C7", "accepted_total"), ("调解情况", "J11", "succeeded_total")}
    messages = " ".join(e["message"] for e in lines[0]["errors"])
    assert "49" in messages and "47" in messages and "19" in messages and "16" in messages


def test_rejected_sample_leaves_the_new_warehouse_empty(outcomes):
    _, _, db = outcomes["d"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select count(*) from versions").fetchall() == [(0,)]
        assert con.execute("select count(*) from v_mediation").fetchall() == [(0,)]
    finally:
        con.close()


def test_subtotal_rows_of_samples_raise_no_warning(outcomes):
    """(a) the 通化市 row equals 市本级 + six counties (梅河口 excluded): README says no warning at all;
    (b) the 长春市 row ('1,750' as text) equals its 16 rows: no subtotal warning."""
    assert outcomes["a"][1][0]["warnings"] == []
    assert [w for w in outcomes["b"][1][0]["warnings"] if w["code"] == "subtotal_mismatch"] == []
