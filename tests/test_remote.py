"""etl/remote.py: the CLI's dispatch layer — a command run inside the app on its open warehouse (output captured per
thread, the warehouse never closed by it, files only as sent), and the CLI's choice between the service, a refusal
and opening the file itself (stale or missing service file)."""

from __future__ import annotations

import base64
import json
import os
import threading

import pytest
from builders import a1_row, form_workbook

from etl import remote
from etl.cli import main
from warehouse.quack import service_file


def _sent(name: str, content: bytes) -> dict:
    return {"name": name, "content": base64.b64encode(content).decode("ascii")}


def test_a_command_runs_on_the_apps_warehouse_and_leaves_it_open(empty_warehouse):
    done = remote.run_here(empty_warehouse, {"argv": ["history"]})
    assert done == {"code": 0, "stdout": "没有任何版本。\n", "stderr": ""}
    good = form_workbook("A", {"调解情况": [a1_row("220500", "市本级")]})
    done = remote.run_here(
        empty_warehouse,
        {
            "argv": ["ingest", "--json", "/clerk/通化.xlsx", "/clerk/missing.xlsx"],
            "files": [
                _sent("/clerk/通化.xlsx", good),
                {
                    "name": "/clerk/missing.xlsx",
                    "content": None,
                    "issue": {"code": "file_not_found", "message": "找不到文件"},
                },
            ],
        },
    )
    results = [json.loads(line) for line in done["stdout"].splitlines()]
    assert [r["status"] for r in results] == ["loaded", "skipped"] and done["code"] == 1
    assert results[1]["errors"][0]["code"] == "file_not_found"
    assert empty_warehouse.scalar("select count(*) from versions") == 1  # still open, and the load is the app's


def test_a_file_not_sent_is_never_read_from_the_apps_disk(empty_warehouse, tmp_path):
    on_server = tmp_path / "server_only.xlsx"
    on_server.write_bytes(form_workbook("A", {"调解情况": [a1_row("220500", "市本级")]}))
    done = remote.run_here(empty_warehouse, {"argv": ["ingest", "--json", str(on_server)], "files": []})
    assert json.loads(done["stdout"])["status"] == "skipped"
    assert empty_warehouse.scalar("select count(*) from versions") == 0


def test_whole_file_commands_are_not_run_by_the_app(empty_warehouse, tmp_path):
    done = remote.run_here(empty_warehouse, {"argv": ["restore-backup", str(tmp_path)]})
    assert done["code"] == 2 and "不能通过服务运行" in done["stderr"]
    assert remote.run_here(empty_warehouse, {"argv": ["history", "--bogus"]})["code"] == 2


def test_output_is_captured_per_thread(empty_warehouse, capsys):
    outside: list[str] = []

    def other_thread():
        print("页面日志")
        outside.append("done")

    done = remote.run_here(empty_warehouse, {"argv": ["history"]})
    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert "页面日志" not in done["stdout"] and "页面日志" in capsys.readouterr().out


def _service_file(db, pid: int, http: str | None) -> None:
    service_file(db).write_text(json.dumps({"pid": pid, "db": str(db), "quack": None, "http": http, "token": "t" * 20}))


def test_restore_backup_is_refused_while_a_service_runs(tmp_path, capsys):
    db = tmp_path / "wh.duckdb"
    db.write_bytes(b"")
    _service_file(db, os.getpid(), "http://127.0.0.1:9")  # this very process plays the live service
    assert main(["restore-backup", str(tmp_path), "--db", str(db)]) == 1
    assert "应用运行时不能进行" in capsys.readouterr().err and db.read_bytes() == b""


def test_an_unreachable_service_skips_every_file_and_changes_nothing(tmp_path, capsys):
    db = tmp_path / "wh.duckdb"
    _service_file(db, os.getpid(), "http://127.0.0.1:9")  # nothing listens on port 9
    book = tmp_path / "a.xlsx"
    book.write_bytes(form_workbook("A", {"调解情况": [a1_row("220500", "市本级")]}))
    assert main(["ingest", "--json", str(book), "--db", str(db)]) == 1
    line = json.loads(capsys.readouterr().out)
    assert line["status"] == "skipped" and line["errors"][0]["code"] == "warehouse_busy"
    assert not db.exists()


@pytest.mark.parametrize("stale", ["dead", "garbled"])
def test_without_a_live_service_the_cli_opens_the_file_itself(tmp_path, capsys, stale):
    db = tmp_path / "wh.duckdb"
    if stale == "dead":
        _service_file(db, 2**22 + 12345, "http://127.0.0.1:9")  # above Linux's default pid_max: no such process
    else:
        service_file(db).write_text("{")
    book = tmp_path / "a.xlsx"
    book.write_bytes(form_workbook("A", {"调解情况": [a1_row("220500", "市本级")]}))
    assert main(["ingest", "--json", str(book), "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "loaded"


def test_an_unexpected_failure_in_the_app_is_exit_1_with_a_chinese_line(empty_warehouse, monkeypatch):
    import warehouse.history_scope as history_scope

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(history_scope, "history_lines", broken)
    done = remote.run_here(empty_warehouse, {"argv": ["history"]})
    assert done["code"] == 1 and "意外错误" in done["stderr"] and "boom" not in done["stderr"]
