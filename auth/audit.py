"""Reading the append-only audit log (written only through `Warehouse.audit` inside write transactions).

Nothing in the project updates or deletes audit_log rows (tests/test_accounts.py checks the source for it).
Action keys used across the project (label shown to administrators):
  login / login_failed / login_refused / account_locked / logout           — sign-in (auth/accounts.py)
  account_add / account_disable / account_enable / account_unlock / password_reset
  load / restore                                                          — warehouse/load.py
  review_approve / review_return / signal_ack / signal_close / signal_reopen — review workflow, early warnings
  job_run                                                                 — scheduled jobs (service/jobs.py)
The Chinese word of each action and of each detail key lives in warehouse/labels.py (AUDIT_*).
"""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import xlsxwriter

from auth.sanitize import neutralise_cell
from warehouse.labels import (
    AUDIT_ACTIONS,
    AUDIT_DETAIL_KEYS,
    AUDIT_DETAIL_VALUES,
    FORM_SHORT,
    SIGNAL_LEVEL,
    SIGNAL_STATUS,
)

ACTION_LABELS = AUDIT_ACTIONS  # the catalogue lives in warehouse/labels.py

COLUMNS = {
    "logged_at": "时间",
    "actor": "操作人",
    "action_label": "操作",
    "target": "对象",
    "summary": "说明",
    "detail": "原始记录",
}

_VALUE_LABELS = AUDIT_DETAIL_VALUES
_KEY_LABELS = AUDIT_DETAIL_KEYS
_SKIP_KEYS = {"sha256"}


def _region(code) -> str:
    from etl.regions import reference_index

    region = reference_index().get(str(code))
    return f"{region.name}（{code}）" if region else str(code)


def _value(key: str, value) -> str:
    """One detail value in words: codes named (role, region, form, level, status, rule), structures flattened."""
    from auth.viewer import ROLE_LABELS
    from warehouse.signals import RULES

    if key == "role":
        return ROLE_LABELS.get(value, value)
    if key in ("region_code", "region"):
        return _region(value)
    if key == "form":
        return FORM_SHORT.get(value, value)
    if key == "level":
        return SIGNAL_LEVEL.get(value, value)
    if key in ("from", "to"):
        return SIGNAL_STATUS.get(value, value)
    if key == "rule":
        return f"{value} {RULES[value]}" if value in RULES else str(value)
    if key == "now_shown" and isinstance(value, dict):  # region → the version shown after a return (None = nothing)
        return (
            "，".join(
                f"{_region(code)} {'上一审核通过版本' if version else '暂无数据'}" for code, version in value.items()
            )
            or "无变化"
        )
    if key == "regions" and isinstance(value, list):
        names = [_region(v) for v in value]
        return "、".join(names) if len(names) <= 3 else f"{names[0]} 等 {len(names)} 个"
    if key == "period" and isinstance(value, str) and len(value) == 7 and value[4] == "-":
        return f"{value[:4]}年{int(value[5:])}月"
    if key == "until" or key == "started":
        return str(value)[:16].replace("T", " ")
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "，".join(f"{_KEY_LABELS.get(k, k)} {_value(k, v)}" for k, v in value.items()) or "—"
    if isinstance(value, list):
        return "、".join(_value(key, v) for v in value)
    if isinstance(value, str):
        return _VALUE_LABELS.get(value, value)
    return str(value)


def describe(detail: str | None) -> str:
    """A Chinese one-line reading of an audit detail (JSON object): keys and coded values in words."""
    import json

    try:
        values = json.loads(detail) if detail else {}
    except ValueError:
        return str(detail)
    if not isinstance(values, dict):
        return str(values)
    parts = []
    for key, value in values.items():
        if key in _SKIP_KEYS or value is None or value == "" or value == [] or value == {}:
            continue
        parts.append(f"{_KEY_LABELS.get(key, key)}：{_value(key, value)}")
    return "；".join(parts)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def actors(wh) -> list[str]:
    return wh.query("select distinct actor from audit_log order by actor")["actor"].to_list()


def actions(wh) -> list[str]:
    return wh.query("select distinct action from audit_log order by action")["action"].to_list()


def query_audit(
    wh,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 5000,
) -> pl.DataFrame:
    """Audit rows, newest first, filtered by day range (inclusive), actor and action (all bound parameters)."""
    frame = wh.query(
        """
        select logged_at, actor, action, target, detail
        from audit_log
        where ($start::date is null or logged_at >= $start::date)
          and ($end::date is null or logged_at < $end::date + interval 1 day)
          and ($actor::varchar is null or actor = $actor)
          and ($action::varchar is null or action = $action)
        order by logged_at desc, actor, action
        limit $limit
    """,
        {"start": start, "end": end, "actor": actor or None, "action": action or None, "limit": int(limit)},
    )
    return frame.with_columns(
        pl.col("action").map_elements(action_label, return_dtype=pl.Utf8).alias("action_label"),
        pl.col("detail").map_elements(describe, return_dtype=pl.Utf8).alias("summary"),
    )


def display_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Chinese column names for the admin page and the export."""
    return frame.select([pl.col(k).alias(v) for k, v in COLUMNS.items()])


def audit_xlsx(frame: pl.DataFrame) -> bytes:
    """The filtered audit rows as an .xlsx (every text cell neutralised against formula injection)."""
    shown = display_frame(frame)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet("审计日志")
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    widths = {"时间": 20, "操作人": 16, "操作": 12, "对象": 20, "说明": 60, "原始记录": 60}
    for c, name in enumerate(shown.columns):
        sheet.write_string(0, c, name, bold)
        sheet.set_column(c, c, widths.get(name, 16))
    for r, row in enumerate(shown.iter_rows(), start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, when)
            elif value is None:
                sheet.write_blank(r, c, None)
            else:
                sheet.write_string(r, c, str(neutralise_cell(value)))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(shown.height, 1), len(shown.columns) - 1)
    book.close()
    return buffer.getvalue()
