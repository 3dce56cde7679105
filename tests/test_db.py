"""Opening the warehouse file: busy, waiting, read-only, missing and damaged files give Chinese errors."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from holder import held

from warehouse.db import Warehouse, WarehouseBusy, WarehouseCorrupt, WarehouseMissing, corrupt_message, exclusive_lock


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "wh.duckdb"
    Warehouse(path).close()
    return path


def test_a_file_of_random_bytes_is_reported_as_damaged_with_the_way_to_restore_it(tmp_path):
    path = tmp_path / "wh.duckdb"
    path.write_bytes(os.urandom(64 * 1024))
    for read_only in (False, True):
        with pytest.raises(WarehouseCorrupt) as problem:
            Warehouse(path, read_only=read_only)
        assert str(problem.value) == corrupt_message(path)
    assert str(path) in corrupt_message(path) and "已损坏" in corrupt_message(path)
    assert f"python -m etl restore-backup 备份目录 --db {path}" in corrupt_message(path)


def test_a_damaged_block_inside_a_real_warehouse_is_reported_as_damaged(db, tmp_path):
    damaged = tmp_path / "damaged.duckdb"
    shutil.copy(db, damaged)
    with damaged.open("r+b") as out:  # the block after the headers: the catalog DuckDB reads on opening
        out.seek(12288)
        out.write(os.urandom(4096))
    with pytest.raises(WarehouseCorrupt, match="已损坏"):
        Warehouse(damaged)


def test_a_file_held_by_another_process_is_busy_in_chinese_with_its_process_id(db):
    with held(db) as holder:
        with pytest.raises(WarehouseBusy) as problem:
            Warehouse(db)
    assert str(problem.value) == (
        f"数据仓库 {db} 正被另一个进程（进程号 {holder.process.pid}）占用"
        "（通常是正在运行的应用或另一条命令），现在无法打开。"
    )


def test_waiting_opens_the_file_once_the_holder_lets_go(db):
    notes = []
    with held(db) as holder:

        def release_when_waiting(note):  # called once the open found the file busy and starts to wait
            notes.append(note)
            threading.Thread(target=holder.release).start()

        wh = Warehouse(db, wait=120, on_wait=release_when_waiting)
    assert wh.scalar("select count(*) from versions") == 0
    wh.close()
    assert len(notes) == 1 and notes[0].endswith("最多等待 120 秒……")


def test_read_only_opening_shares_the_file_with_another_read_only_process(db):
    with held(db, read_only=True):
        wh = Warehouse(db, read_only=True)
        assert wh.scalar("select count(*) from versions") == 0
        wh.close()
        with pytest.raises(WarehouseBusy):
            Warehouse(db)  # writing still needs the file to itself


def test_reading_a_missing_warehouse_does_not_create_it(tmp_path):
    path = tmp_path / "没有.duckdb"
    with pytest.raises(WarehouseMissing, match="不存在"):
        Warehouse(path, read_only=True)
    assert not path.exists()


def test_the_exclusive_lock_is_refused_while_any_process_has_the_file_open(db):
    for read_only in (False, True):
        with held(db, read_only=read_only):
            with pytest.raises(WarehouseBusy), exclusive_lock(db):
                pass
    with exclusive_lock(db):
        pass  # free once nobody holds it


def test_a_file_written_by_a_newer_duckdb_is_named_with_the_way_back(tmp_path):
    """A warehouse written by duckdb 2.0 (before the move to 1.5.5): a Chinese message with backup/restore-backup."""
    import gzip

    from warehouse.db import WarehouseTooNew

    path = tmp_path / "old_deploy.duckdb"
    path.write_bytes(gzip.decompress((Path(__file__).parent / "data" / "written_by_duckdb_2_0.duckdb.gz").read_bytes()))
    for read_only in (True, False):
        with pytest.raises(WarehouseTooNew) as problem:
            Warehouse(path, read_only=read_only)
        assert "较新版本的 DuckDB" in str(problem.value) and "restore-backup" in str(problem.value)
    assert path.stat().st_size > 0  # untouched


# ------------------------------------------------------------------ the schema on a writable open
def _settings_rows(path: Path) -> list[tuple]:
    wh = Warehouse(path, read_only=True)
    try:
        return wh.query("select * from cfg_setting order by key").rows()
    finally:
        wh.close()


def test_an_open_records_what_the_schema_was_built_from_and_a_later_open_finds_it(db):
    from warehouse import config
    from warehouse.db import schema_fingerprint

    wh = Warehouse(db)
    try:
        assert wh.query("select fingerprint from schema_state").rows() == [(schema_fingerprint(config.settings()),)]
    finally:
        wh.close()


def test_settings_written_by_hand_are_replaced_by_the_configured_ones_on_the_next_open(db):
    from warehouse import config

    configured = _settings_rows(db)
    settings = config.settings()
    wh = Warehouse(db)
    wh.write_settings({**settings, "reporting": {**settings["reporting"], "due_day": 28}})
    wh.close()
    assert ("due_day", 28, None) in _settings_rows(db)
    Warehouse(db).close()
    assert _settings_rows(db) == configured


def test_a_changed_setting_is_written_on_the_next_open(db, monkeypatch):
    from warehouse import config

    settings = config.settings()
    later = {**settings, "reporting": {**settings["reporting"], "due_day": 25}}
    monkeypatch.setattr(config, "settings", lambda: later)
    Warehouse(db).close()
    assert [row[1] for row in _settings_rows(db) if row[0] == "due_day"] == [25]


def test_a_missing_serving_table_or_view_is_rebuilt_on_the_next_open(db):
    """As after restore-backup, which brings back the tables and leaves the views to the next open."""
    import duckdb

    con = duckdb.connect(str(db))
    con.execute("drop table page_mediation")
    con.execute("drop view v_signals")
    con.close()
    Warehouse(db).close()
    wh = Warehouse(db, read_only=True)
    try:
        assert wh.scalar("select count(*) from duckdb_tables() where table_name = 'page_mediation'") == 1
        assert wh.scalar("select count(*) from duckdb_views() where view_name = 'v_signals'") == 1
    finally:
        wh.close()


def test_a_warehouse_from_before_the_schema_record_is_built_on_open_and_recorded(db):
    import duckdb

    con = duckdb.connect(str(db))
    con.execute("drop table schema_state")
    con.execute("drop view v_mediation")
    con.close()
    Warehouse(db).close()
    wh = Warehouse(db, read_only=True)
    try:
        assert wh.scalar("select count(*) from schema_state") == 1
        assert wh.scalar("select count(*) from duckdb_views() where view_name = 'v_mediation'") == 1
    finally:
        wh.close()
