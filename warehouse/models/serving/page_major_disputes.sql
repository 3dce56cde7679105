-- 总览 / 简报 (dashboard/queries.py, brief.py): the major incidents in their latest state with region and unit
-- names; an incident's latest state spans months, so this table is rebuilt whole after a change of form A
create or replace table page_major_disputes as
select d.*, r.unit_code, r.region_name, r.unit_name
from v_major_disputes as d
left join v_region as r using (region_code)
where d.is_major
order by d.occurred_on desc
