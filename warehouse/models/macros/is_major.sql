-- 重大集体争议: an incident is major when its workers or amount reach the thresholds in force (cfg, from config
-- [major_dispute]), or when it escalated and escalation counts. The one definition: mart_major_disputes and the
-- 重大集体争议 page (dashboard/disputes.py) both call it.
create or replace macro is_major(workers, amount_wan, escalated) as (
    workers >= (select max(value_num) from cfg_setting where key = 'major_workers_min')
    or amount_wan >= (select max(value_num) from cfg_setting where key = 'major_amount_wan_min')
    or ((select max(value_num) from cfg_setting where key = 'major_escalation_counts') = 1
        and coalesce(escalated, false))
)
