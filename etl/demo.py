"""Build the demo warehouse: simulated reports of Jilin's 11 units, written as workbooks and loaded
through the same ingest path a clerk's upload takes (so the demo proves the pipeline)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sys
import time
from pathlib import Path

from etl.cells import to_yesno
from etl.demo_data import regions as demo_regions
from etl.demo_data import simulate
from etl.demo_signals import handling as demo_handling
from etl.formdefs import load_form
from etl.ingest import ingest
from etl.template import template_file_name, write_workbook
from warehouse.build import deferred as deferred_build
from warehouse.build import rebuild_serving
from warehouse.db import Warehouse
from warehouse.load import TrustedLoad, load_many
from warehouse.signals import deferred as deferred_signals
from warehouse.signals import refresh_all as refresh_signals_all


def last_complete_month(today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def _fresh(db: Path) -> None:
    """Delete the old demo warehouse, but never one another process (the app) has open: its next write would
    land in the deleted file and be lost; WarehouseBusy (a Chinese message, exit 1 in the CLI) instead."""
    from warehouse.db import exclusive_lock

    if db.exists():
        with exclusive_lock(db):
            for path in (db, db.with_name(db.name + ".wal")):
                path.unlink(missing_ok=True)
    else:
        db.with_name(db.name + ".wal").unlink(missing_ok=True)


def _workbook(sub):
    from etl.regions import reference_index

    form = load_form(sub.form)
    unit = reference_index().get(sub.unit_code)
    content = write_workbook(form, period=sub.period, unit=unit, data=sub.sheets, protect=False, instructions=False)
    return sub, template_file_name(form, sub.period, unit), content


def _not_after(at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """A simulated upload time, but none after the build's now: the last month's late reports (dated into the
    current month by the simulation) count as arrived now, never in the future."""
    return min(at, now)


def _through_workbooks(wh: Warehouse, submissions, pool, progress, started, now: dt.datetime) -> tuple[int, int]:
    """The real path: each simulated report becomes an .xlsx and is ingested like an upload."""
    loaded = rejected = 0
    for n, (sub, name, content) in enumerate(pool.imap(_workbook, submissions, chunksize=8), 1):
        result = ingest(wh, content, name, user=sub.loaded_by, loaded_at=_not_after(sub.loaded_at, now))
        if result.status == "loaded":
            loaded += 1
        else:
            rejected += 1
            print(f"演示数据未通过校验：{result.file} {[e.message for e in result.errors[:3]]}", file=sys.stderr)
        if progress and n % 200 == 0:
            print(f"  已加载 {n} 份报表（{time.perf_counter() - started:.0f} 秒）", file=sys.stderr, flush=True)
    return loaded, rejected


def _shift_period(period: str, months: int) -> str:
    index = int(period[:4]) * 12 + int(period[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _shift_years(value, years: int):
    if isinstance(value, (dt.date, dt.datetime)) and years:
        try:
            return value.replace(year=value.year + years)
        except ValueError:  # 29 February
            return value.replace(year=value.year + years, day=28)
    return value


def _typed(form, sheets: dict[str, list[dict]], years: int) -> dict[str, list[dict]]:
    """The simulator's rows as typed values (是/否 → bool), dates shifted by whole years."""
    out = {}
    for name, rows in sheets.items():
        yesno = {c.key for c in form.sheet(name).columns if c.type == "yesno"}
        out[name] = [
            {k: (to_yesno(v) if k in yesno and isinstance(v, str) else _shift_years(v, years)) for k, v in row.items()}
            for row in rows
        ]
    return out


def _bulk(
    wh: Warehouse, first: str, last: str, seed: int, scale: int, progress, started, now: dt.datetime
) -> tuple[int, int]:
    """The --scale path: typed rows go to the warehouse in one transaction per month (no Excel round trip).

    The simulated campaign starts in 2024-01; a benchmark history starting earlier (e.g. --from 2017-01) is the
    same simulation shifted back in whole years, so every month still looks like a real month of reports.
    """
    offset = min(0, (int(first[:4]) - 2024) * 12)  # whole years back, so seasons stay in their months
    sim_first, sim_last = _shift_period(first, -offset), _shift_period(last, -offset)
    forms = {code: load_form(code) for code in "ABC"}
    index = wh.region_index()
    month, batch, loaded = None, [], 0
    for sub in simulate(sim_first, sim_last, seed=seed, scale=scale):
        period = _shift_period(sub.period, offset)
        if period != month and batch:
            loaded += load_many(wh, batch)
            if progress:
                print(
                    f"  {month}：已加载 {loaded} 份报表（{time.perf_counter() - started:.0f} 秒）",
                    file=sys.stderr,
                    flush=True,
                )
            batch = []
        month = period
        form = forms[sub.form]
        batch.append(
            TrustedLoad(
                form,
                period,
                _typed(form, sub.sheets, offset // 12),
                template_file_name(form, period, index.get(sub.unit_code)),
                _not_after(_shift_years(sub.loaded_at, offset // 12), now),
                sub.loaded_by,
            )
        )
    if batch:
        loaded += load_many(wh, batch)
    return loaded, 0


def build_demo(
    db: Path,
    *,
    first: str = "2024-01",
    last: str | None = None,
    seed: int = 2024,
    scale: int = 1,
    progress: bool = False,
    now: dt.datetime | None = None,
) -> str:
    """Create a new demo warehouse file at db (replacing an old one) and return a one-line summary.

    now (default: the clock) bounds the simulated upload times: no load is dated after it."""
    now = now or dt.datetime.now().replace(microsecond=0)
    last = last or last_complete_month(now.date())
    if scale == 1 and first < "2024-01":
        raise ValueError("演示数据从 2024-01（行动开始）起；更早的月份只用于性能测试，请同时指定 --scale 2 以上")
    _fresh(db)
    started = time.perf_counter()
    # serving tables and early-warning signals: built once at the end (whole / a replay of every month), not per load
    with deferred_build(), deferred_signals():
        if scale == 1:
            # workbooks are written in a second process while this one ingests (2 cores on the target machine);
            # the pool starts before the warehouse is opened so no DuckDB handle crosses the fork
            with multiprocessing.get_context("fork").Pool(1) as pool:
                wh = Warehouse(db)
                loaded, rejected = _through_workbooks(
                    wh, simulate(first, last, seed=seed), pool, progress, started, now
                )
        else:
            wh = Warehouse(db)
            wh.add_regions([r for r in demo_regions(scale) if not wh.region_index().get(r["code"])])
            loaded, rejected = _bulk(wh, first, last, seed, scale, progress, started, now)
    rebuild_serving(wh)
    if progress:
        print(f"  正在计算预警信号（{time.perf_counter() - started:.0f} 秒）", file=sys.stderr, flush=True)
    # R6 judges missing reports as of today; a demo ending in the past is judged as of its last upload
    # (the bureaus' 处置/反馈 of the signals is simulated month by month, etl/demo_signals.py)
    refresh_signals_all(
        wh,
        now=now if last >= last_complete_month(now.date()) else wh.scalar("select max(loaded_at) from versions"),
        after_month=demo_handling(wh, seed) if scale == 1 else None,
    )
    wh.close()
    return (
        f"{first} 至 {last}，{loaded} 份报表入库"
        + (f"，{rejected} 份未通过校验" if rejected else "")
        + f"，用时 {time.perf_counter() - started:.1f} 秒"
    )
