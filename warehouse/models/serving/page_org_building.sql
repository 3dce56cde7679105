-- 组织建设 (dashboard/coverage.py, queries.py): v_org_building plus unit_code
-- refresh: period
create or replace table page_org_building as
select o.*, r.unit_code
from v_org_building as o
join v_region as r using (region_code)
order by o.period, r.unit_code, o.region_code
