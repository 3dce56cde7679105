-- 重大集体争议 › 预警 (dashboard/disputes.py): every monthly report of every risk warning with its id and unit
-- refresh: period
create or replace table page_warning_reports as
select w.*, r.unit_code
from mart_risk_warning_reports as w
join v_region as r using (region_code)
order by w.period, r.unit_code, w.region_code
