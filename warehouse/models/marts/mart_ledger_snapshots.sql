-- every monthly snapshot of every task with all its attributes, so the ledger can be read as of any month
create or replace view mart_ledger_snapshots as
with snapshots as (
    select * from stg_ledger
)
select
    region_code,
    task_id,
    period,
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
    progress,
    evidence
from snapshots
