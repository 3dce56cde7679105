-- 重大集体争议 (dashboard/disputes.py): every monthly report of every incident with its id and unit
-- refresh: period
create or replace table page_dispute_reports as
select d.*, r.unit_code
from mart_major_dispute_reports as d
join v_region as r using (region_code)
order by d.period, r.unit_code, d.region_code
