"""The one catalogue of Chinese words for statuses, levels and report states shown on every page.

Pages and query modules import these instead of spelling the words themselves, so 总览, 重大集体争议, 风险预警 and
报送情况 say the same thing for the same state (issue 10 item 4; tests/test_consistency.py checks that no other
module spells a status word). No imports: warehouse/signals.py reads its label constants from here too.
"""

from __future__ import annotations

# Early-warning signals (table signals.status): one word per state, on 总览 and on 风险预警 alike.
SIGNAL_STATUS = {"new": "待处置", "acknowledged": "处置中", "closed": "已办结"}
SIGNAL_OPEN = "未办结"  # new + acknowledged
SIGNAL_LEVEL = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}

# Major collective disputes (附件1 重大集体争议, column 处置状态): the form's own values (forms.md).
DISPUTE_OPEN = "未化解"
DISPUTE_IN_PROGRESS = "处置中"
DISPUTE_RESOLVED = "已化解"
DISPUTE_STATUSES = (DISPUTE_OPEN, DISPUTE_IN_PROGRESS, DISPUTE_RESOLVED)
DISPUTE_UNRESOLVED = "在办"  # 未化解 + 处置中: every count of "not yet resolved" says so and shows both parts

# Risk warnings (附件1 预警信息, column 处置状态): the form's own values (forms.md).
WARNING_OPEN = "未处置"
WARNING_IN_PROGRESS = "处置中"
WARNING_CLOSED = "已办结"
WARNING_STATUSES = (WARNING_OPEN, WARNING_IN_PROGRESS, WARNING_CLOSED)
WARNING_UNRESOLVED = "在办"  # 未处置 + 处置中

# Warning levels as the form writes them (预警等级).
WARNING_LEVELS = ("红", "橙", "黄", "蓝")

# Report submissions (submission_status macro: on_time / late / missing; superseded = corrected later).
SUBMISSION_STATUS = {"on_time": "按时", "superseded": "已更正", "late": "迟报", "missing": "未报"}
LATE = SUBMISSION_STATUS["late"]

# Where a figure stands against its campaign target (dashboard/targets.py `status`, the one rule): the same word on
# 组织建设, 总览 and in the 月度简报. behind = below target, deadline not passed, pace not fitted (总览, 简报);
# 组织建设 fits the pace and says on_track / late / stalled instead.
TARGET_STATUS = {
    "reached": "已达标",
    "on_track": "按期可达",
    "late": "按当前进度难以按期达标",
    "stalled": "近期无提升",
    "behind": "未达标",
    "overdue": "逾期未达标",
    "no_data": "数据不足",
    "no_target": "未设目标",
}
TARGET_OVERDUE = TARGET_STATUS["overdue"]

# 组织建设 as of a month: a unit or region that has not reported the month itself is shown with its latest report,
# marked with that report's month; one with no report at all is 未报 (SUBMISSION_STATUS["missing"]).
DATA_MONTH = "数据月份"

# 工作台账 task states besides its step (warehouse macros ledger_overdue and ledger_stale): a live task past its
# 计划完成时限 is 逾期; a task its region's latest ledger no longer lists (not closed) is 未更新, counted apart.
LEDGER_OVERDUE = "逾期"
LEDGER_STALE = "未更新"

# Report forms, by code, in audit descriptions and anywhere a short name is enough.
FORM_SHORT = {"A": "附件1 调解情况", "B": "附件2 组织建设", "C": "工作台账"}

# Audit log actions (audit_log.action, written by Warehouse.audit): one Chinese word per action on 账号与审计 and in
# its export. tests/test_audit.py checks every action key written anywhere in the code has a label here.
AUDIT_ACTIONS = {
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
    "review_return": "审核退回",
    "review_reject": "审核退回",
    "signal_ack": "预警处置",
    "signal_close": "预警办结",
    "signal_reopen": "预警重新打开",
    "job_run": "定时任务",
}

# Keys of an audit detail (the JSON object beside each action), as words.
AUDIT_DETAIL_KEYS = {
    "via": "方式",
    "reason": "原因",
    "role": "角色",
    "region_code": "地区",
    "region": "地区",
    "display_name": "名称",
    "attempt": "连续失败次数",
    "attempts": "连续失败次数",
    "until": "锁定至",
    "file": "文件",
    "form": "报表",
    "period": "统计期",
    "regions": "地区",
    "rows": "行数",
    "is_demo": "演示账号",
    "was_demo": "原为演示账号",
    "note": "备注",
    "now_shown": "退回后显示",
    "rule": "规则",
    "level": "级别",
    "from": "原状态",
    "to": "新状态",
    "outcome": "结果",
    "started": "开始时间",
    "duration_s": "耗时（秒）",
    "message": "说明",
    "by": "执行人",
    "result": "结果明细",
    "review_state": "审核状态",
    "new": "新增",
    "reopened": "重新打开",
    "resolved": "已消除",
    "folder": "目录",
    "kept": "保留份数",
    "removed": "删除份数",
    "due_on": "截止日",
    "units": "单位",
}

# Coded values inside an audit detail, as words (free text such as a return reason is shown as it is).
AUDIT_DETAIL_VALUES = {
    "password": "密码",
    "demo_button": "演示账号按钮",
    "sso": "统一身份认证",
    "unknown_account": "账号不存在",
    "locked": "账号已锁定",
    "disabled": "账号已停用",
    "timeout": "超时自动退出",
    "user": "主动退出",
    "account_disabled": "账号被停用",
    "sso_no_account": "统一认证无对应账号",
    "ok": "成功",
    "failed": "失败",
    "scheduler": "定时",
    "manual": "手动",
    "pending": "待审核",
    "approved": "审核通过",
    "returned": "退回",
}

# Short industry names (国民经济行业分类 门类, GB/T 4754) for chart axes where the full name would be cut or slanted;
# the full name (ref/industries.csv) stays in hover texts, tables and downloads.
INDUSTRY_SHORT = {
    "A": "农林牧渔",
    "B": "采矿",
    "C": "制造",
    "D": "电热燃水",
    "E": "建筑",
    "F": "批发零售",
    "G": "交通物流",
    "H": "住宿餐饮",
    "I": "信息技术",
    "J": "金融",
    "K": "房地产",
    "L": "租赁商务",
    "M": "科研技术",
    "N": "水利环境",
    "O": "居民服务",
    "P": "教育",
    "Q": "卫生社工",
    "R": "文体娱乐",
    "S": "公共管理",
    "T": "国际组织",
    "~": "未分行业",
}
