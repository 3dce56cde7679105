-- 工作台账 as of month p: every task's latest snapshot reported in or before p (from the serving table
-- page_ledger_snapshots), with
--   ledger_period  its region's latest ledger up to p (the month the region last reported any task),
--   stale          未更新 (ledger_stale: not closed and missing from that latest ledger),
--   stale_since    for a stale task, the first ledger of its region that no longer lists it,
--   overdue        逾期: a live (not stale) task that ledger_overdue in p,
--   days_overdue   for an overdue task, p's last day − 计划完成时限.
-- `period` stays the month of the task's snapshot (最近上报月份). Every 工作台账 figure reads the ledger through it.
create or replace macro ledger_as_of(p) as table
with snapshots as (
    select * exclude (unit_code)
    from page_ledger_snapshots
    where period <= p
),
ledgers as (
    select
        region_code,
        period,
        lead(period) over (partition by region_code order by period) as next_ledger,
        max(period) over (partition by region_code) as ledger_period
    from (select distinct region_code, period from snapshots)
),
latest as (
    select * from snapshots
    qualify row_number() over (partition by region_code, task_id order by period desc) = 1
),
judged as (
    select
        t.*,
        l.ledger_period,
        ledger_stale(t.step, t.period, l.ledger_period) as stale,
        l.next_ledger
    from latest as t
    join ledgers as l using (region_code, period)
),
live as (
    select
        * exclude (next_ledger),
        case when stale then next_ledger end as stale_since,
        not stale and ledger_overdue(step, due_on, p) as overdue
    from judged
)
select
    *,
    case when overdue then date_diff('day', due_on, last_day(cast(p || '-01' as date))) end as days_overdue
from live
