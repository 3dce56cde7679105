"""The command line of interfaces.md §1, run as a user runs it: exit codes 0/1/2, template, history, restore."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import openpyxl
import pytest
from builders import a1_row, form_workbook
from conftest import ROOT, SAMPLES
from holder import held

from etl.cli import main
from etl.formdefs import load_form


def etl(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )


def lines(proc) -> list[dict]:
    return [json.loads(text) for text in proc.stdout.splitlines() if text.strip()]


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "通化市2025年3月.xlsx"
    good.write_bytes(
        form_workbook("A", {"调解情况": [a1_row("220500", "市本级"), a1_row("220502", "东昌区", scale=2)]})
    )
    corrected = tmp_path / "通化市2025年3月（更正）.xlsx"
    corrected.write_bytes(
        form_workbook("A", {"调解情况": [a1_row("220500", "市本级", scale=3), a1_row("220502", "东昌区", scale=4)]})
    )
    bad = tmp_path / "白山市2025年3月.xlsx"
    bad.write_bytes(form_workbook("A", {"调解情况": [a1_row("220600", "市本级", accepted_total=11)]}))
    return {"good": good, "corrected": corrected, "bad": bad, "db": tmp_path / "wh.duckdb"}


def accepted(db) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("select region_code, accepted_total from v_mediation order by 1").fetchall())
    finally:
        con.close()


def test_exit_codes_one_transaction_per_file(files):
    ok = etl("ingest", files["good"], "--db", files["db"], "--json")
    assert ok.returncode == 0, ok.stderr
    assert [(r["status"], r["rows"]) for r in lines(ok)] == [("loaded", {"调解情况": 2})]
    mixed = etl(
        "ingest",
        files["corrected"],
        files["bad"],
        files["good"].parent / "没有这个文件.xlsx",
        "--db",
        files["db"],
        "--json",
    )
    assert mixed.returncode == 1
    result = lines(mixed)
    assert [(r["file"], r["status"]) for r in result] == [
        ("通化市2025年3月（更正）.xlsx", "loaded"),
        ("白山市2025年3月.xlsx", "rejected"),
        (str(files["good"].parent / "没有这个文件.xlsx"), "skipped"),
    ]
    assert [e["code"] for e in result[1]["errors"]] == ["A1_ACCEPTED_SUM"]
    assert [e["code"] for e in result[2]["errors"]] == ["file_not_found"]
    assert accepted(files["db"]) == {"220500": 30, "220502": 40}  # the good file of the batch is in, the bad one not


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["nosuchcommand"],
        ["ingest"],
        ["ingest", "x.xlsx", "--period", "2025/3"],
        ["ingest", "x.xlsx", "--period", "2025-13"],
        ["template", "D"],
        ["template", "A", "--period", "三月"],
        ["demo", "--from", "2024-1"],
        ["ingest", "x.xlsx", "--wait", "abc"],
        ["ingest", "x.xlsx", "--wait", "-1"],
    ],
    ids=[
        "none",
        "unknown",
        "no-file",
        "period-slash",
        "period-13",
        "form-D",
        "template-period",
        "demo-from",
        "wait-text",
        "wait-negative",
    ],
)
def test_usage_errors_exit_2(args, tmp_path, capsys):
    """Argument errors stop in the parser (in process here: `python -m etl` is etl.cli.main)."""
    db = tmp_path / "wh.duckdb"
    with pytest.raises(SystemExit) as stop:
        main([*args, "--db", str(db)] if args and args[0] in ("ingest", "demo") else args)
    assert stop.value.code == 2
    assert "参数错误" in capsys.readouterr().err
    assert not db.exists()


def test_human_readable_output(files):
    proc = etl("ingest", files["good"], files["bad"], "--db", files["db"])
    assert proc.returncode == 1
    assert "✔ 已入库 通化市2025年3月.xlsx：表A 2025-03" in proc.stdout
    assert "✘ 未入库 白山市2025年3月.xlsx：1 个错误，仓库未改动" in proc.stdout
    assert "“调解情况”工作表 C5 单元格" in proc.stdout


def test_history_and_restore(files):
    first, second = lines(etl("ingest", files["good"], files["corrected"], "--db", files["db"], "--json"))
    listing = etl("history", "--db", files["db"])
    assert listing.returncode == 0
    rows = {row.split()[0]: row for row in listing.stdout.splitlines()}
    assert set(rows) == {first["version_id"], second["version_id"]}
    assert "当前" in rows[second["version_id"]] and "220500,220502" in rows[second["version_id"]]
    assert "已被替代" in rows[first["version_id"]] and "表A 2025-03" in rows[first["version_id"]]
    assert etl("history", "--db", files["db"], "--form", "B").stdout.strip() == "没有任何版本。"
    restored = etl("restore", first["version_id"], "--db", files["db"])
    assert restored.returncode == 0, restored.stderr
    assert first["version_id"] in restored.stdout
    assert accepted(files["db"]) == {"220500": 10, "220502": 20}
    assert etl("restore", "000000000000", "--db", files["db"]).returncode == 1


def test_template_round_trip(tmp_path):
    """A clerk's month: download the unit's template, fill every figure in Excel, upload it."""
    out = tmp_path / "通化模板.xlsx"
    made = etl("template", "A", "--region", "220500", "--period", "2025-03", "--out", out)
    assert made.returncode == 0 and out.exists(), made.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:4] == ["调解情况", "分行业", "重大集体争议", "预警信息"]
    ws = book["调解情况"]
    assert ws["A2"].value.endswith("通化市人力资源和社会保障局") and "2025年3月" in "".join(
        str(c.value) for c in ws[2] if c.value
    )
    keys = [c.key for c in load_form("A").sheet("调解情况").columns]
    regions = []
    for r in range(5, ws.max_row + 1):
        code = ws.cell(r, keys.index("region_code") + 1).value
        if not code:
            break
        regions.append(code)
        values = a1_row(code, scale=len(regions))
        for key, value in values.items():
            if key not in ("region_code", "region_name"):
                ws.cell(r, keys.index(key) + 1, value)
    assert regions == ["220500", "220502", "220503", "220521", "220523", "220524", "220582"]  # 梅河口 reports itself
    book.save(out)
    db = tmp_path / "wh.duckdb"
    loaded = lines(etl("ingest", out, "--db", db, "--json"))[0]
    assert (loaded["status"], loaded["form"], loaded["period"], loaded["rows"]) == (
        "loaded",
        "A",
        "2025-03",
        {"调解情况": 7, "分行业": 0, "重大集体争议": 0, "预警信息": 0},
    )
    assert sum(accepted(db).values()) == 10 * (1 + 2 + 3 + 4 + 5 + 6 + 7)


def test_template_default_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["template", "C", "--region", "222400", "--period", "2025-05"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["延边朝鲜族自治州2025年5月调解组织建设行动工作台账.xlsx"]
    assert main(["template", "B", "--region", "999999"]) == 2
    assert "999999" in capsys.readouterr().err


def test_restore_as_a_county_user_is_refused_like_in_the_app(tmp_path, capsys):
    """历史版本's rule on the command line too: only the admin or the owning city may restore."""
    from auth.accounts import add_account
    from etl.cli import main
    from warehouse.db import Warehouse

    db = tmp_path / "wh.duckdb"
    sample = SAMPLES / "梅河口市2025年3月劳动人事争议调解情况.xlsx"
    assert main(["ingest", str(sample), "--db", str(db)]) == 0
    assert main(["ingest", str(sample), "--db", str(db)]) == 0
    wh = Warehouse(db)
    first = wh.query("select version_id from versions order by loaded_at").rows()[0][0]
    add_account(wh, "dongchang", role="county", region_code="220502", password="S3cret-pass-1x", actor="admin")
    wh.close()
    capsys.readouterr()
    assert main(["restore", first, "--db", str(db), "--user", "dongchang"]) == 1
    assert "只有省级管理员和该地区所属市（州）的填报员可以恢复历史版本" in capsys.readouterr().err
    assert main(["restore", first, "--db", str(db)]) == 0


# ------------------------------------------------------------------ a busy, damaged or missing warehouse


def skipped(file, code: str, message: str) -> dict:
    return {
        "file": file.name,
        "status": "skipped",
        "form": None,
        "period": None,
        "version_id": None,
        "rows": {},
        "errors": [{"sheet": None, "cell": None, "row": None, "column": None, "code": code, "message": message}],
        "warnings": [],
    }


def test_ingest_while_another_process_holds_the_warehouse_skips_every_file_with_exit_1(files):
    assert etl("ingest", files["good"], "--db", files["db"]).returncode == 0
    with held(files["db"]) as holder:
        proc = etl("ingest", files["corrected"], files["bad"], "--db", files["db"], "--json")
        human = etl("ingest", files["corrected"], "--db", files["db"])
    reason = (
        f"数据仓库 {files['db']} 正被另一个进程（进程号 {holder.process.pid}）占用（通常是正在运行的应用或另一条命令），"
        "现在无法打开。请在应用的“数据上报”页面上传，或等占用的进程结束后再运行（可加 --wait 秒数 等待它结束）；"
        "restore-backup 等整库操作须先停止应用。"
    )
    assert (proc.returncode, lines(proc), proc.stderr) == (
        1,
        [skipped(files["corrected"], "warehouse_busy", reason), skipped(files["bad"], "warehouse_busy", reason)],
        reason + "\n",
    )
    assert (human.returncode, human.stdout) == (
        1,
        f"✘ 未处理 {files['corrected'].name}：数据仓库无法打开，本文件未入库\n",
    )
    assert accepted(files["db"]) == {"220500": 10, "220502": 20}  # the first load only


def test_ingest_with_wait_loads_once_the_holder_lets_go(files):
    with held(files["db"]) as holder:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "etl",
                "ingest",
                str(files["good"]),
                "--db",
                str(files["db"]),
                "--json",
                "--wait",
                "120",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        waiting = proc.stderr.readline()  # the CLI says it waits before it waits: the file is still held here
        holder.release()
        out, err = proc.communicate(timeout=180)
    assert waiting.endswith("现在无法打开。最多等待 120 秒……\n"), waiting + err
    assert proc.returncode == 0, err
    assert [json.loads(line)["status"] for line in out.splitlines()] == ["loaded"]
    assert accepted(files["db"]) == {"220500": 10, "220502": 20}


def test_history_opens_read_only_beside_another_reader_and_is_refused_beside_a_writer(files):
    assert etl("ingest", files["good"], "--db", files["db"]).returncode == 0
    with held(files["db"], read_only=True):
        shared = etl("history", "--db", files["db"])
    with held(files["db"]):
        busy = etl("history", "--db", files["db"])
    assert shared.returncode == 0 and "表A 2025-03" in shared.stdout, shared.stderr
    assert busy.returncode == 1 and busy.stdout == ""
    assert busy.stderr.startswith(f"数据仓库 {files['db']} 正被另一个进程") and "Traceback" not in busy.stderr


def test_history_of_a_missing_warehouse_says_so_and_creates_nothing(tmp_path):
    proc = etl("history", "--db", tmp_path / "没有.duckdb")
    assert (proc.returncode, proc.stderr) == (
        1,
        f"数据仓库文件 {tmp_path / '没有.duckdb'} 不存在。请检查 --db 或环境变量 MEDIATION_DB 指向的路径。\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_warehouse_file_is_a_chinese_message_naming_it_and_restore_backup(files):
    from warehouse.db import corrupt_message

    junk = os.urandom(64 * 1024)
    files["db"].write_bytes(junk)
    message = corrupt_message(files["db"])
    assert str(files["db"]) in message and "python -m etl restore-backup" in message
    ingest = etl("ingest", files["good"], "--db", files["db"], "--json")
    assert (ingest.returncode, lines(ingest), ingest.stderr) == (
        1,
        [skipped(files["good"], "warehouse_corrupt", message)],
        message + "\n",
    )
    for command in (
        ["history"],
        ["restore", "000000000000"],
        ["backup", files["db"].parent / "bk"],
        ["user", "list"],
        ["signals", "refresh"],
    ):
        proc = etl(*command, "--db", files["db"])
        assert (proc.returncode, proc.stderr) == (1, message + "\n"), command
    assert files["db"].read_bytes() == junk  # left as it was, for restore-backup to move aside


def test_a_batch_never_stops_at_a_bad_file(tmp_path):
    """good, a stored NaN, good: three lines, exit 1, both good files loaded; no traceback anywhere."""
    from builders import with_stored_number

    first, nan, last = tmp_path / "1.xlsx", tmp_path / "2.xlsx", tmp_path / "3.xlsx"
    first.write_bytes(form_workbook("A", {"调解情况": [a1_row("220500", "市本级")]}))
    nan.write_bytes(
        with_stored_number(form_workbook("A", {"调解情况": [a1_row("220600", "市本级")]}), "R5", "NaN")
    )  # 涉案金额
    last.write_bytes(form_workbook("A", {"调解情况": [a1_row("220502", "东昌区", scale=2)]}))
    proc = etl("ingest", first, nan, last, "--db", tmp_path / "wh.duckdb", "--json")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert [(r["file"], r["status"], [(e["cell"], e["code"]) for e in r["errors"]]) for r in lines(proc)] == [
        ("1.xlsx", "loaded", []),
        ("2.xlsx", "rejected", [("R5", "not_finite")]),
        ("3.xlsx", "loaded", []),
    ]
    assert accepted(tmp_path / "wh.duckdb") == {"220500": 10, "220502": 20}


def test_a_file_name_cannot_forge_a_line_and_a_long_path_is_a_skipped_line(tmp_path):
    forged = tmp_path / "白山\n✔ 已入库 伪造.xlsx"
    forged.write_bytes(form_workbook("A", {"调解情况": [a1_row("220600", "市本级", accepted_total=11)]}))
    too_long = tmp_path / ("长" * 100 + ".xlsx")  # 300 bytes: longer than a file system allows
    human = etl("ingest", forged, too_long, "--db", tmp_path / "wh.duckdb")
    assert human.returncode == 1 and "Traceback" not in human.stderr, human.stderr
    assert [line for line in human.stdout.splitlines() if line.startswith("✔")] == []
    assert human.stdout.splitlines()[0] == "✘ 未入库 白山\\n✔ 已入库 伪造.xlsx：1 个错误，仓库未改动"
    assert (
        human.stdout.splitlines()[-1]
        == f"✘ 未处理 {too_long}：无法读取文件 {too_long}：文件名或路径过长。请检查路径和文件后重试。"
    )
    machine = etl("ingest", too_long, "--db", tmp_path / "wh.duckdb", "--json")
    assert machine.returncode == 1
    [line] = lines(machine)
    assert (line["status"], [e["code"] for e in line["errors"]]) == ("skipped", ["file_unreadable"])
