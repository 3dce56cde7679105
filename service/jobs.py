"""Scheduled jobs inside the service (APScheduler in the ASGI lifespan): early-warning refresh, nightly backup
with retention, and the 催报 list on the due day.

DuckDB lets one process open the warehouse and the service is that process, so jobs run here, on the service's
own Warehouse, never as an external cron. Every run is recorded in audit_log (actor 系统任务, action job_run,
target the job id, detail: outcome, started, duration_s, message and the job's result); the 参数设置 page, the
administrators' failed-job banner and /healthz all read it back from there, so they agree after a restart.
Schedules are in config/settings.toml [jobs].
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from warehouse import config

ACTOR = "系统任务"
BACKUP_NAME = re.compile(r"^backup-\d{8}-\d{6}$")


@dataclass(frozen=True)
class Job:
    id: str
    label: str
    run: Callable  # (wh, now) -> dict of results (JSON-able); raises on failure


def job_settings() -> dict:
    values = {
        "signals_refresh": "02:00",
        "backup": "02:30",
        "backup_dir": "backups",
        "backup_keep": 14,
        "reminders": "08:00",
        "enabled": True,
    }
    values.update(config.settings().get("jobs", {}))
    return values


def _hh_mm(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", str(value).strip())
    if not match:
        raise ValueError(f"[jobs] 的时间“{value}”格式不对：请写成 24 小时制的 HH:MM，例如 02:30。")
    return int(match.group(1)), int(match.group(2))


def due_day() -> int:
    return int(config.settings()["reporting"]["due_day"])


def schedules() -> dict[str, dict]:
    """Per job: APScheduler cron fields and the Chinese description shown on 参数设置."""
    cfg = job_settings()
    out = {}
    for job_id in ("signals_refresh", "backup"):
        hour, minute = _hh_mm(cfg[job_id])
        out[job_id] = {"cron": {"hour": hour, "minute": minute}, "text": f"每天 {hour:02d}:{minute:02d}"}
    hour, minute = _hh_mm(cfg["reminders"])
    out["reminders"] = {
        "cron": {"day": due_day(), "hour": hour, "minute": minute},
        "text": f"每月 {due_day()} 日（报送截止日）{hour:02d}:{minute:02d}",
    }
    if "lake_maintain" in JOBS:  # only for a lake (see JOBS)
        hour, minute = _hh_mm(cfg.get("lake_maintain", "03:30"))
        out["lake_maintain"] = {"cron": {"hour": hour, "minute": minute}, "text": f"每天 {hour:02d}:{minute:02d}"}
    return out


# ---------------------------------------------------------------- the jobs
def refresh_signals(wh, now: dt.datetime) -> dict:
    """风险预警每日刷新: R6 迟报未报 needs a daily run to flag reports that never arrive."""
    from warehouse.signals import open_level_counts, refresh_all

    counts = refresh_all(wh, now=now)
    return {
        "new": counts["new"],
        "reopened": counts["reopened"],
        "resolved": counts["resolved"],
        "open": dict(open_level_counts(wh)),
    }


def backup_dir(wh) -> Path:
    configured = Path(job_settings()["backup_dir"])
    return configured if configured.is_absolute() else Path(wh.path).resolve().parent / configured


def nightly_backup(wh, now: dt.datetime) -> dict:
    """整库备份 into [jobs] backup_dir/backup-YYYYMMDD-HHMMSS, keeping the newest backup_keep backups."""
    from warehouse.backup import backup

    root = backup_dir(wh)
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"backup-{now:%Y%m%d-%H%M%S}"
    backup(wh, folder)
    keep = max(1, int(job_settings()["backup_keep"]))
    existing = sorted(p for p in root.iterdir() if p.is_dir() and BACKUP_NAME.match(p.name))
    removed = []
    for old in existing[:-keep]:  # only folders this job made (its own name pattern), oldest first
        shutil.rmtree(old)
        removed.append(old.name)
    return {"folder": str(folder), "kept": min(len(existing), keep), "removed": removed}


def previous_period(today: dt.date) -> str:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"


def missing_reports(wh, period: str) -> list[dict]:
    """Reporting units × forms with nothing loaded for period: [{unit_code, unit_name, forms: [A, C]}]."""
    rows = wh.query(
        """
        with units as (select code, name from ref_region where code = unit_code and kind <> 'province'),
        forms as (select * from (values ('A'), ('B'), ('C')) as f(form)),
        loaded as (
            select distinct v.form, r.unit_code
            from versions as v
            join version_regions as vr on vr.version_id = v.version_id
            join ref_region as r on r.code = vr.region_code
            where v.period = ?
        )
        select u.code as unit_code, u.name as unit_name, list(f.form order by f.form) as forms
        from units as u cross join forms as f
        left join loaded as l on l.unit_code = u.code and l.form = f.form
        where l.unit_code is null
        group by all
        order by u.code
    """,
        [period],
    ).to_dicts()
    return [{"unit_code": r["unit_code"], "unit_name": r["unit_name"], "forms": list(r["forms"])} for r in rows]


def reminders(wh, now: dt.datetime) -> dict:
    """催报名单: on the due day, the units that have not reported last month's forms."""
    period = previous_period(now.date())
    units = missing_reports(wh, period)
    return {"period": period, "due_on": f"{now.date().replace(day=due_day()):%Y-%m-%d}", "units": units}


def lake_maintenance(wh, now: dt.datetime) -> dict:
    """数据湖维护: merge small files, expire old snapshots (warehouse/lake.py); only scheduled for a lake."""
    from warehouse.lake import maintain

    return maintain(wh, keep_days=float(job_settings().get("lake_keep_days", 7)))


def lake_configured() -> bool:
    from warehouse.lake import Lake

    return Lake.from_config() is not None


JOBS = {
    "signals_refresh": Job("signals_refresh", "风险预警每日刷新（含 R6 迟报未报）", refresh_signals),
    "backup": Job("backup", "整库备份（保留最近若干份）", nightly_backup),
    "reminders": Job("reminders", "催报名单（报送截止日）", reminders),
}
LAKE_JOB = Job("lake_maintain", "数据湖维护（合并小文件、清理过期快照）", lake_maintenance)
try:
    if lake_configured():  # a warehouse file has nothing to merge or expire: the job exists only for a lake
        JOBS[LAKE_JOB.id] = LAKE_JOB
except ValueError:  # a half-configured lake: opening the warehouse reports it
    pass
_RUN_LOCK = threading.Lock()  # one job at a time: they share the warehouse and the 2-core server


def run_job(wh, job_id: str, *, now: dt.datetime | None = None, actor: str = ACTOR) -> dict:
    """Run one job now and record the run in audit_log; returns the recorded detail (never raises)."""
    from service import logs

    job = JOBS[job_id]
    now = now or dt.datetime.now().replace(microsecond=0)
    started = time.perf_counter()
    with _RUN_LOCK:
        try:
            result, outcome, message = job.run(wh, now), "ok", "完成"
        except Exception as failed:  # noqa: BLE001 - a failing job is recorded and shown, never kills the service
            result, outcome = {}, "failed"
            message = f"{type(failed).__name__}: {str(failed)[:300]}"
    duration = time.perf_counter() - started
    detail = {
        "outcome": outcome,
        "started": now.isoformat(),
        "duration_s": round(duration, 2),
        "message": message,
        "by": actor,
        "result": result,
    }
    with wh.write(data=False) as cur:  # the job's own writes moved the generation already
        wh.audit(cur, ACTOR, "job_run", job_id, detail)
    logs.event(
        "job_run",
        outcome=outcome,
        job=job_id,
        user=actor,
        duration_ms=duration * 1000,
        detail=message if outcome != "ok" else None,
    )
    return detail


def last_runs(wh) -> dict[str, dict]:
    """The latest recorded run of each job (from audit_log): {job_id: detail + logged_at}."""
    rows = wh.query("""
        select target, logged_at, detail from audit_log where action = 'job_run'
        qualify row_number() over (partition by target order by logged_at desc) = 1
    """).to_dicts()
    out = {}
    for row in rows:
        try:
            detail = json.loads(row["detail"] or "{}")
        except ValueError:
            detail = {}
        out[row["target"]] = {**detail, "logged_at": row["logged_at"]}
    return out


def failed_jobs(wh) -> list[str]:
    """Ids of the jobs whose latest run failed."""
    return sorted(job_id for job_id, run in last_runs(wh).items() if run.get("outcome") != "ok" and job_id in JOBS)


# ---------------------------------------------------------------- the scheduler
class JobScheduler:
    """APScheduler's BackgroundScheduler with the jobs of [jobs]; started and stopped by the ASGI lifespan."""

    def __init__(self, wh_factory: Callable):
        from apscheduler.schedulers.background import BackgroundScheduler

        self._wh = wh_factory
        self._scheduler = BackgroundScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
        )
        for job_id, when in schedules().items():
            self._scheduler.add_job(self.run, "cron", args=[job_id], id=job_id, name=JOBS[job_id].label, **when["cron"])

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=False)

    def run(self, job_id: str) -> dict:
        return run_job(self._wh(), job_id)

    def next_runs(self) -> dict[str, dt.datetime | None]:
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]


_SCHEDULER: JobScheduler | None = None


def set_scheduler(scheduler: JobScheduler | None) -> None:
    global _SCHEDULER
    _SCHEDULER = scheduler


def scheduler() -> JobScheduler | None:
    """The running service's scheduler; None under `streamlit run app.py` and in tests of pages."""
    return _SCHEDULER
