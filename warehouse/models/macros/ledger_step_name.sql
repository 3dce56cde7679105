-- the name of a ledger task's step (1–5), as the form lists them
create or replace macro ledger_step_name(step) as (
    ['任务部署', '推进落实', '督导检查', '考核评估', '闭环销号'][step]
)
