-- each task in its latest monthly snapshot; overdue = not closed and due before that period's end, unless the task is
-- stale (ledger_stale: its region's latest ledger no longer lists it), which is not a live overdue task
create or replace view mart_ledger as
with snapshots as (
    select *, max(period) over (partition by region_code) as ledger_period
    from stg_ledger
),
latest as (
    select * from snapshots
    qualify row_number() over (partition by region_code, task_id order by period desc) = 1
)
select
    region_code,
    task_id,
    task,
    category,
    lead_unit,
    responsible_unit,
    task_force_lead,
    playbook,
    target_value,
    done_value,
    due_on,
    step,
    ledger_step_name(step) as step_name,
    closed_on,
    ledger_overdue(step, due_on, period) and not ledger_stale(step, period, ledger_period) as overdue,
    period,
    progress,
    evidence
from latest
