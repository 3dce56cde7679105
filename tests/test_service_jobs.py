"""Scheduled jobs (service/jobs.py): registered from [jobs], run on demand and audited, a failure shown on
参数设置, the nightly backup restorable, the 催报 list of units that have not reported."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import ROOT, SAMPLES
from streamlit.testing.v1 import AppTest

from service import jobs

TONGHUA_MARCH = "通化市2025年3月劳动人事争议调解情况月报.xlsx"


@pytest.fixture
def loaded(tmp_path):
    from etl.ingest import ingest
    from warehouse.db import Warehouse

    wh = Warehouse(tmp_path / "wh.duckdb")
    assert ingest(wh, (SAMPLES / TONGHUA_MARCH).read_bytes(), TONGHUA_MARCH).status == "loaded"
    yield wh
    wh.close()


@pytest.fixture
def config_with(tmp_path, monkeypatch):
    """Point MEDIATION_CONFIG at settings.toml with the given [jobs] lines appended."""

    def write(jobs_lines: str):
        text = (ROOT / "config" / "settings.toml").read_text(encoding="utf-8")
        start = text.index("[jobs]")
        end = text.index("\n[", start + 1)
        path = tmp_path / "settings.toml"
        path.write_text(text[:start] + "[jobs]\n" + jobs_lines + text[end:], encoding="utf-8")
        monkeypatch.setenv("MEDIATION_CONFIG", str(path))

    return write


def test_the_scheduler_registers_every_job_with_the_times_of_the_config(config_with, loaded):
    config_with('signals_refresh = "01:15"\nbackup = "03:05"\nbackup_dir = "b"\nbackup_keep = 3\nreminders = "09:30"\n')
    scheduler = jobs.JobScheduler(lambda: loaded)
    triggers = {job.id: str(job.trigger) for job in scheduler._scheduler.get_jobs()}
    assert triggers == {
        "signals_refresh": "cron[hour='1', minute='15']",
        "backup": "cron[hour='3', minute='5']",
        "reminders": "cron[day='10', hour='9', minute='30']",
    }
    assert {k: v["text"] for k, v in jobs.schedules().items()} == {
        "signals_refresh": "每天 01:15",
        "backup": "每天 03:05",
        "reminders": "每月 10 日（报送截止日）09:30",
    }


def test_a_malformed_time_in_the_config_is_refused_in_chinese(config_with):
    config_with('signals_refresh = "25:00"\n')
    with pytest.raises(ValueError, match="HH:MM"):
        jobs.schedules()


def test_a_job_run_on_demand_is_recorded_in_the_audit_log(loaded):
    detail = jobs.run_job(loaded, "signals_refresh", now=dt.datetime(2025, 4, 20, 2, 0), actor="boss")
    assert (detail["outcome"], detail["by"]) == ("ok", "boss")
    row = loaded.query("select actor, action, target, detail from audit_log where action = 'job_run'").to_dicts()
    assert [(r["actor"], r["action"], r["target"]) for r in row] == [("系统任务", "job_run", "signals_refresh")]
    assert json.loads(row[0]["detail"])["outcome"] == "ok"
    assert jobs.failed_jobs(loaded) == []


def test_a_failing_job_is_recorded_and_does_not_raise(loaded, monkeypatch):
    def broken(wh, now):
        raise OSError("磁盘已满")

    monkeypatch.setitem(jobs.JOBS, "backup", jobs.Job("backup", "整库备份（保留最近若干份）", broken))
    detail = jobs.run_job(loaded, "backup")
    assert (detail["outcome"], detail["message"]) == ("failed", "OSError: 磁盘已满")
    assert jobs.failed_jobs(loaded) == ["backup"]


@pytest.fixture
def settings_page_after_a_failed_backup(loaded, monkeypatch):
    """The settings page (not yet run) over a warehouse whose last backup run failed with 磁盘已满."""

    def broken(wh, now):
        raise OSError("磁盘已满")

    monkeypatch.setitem(jobs.JOBS, "backup", jobs.Job("backup", "整库备份（保留最近若干份）", broken))
    jobs.run_job(loaded, "backup")
    loaded.close()
    monkeypatch.setenv("MEDIATION_DB", str(loaded.path))
    return AppTest.from_file(str(ROOT / "pages" / "settings.py"), default_timeout=60)


def test_a_failed_job_is_shown_to_the_administrator_on_the_settings_page(settings_page_after_a_failed_backup):
    from auth.viewer import PROVINCE_ADMIN

    at = settings_page_after_a_failed_backup
    at.session_state["viewer"] = PROVINCE_ADMIN
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "定时任务“整库备份（保留最近若干份）”最近一次运行失败：OSError: 磁盘已满。"
        "请检查服务器日志和配置后点击上方“立即运行”重试。"
    ]
    table = at.dataframe[-1].value
    backup = table[table["任务"] == "整库备份（保留最近若干份）"].iloc[0]
    assert (backup["结果"], backup["说明"], backup["下次运行"]) == ("失败", "失败原因：OSError: 磁盘已满", "—")


def test_a_clerk_does_not_get_the_run_buttons_or_the_failure_banner(settings_page_after_a_failed_backup):
    from auth.viewer import Viewer

    at = settings_page_after_a_failed_backup
    at.session_state["viewer"] = Viewer(name="tonghua_city", role="city", region_code="220500")
    at.run()
    assert (len(at.error), [b.label for b in at.button if b.label.startswith("立即运行")]) == (0, [])


def test_the_nightly_backup_restores_to_a_warehouse_whose_views_equal_the_original(loaded, tmp_path, config_with):
    from warehouse.backup import restore_backup
    from warehouse.db import Warehouse

    config_with(f'backup_dir = "{tmp_path / "backups"}"\nbackup_keep = 2\n')
    made = [
        jobs.run_job(loaded, "backup", now=dt.datetime(2025, 4, day, 2, 30))["result"]["folder"] for day in (1, 2, 3)
    ]
    kept = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert kept == ["backup-20250402-023000", "backup-20250403-023000"]  # retention: the newest two
    views = [
        r[0]
        for r in loaded.query(
            "select view_name from duckdb_views() where not internal and view_name like 'v\\_%' escape '\\' order by 1"
        ).rows()
    ]
    original = {v: loaded.query(f'select * from "{v}" order by all') for v in views}
    restored_db = tmp_path / "restored.duckdb"
    restore_backup(tmp_path / "backups" / "backup-20250403-023000", restored_db)
    restored = Warehouse(restored_db)
    try:
        assert len(views) >= 8
        for view in views:
            assert restored.query(f'select * from "{view}" order by all').equals(original[view]), view
    finally:
        restored.close()
    assert made[-1].endswith("backup-20250403-023000")


def test_the_reminder_list_names_each_unit_and_the_forms_it_has_not_reported(loaded):
    detail = jobs.run_job(loaded, "reminders", now=dt.datetime(2025, 4, 10, 8, 0))
    result = detail["result"]
    assert (result["period"], result["due_on"]) == ("2025-03", "2025-04-10")
    by_unit = {u["unit_code"]: u["forms"] for u in result["units"]}
    assert by_unit["220500"] == ["B", "C"]  # 通化市 sent form A for March
    assert by_unit["220100"] == ["A", "B", "C"]
    assert len(by_unit) == len(loaded.region_index().units) == 11  # every reporting unit (not the province)
