"""Backups are private (0700/0600) and restore-backup never replaces a warehouse another process has open."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from builders import a1_row, form_workbook
from conftest import ROOT
from holder import held

from etl.ingest import ingest
from warehouse.backup import backup, restore_backup
from warehouse.db import Warehouse, WarehouseBusy


def etl(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loaded(tmp_path):
    """A warehouse file with one load, closed."""
    db = tmp_path / "wh.duckdb"
    wh = Warehouse(db)
    content = form_workbook("A", {"调解情况": [a1_row("220500", "市本级")]})
    assert ingest(wh, content, "通化市2025年3月.xlsx").status == "loaded"
    wh.close()
    return db


@pytest.fixture
def open_umask():
    """The loosest umask, so only an explicit chmod can make the modes private."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_a_backup_folder_is_0700_and_its_files_0600_whatever_the_umask(loaded, tmp_path, open_umask):
    folder = tmp_path / "备份" / "2025-04"
    wh = Warehouse(loaded, read_only=True)
    backup(wh, folder)
    wh.close()
    modes = {p.name: mode(p) for p in folder.iterdir()}
    assert "accounts.parquet" in modes and "schema.sql" in modes
    assert (mode(folder), set(modes.values())) == (0o700, {0o600})


def test_restore_backup_is_refused_while_another_process_holds_the_warehouse(loaded, tmp_path):
    folder = tmp_path / "backup"
    assert etl("backup", folder, "--db", loaded).returncode == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    with held(loaded):
        with pytest.raises(WarehouseBusy):
            restore_backup(folder, loaded)
        proc = etl("restore-backup", folder, "--db", loaded)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"数据仓库 {loaded} 正被另一个进程")
    assert proc.stderr.endswith(
        "恢复备份会替换整个仓库文件：请先停止应用和其他正在运行的命令，再运行 restore-backup。仓库文件未改动。\n"
    )
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before  # nothing moved or made


def test_restore_backup_replaces_a_damaged_file_and_keeps_it_aside(loaded, tmp_path):
    folder = tmp_path / "backup"
    assert etl("backup", folder, "--db", loaded).returncode == 0
    junk = os.urandom(64 * 1024)
    loaded.write_bytes(junk)
    moved = restore_backup(folder, loaded)
    assert moved.read_bytes() == junk
    wh = Warehouse(loaded, read_only=True)
    assert wh.scalar("select count(*) from versions") == 1
    wh.close()


def test_a_second_backup_into_a_used_folder_is_refused_in_chinese(loaded, tmp_path):
    folder = tmp_path / "backup"
    assert etl("backup", folder, "--db", loaded).returncode == 0
    again = etl("backup", folder, "--db", loaded)
    assert (again.returncode, again.stderr) == (1, f"备份目录 {folder} 不是空的，请换一个新目录\n")
