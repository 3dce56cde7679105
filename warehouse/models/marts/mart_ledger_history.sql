-- every monthly snapshot of every task, for its step history
create or replace view mart_ledger_history as
select
    region_code,
    task_id,
    period,
    step,
    ['任务部署', '推进落实', '督导检查', '考核评估', '闭环销号'][step] as step_name,
    done_value,
    target_value,
    progress
from stg_ledger
