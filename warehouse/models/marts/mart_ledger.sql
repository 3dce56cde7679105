-- each task in its latest monthly snapshot; overdue = not closed and due before that period's end
create or replace view mart_ledger as
with snapshots as (
    select * from stg_ledger
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
    ledger_overdue(step, due_on, period) as overdue,
    period,
    progress,
    evidence
from latest
