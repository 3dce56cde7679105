-- every monthly snapshot of every task, for its step history
create or replace view mart_ledger_history as
select
    region_code,
    task_id,
    period,
    step,
    ledger_step_name(step) as step_name,
    done_value,
    target_value,
    progress
from stg_ledger
