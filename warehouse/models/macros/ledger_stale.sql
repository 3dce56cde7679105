-- 未更新 (stale): a ledger task is stale as of a month when it is not closed (its last reported step < 5) and its
-- region has since reported a ledger without it: the month it was last reported (task_period) is older than its
-- region's latest ledger up to that month (ledger_period). A stale task is not a live task: it is not counted in the
-- ledger's totals, steps, 闭环率 or 逾期, and is shown apart with the month it was last reported. A closed task that
-- leaves later ledgers is not stale (a task leaves the ledger by 闭环销号); a region that reported no ledger since
-- keeps its tasks live as of its latest ledger (that missing report is 报送情况's 未报).
-- The one definition: ledger_as_of (the 工作台账 page) and mart_ledger (v_ledger) both call it.
create or replace macro ledger_stale(step, task_period, ledger_period) as (
    step < 5 and task_period < ledger_period
)
