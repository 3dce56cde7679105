-- 工作台账 (dashboard/ledger.py): every monthly snapshot of every task with its unit, read as of any month
-- refresh: period
create or replace table page_ledger_snapshots as
select s.*, r.unit_code
from mart_ledger_snapshots as s
join v_region as r using (region_code)
order by s.period, r.unit_code, s.region_code, s.task_id
