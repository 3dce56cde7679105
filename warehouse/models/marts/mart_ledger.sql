-- each task in its latest monthly snapshot; overdue = not closed and due before that period's end, unless the task is
-- stale (ledger_stale: its region's latest ledger no longer lists it), which is not a live overdue task
create or replace view mart_ledger as
with snapshots as (
    select *, max(period) over (partition by region_code) as ledger_period
    from mart_ledger_snapshots
),
latest as (
    select * from snapshots
    qualify row_number() over (partition by region_code, task_id order by period desc) = 1
)
select
    * exclude (ledger_period),
    ledger_overdue(step, due_on, period) and not ledger_stale(step, period, ledger_period) as overdue
from latest
