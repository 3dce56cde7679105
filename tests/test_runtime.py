"""The app's warehouse: a damaged or busy file is a Chinese page, not a traceback, and the app recovers after."""

from __future__ import annotations

import os

import pytest
from conftest import ROOT
from holder import held
from streamlit.testing.v1 import AppTest

from auth.sanitize import md_escape
from warehouse.db import Warehouse, busy_message, corrupt_message


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "my_data" / "wh.duckdb"  # an underscore pair would be Markdown italics if not escaped
    monkeypatch.setenv("MEDIATION_DB", str(path))
    return path


def run_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    return at


def test_a_damaged_warehouse_file_shows_a_chinese_page_naming_it_and_restore_backup(db):
    db.parent.mkdir()
    db.write_bytes(os.urandom(64 * 1024))
    at = run_app()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["数据仓库暂时无法打开"]
    assert [e.value for e in at.error] == [md_escape(corrupt_message(db))]
    assert "restore\\-backup" in at.error[0].value and md_escape(str(db)) in at.error[0].value
    db.unlink()  # after restore-backup (here: a fresh file) the next run opens it; the error was not cached
    Warehouse(db).close()
    after = run_app()
    assert ([t.value for t in after.title], after.error) == (["吉林省劳动人事争议调解监测平台"], [])  # the sign-in page


def test_a_warehouse_held_by_another_process_shows_a_chinese_page(db):
    Warehouse(db).close()
    with held(db) as holder:
        at = run_app()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        md_escape(
            busy_message(db, f"PID {holder.process.pid}")
            + "请稍后刷新本页；若一直如此，请联系管理员确认是否有命令行任务（如整库恢复）正在运行。"
        )
    ]
