-- 调解成效 by industry (dashboard/queries.py): v_mediation_industry plus unit_code
-- refresh: period
create or replace table page_mediation_industry as
select i.*, r.unit_code
from v_mediation_industry as i
join v_region as r using (region_code)
order by i.period, r.unit_code, i.region_code, i.industry_code
