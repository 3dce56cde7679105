"""The configuration in force, as Chinese tables for the 参数设置 page."""

from __future__ import annotations

import polars as pl

from warehouse.db import measures

LABELS = {
    "reporting.due_day": ("报送截止日", "每月报送上月数据的截止日（次月几日）"),
    "reporting.first_period": ("最早统计期", "早于此月份的报表拒收"),
    "measures.success_rate": ("调解成功率公式", "附件1 各列之间的四则运算"),
    "measures.mediation_share": ("协商调解解决占比公式", "附件1 各列之间的四则运算"),
    "major_dispute.workers_min": ("“重大”集体争议：人数下限", "涉及劳动者人数达到此数即为重大"),
    "major_dispute.amount_wan_min": ("“重大”集体争议：金额下限（万元）", "涉案金额达到此数即为重大"),
    "major_dispute.escalation_counts": ("“重大”集体争议：有激化行为即为重大", "聚集、堵路、围堵、上访等"),
    "warnings.success_rate_low_pct": ("提示：调解成功率下限（%）", "低于此值且结案数足够时提示核实"),
    "warnings.success_rate_high_pct": ("提示：调解成功率上限（%）", "高于此值且结案数足够时提示核实"),
    "warnings.success_rate_min_closed": ("提示：成功率核实的最少结案数", ""),
    "warnings.month_change_ratio": ("提示：受理数环比变化倍数", "超过此倍数（或低于其倒数）时提示核实"),
    "warnings.month_change_min_cases": ("提示：环比核实的最少案件数", ""),
    "warnings.townships_tolerance": ("提示：乡镇（街道）数与区划数的允许偏差", "以比例表示，0.10 即 10%"),
    "upload.max_file_mb": ("上传文件大小上限（MB）", ""),
    "upload.max_expanded_mb": ("工作簿解压后大小上限（MB）", "防止异常文件占满内存"),
}


LABELS |= {
    "accounts.session_minutes": ("登录超时（分钟）", "无操作超过此时间自动退出"),
    "accounts.max_failed_logins": ("连续输错密码次数上限", "达到后锁定账号"),
    "accounts.lockout_minutes": ("锁定时长（分钟）", ""),
    "accounts.min_password_length": ("密码最少位数", ""),
    "accounts.sso_claim": ("单点登录账号字段", "启用统一身份认证（OIDC）时使用"),
    "review.enabled": ("启用多级审核", "县级报表由市（州）审核，市级报表由省级审核"),
    "review.pending_counts": ("待审核数据计入看板", "计入时标注“待审核”"),
    "signals.reopen_growth": ("预警重新打开的增幅", "已办结的预警在情况恶化（等级升高或数值增长超过此比例）时重新打开"),
}
LABELS |= {
    "session.idle_minutes": ("登录会话空闲超时（分钟）", "以服务方式运行时：无任何操作超过此时间自动退出"),
    "session.absolute_hours": ("登录会话最长时长（小时）", "无论是否操作，登录超过此时间须重新登录"),
    "session.secure_cookie": ("登录凭证仅经加密连接传送", "自动：经 HTTPS 访问时启用"),
    "jobs.enabled": ("启用定时任务", "服务进程内运行，见下方“定时任务”"),
    "jobs.signals_refresh": ("风险预警每日刷新时间", "每天；含 R6 迟报未报"),
    "jobs.backup": ("整库备份时间", "每天"),
    "jobs.backup_dir": ("备份目录", "相对于数据仓库文件所在目录"),
    "jobs.backup_keep": ("保留备份份数", "超出时删除最旧的备份"),
    "jobs.reminders": ("催报名单生成时间", "每月报送截止日当天"),
}
SIGNAL_RULES = {
    "r1": "R1 重大集体争议",
    "r2": "R2 受理量激增",
    "r3": "R3 集体争议聚集",
    "r4": "R4 调解成功率下降",
    "r5": "R5 预警超期未办结",
    "r6": "R6 迟报未报",
    "r7": "R7 建设进度滞后",
}
SIGNAL_PARAMS = {
    "red_days": "红色预警天数",
    "orange_days": "橙色预警天数",
    "window_months": "观察窗口（月）",
    "min_history_months": "最少历史月数",
    "min_cases": "最少案件数",
    "ratio_yellow": "黄色倍数",
    "ratio_orange": "橙色倍数",
    "ratio_red": "红色倍数",
    "yoy_ratio": "同比倍数下限",
    "ratio_no_last_year": "无去年同期时的倍数",
    "min_z": "显著性 z 值下限",
    "min_disputes": "橙色起点（件）",
    "red_disputes": "红色起点（件）",
    "history_months": "对比历史（月）",
    "min_closed": "最少结案数",
    "drop_points": "下降幅度（百分点）",
    "orange_points": "橙色下降幅度（百分点）",
    "lookback_days": "回看天数",
    "minor_late_days": "轻微迟报天数",
    "pace_months": "进度测算月数",
    "min_pace_months": "最少测算月数",
    "tolerance_points": "允许差距（百分点）",
}


def _label(key: str) -> tuple[str, str]:
    if key in LABELS:
        return LABELS[key]
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "signals" and parts[1] in SIGNAL_RULES:
        return f"预警规则 {SIGNAL_RULES[parts[1]]}：{SIGNAL_PARAMS.get(parts[2], parts[2])}", "规则说明见“风险预警”页"
    return key, ""


def _flatten(settings: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= _flatten(value, name + ".")
        elif not isinstance(value, list):
            flat[name] = value
    return flat


CONFIG_COLUMNS = ("配置项", "配置写法")  # where and how an administrator changes a setting (admins only)
# Server-side technicalities (sign-in claim name, cookie flag, backup folder): administrators' business only.
ADMIN_ONLY = {"accounts.sso_claim", "session.secure_cookie", "jobs.backup_dir"}
VALUE_WORDS = {"auto": "自动"}


def parameters(settings: dict, *, for_admin: bool = False) -> pl.DataFrame:
    """Every scalar setting with a Chinese name where one is known, its value in words (formulas over column keys
    read as 调解成功数 ÷ 调解结案数). Only an administrator, who changes the file, also gets the key and the value as
    written there (CONFIG_COLUMNS); everyone else reads the users' words only."""
    from dashboard.format import formula_words

    rows = []
    for key, value in _flatten(settings).items():
        if key.startswith("warehouse.") or (key in ADMIN_ONLY and not for_admin):
            continue
        label, note = _label(key)
        shown = ("是" if value else "否") if isinstance(value, bool) else VALUE_WORDS.get(str(value), str(value))
        if key.startswith("measures."):
            shown = formula_words(str(value))
        if key in ADMIN_ONLY:  # a file name or claim key: read in the 配置写法 column, as written
            shown = "见“配置写法”"
        row = {"参数": label, "当前值": shown, "说明": note}
        if for_admin:
            row |= {"配置项": key, "配置写法": str(value).lower() if isinstance(value, bool) else str(value)}  # TOML
        rows.append(row)
    return pl.DataFrame(rows)


def targets(settings: dict) -> pl.DataFrame:
    """Campaign targets with the measures' Chinese labels."""
    labels = {m["key"]: m["label"] for m in measures()}
    rows = []
    for target in settings.get("targets", []):
        if "rate" in target:
            goal = f"{100 * target['rate']:.0f}%"
        else:
            goal = f"比本地区2024年平均水平提高 {100 * target['points_over_2024']:.0f} 个百分点"
        rows.append(
            {"指标": labels.get(target["measure"], target["measure"]), "期限": str(target["date"]), "目标": goal}
        )
    return pl.DataFrame(rows)


OUTCOME_LABELS = {"ok": "成功", "failed": "失败"}


def jobs_table(runs: dict[str, dict], next_runs: dict | None) -> pl.DataFrame:
    """定时任务: per job its schedule ([jobs]), last run, outcome and next run (None: not running as the service)."""
    from service import jobs

    schedules = jobs.schedules()
    rows = []
    for job_id, job in jobs.JOBS.items():
        run = runs.get(job_id) or {}
        nxt = (next_runs or {}).get(job_id)
        rows.append(
            {
                "任务": job.label,
                "时间安排": schedules[job_id]["text"],
                "上次运行": f"{run['logged_at']:%Y-%m-%d %H:%M}" if run.get("logged_at") else "尚未运行",
                "结果": OUTCOME_LABELS.get(run.get("outcome"), "—") if run else "—",
                "说明": _job_summary(job_id, run),
                "下次运行": f"{nxt:%Y-%m-%d %H:%M}" if nxt else ("—" if next_runs is None else "未排期"),
            }
        )
    return pl.DataFrame(rows, schema={k: pl.Utf8 for k in ("任务", "时间安排", "上次运行", "结果", "说明", "下次运行")})


def _job_summary(job_id: str, run: dict) -> str:
    """One Chinese line on what the last run did (or why it failed)."""
    if not run:
        return ""
    if run.get("outcome") != "ok":
        return f"失败原因：{run.get('message', '')}"
    result = run.get("result") or {}
    if job_id == "signals_refresh":
        return f"新增 {result.get('new', 0)} 条，重新打开 {result.get('reopened', 0)} 条，条件解除 {result.get('resolved', 0)} 条"
    if job_id == "backup":
        removed = len(result.get("removed") or [])
        return f"备份到 {result.get('folder', '')}" + (f"，清理旧备份 {removed} 份" if removed else "")
    if job_id == "reminders":
        return f"{result.get('period', '')} 未报齐的报送单位 {len(result.get('units') or [])} 个"
    return ""
