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
TARGET_STATUS = {"reached": "已达标", "on_track": "按期可达", "late": "按当前进度难以按期达标",
                 "stalled": "近期无提升", "behind": "未达标", "overdue": "逾期未达标", "no_data": "数据不足",
                 "no_target": "未设目标"}
TARGET_OVERDUE = TARGET_STATUS["overdue"]

# 组织建设 as of a month: a unit or region that has not reported the month itself is shown with its latest report,
# marked with that report's month; one with no report at all is 未报 (SUBMISSION_STATUS["missing"]).
DATA_MONTH = "数据月份"

# 工作台账 task states besides its step (warehouse macros ledger_overdue and ledger_stale): a live task past its
# 计划完成时限 is 逾期; a task its region's latest ledger no longer lists (not closed) is 未更新, counted apart.
LEDGER_OVERDUE = "逾期"
LEDGER_STALE = "未更新"
