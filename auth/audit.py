"""Reading the append-only audit log (written only through `Warehouse.audit` inside write transactions).

Nothing in the project updates or deletes audit_log rows (tests/test_accounts.py checks the source for it).
Action keys used across the project (label shown to administrators):
  login / login_failed / login_refused / account_locked / logout           — sign-in (auth/accounts.py)
  account_add / account_disable / account_enable / account_unlock / password_reset
  load / restore                                                          — warehouse/load.py
  review / signal_ack                                                     — review workflow, early warnings
"""
from __future__ import annotations

import datetime as dt
import io

import polars as pl
import xlsxwriter

from auth.sanitize import neutralise_cell

ACTION_LABELS = {
    "login": "登录",
    "login_failed": "登录失败",
    "login_refused": "拒绝登录",
    "account_locked": "账号锁定",
    "logout": "退出登录",
    "account_add": "新增账号",
    "account_disable": "停用账号",
    "account_enable": "启用账号",
    "account_unlock": "解除锁定",
    "password_reset": "重置密码",
    "load": "数据入库",
    "restore": "恢复版本",
    "review": "审核",
    "review_approve": "审核通过",
    "review_reject": "审核退回",
    "signal_ack": "确认预警",
    "signal_close": "关闭预警",
}

COLUMNS = {"logged_at": "时间", "actor": "操作人", "action_label": "操作", "target": "对象", "summary": "说明",
           "detail": "原始记录"}

_VALUE_LABELS = {
    "password": "密码", "demo_button": "演示账号按钮", "sso": "统一身份认证",
    "unknown_account": "账号不存在", "locked": "账号已锁定", "disabled": "账号已停用", "timeout": "超时自动退出",
    "user": "主动退出", "account_disabled": "账号被停用", "sso_no_account": "统一认证无对应账号",
}
_KEY_LABELS = {"via": "方式", "reason": "原因", "role": "角色", "region_code": "地区", "display_name": "名称",
               "attempt": "连续失败次数", "attempts": "连续失败次数", "until": "锁定至", "file": "文件", "form": "报表",
               "period": "统计期", "regions": "地区", "rows": "行数", "is_demo": "演示账号", "was_demo": "原为演示账号"}
_SKIP_KEYS = {"sha256"}


def describe(detail: str | None) -> str:
    """A Chinese one-line reading of an audit detail (JSON object); unknown keys are shown as they are."""
    import json

    from auth.viewer import ROLE_LABELS
    from etl.regions import reference_index
    try:
        values = json.loads(detail) if detail else {}
    except ValueError:
        return str(detail)
    if not isinstance(values, dict):
        return str(values)
    parts = []
    for key, value in values.items():
        if key in _SKIP_KEYS or value is None or value == "" or value == []:
            continue
        if key == "role":
            value = ROLE_LABELS.get(value, value)
        elif key == "region_code":
            region = reference_index().get(str(value))
            value = f"{value} {region.name}" if region else value
        elif key == "regions" and isinstance(value, list):
            value = "、".join(map(str, value)) if len(value) <= 3 else f"{value[0]} 等 {len(value)} 个"
        elif key == "rows" and isinstance(value, dict):
            value = "，".join(f"{k} {v}" for k, v in value.items())
        elif key == "until":
            value = str(value)[:16]
        elif isinstance(value, bool):
            value = "是" if value else "否"
        else:
            value = _VALUE_LABELS.get(value, value) if isinstance(value, str) else value
        parts.append(f"{_KEY_LABELS.get(key, key)}：{value}")
    return "；".join(parts)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def actors(wh) -> list[str]:
    return wh.query("select distinct actor from audit_log order by actor")["actor"].to_list()


def actions(wh) -> list[str]:
    return wh.query("select distinct action from audit_log order by action")["action"].to_list()


def query_audit(wh, *, start: dt.date | None = None, end: dt.date | None = None, actor: str | None = None,
                action: str | None = None, limit: int = 5000) -> pl.DataFrame:
    """Audit rows, newest first, filtered by day range (inclusive), actor and action (all bound parameters)."""
    frame = wh.query("""
        select logged_at, actor, action, target, detail
        from audit_log
        where ($start::date is null or logged_at >= $start::date)
          and ($end::date is null or logged_at < $end::date + interval 1 day)
          and ($actor::varchar is null or actor = $actor)
          and ($action::varchar is null or action = $action)
        order by logged_at desc, actor, action
        limit $limit
    """, {"start": start, "end": end, "actor": actor or None, "action": action or None, "limit": int(limit)})
    return frame.with_columns(
        pl.col("action").map_elements(action_label, return_dtype=pl.Utf8).alias("action_label"),
        pl.col("detail").map_elements(describe, return_dtype=pl.Utf8).alias("summary"))


def display_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Chinese column names for the admin page and the export."""
    return frame.select([pl.col(k).alias(v) for k, v in COLUMNS.items()])


def audit_xlsx(frame: pl.DataFrame) -> bytes:
    """The filtered audit rows as an .xlsx (every text cell neutralised against formula injection)."""
    shown = display_frame(frame)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
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
