-- 总览 / 调解成效 (dashboard/queries.py): v_mediation plus each region's unit_code, ordered by period so a month
-- range skips whole row groups
-- refresh: period
create or replace table page_mediation as
select m.*, r.unit_code
from v_mediation as m
join v_region as r using (region_code)
order by m.period, r.unit_code, m.region_code
