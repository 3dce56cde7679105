-- 截至某月 (as of): for month p, each region's and each unit's latest report of form f at or before p (its current
-- version, current_versions). A stock figure "as of p" of a region or unit that has not reported p itself is the
-- one of its latest report, shown with that month (region_period / unit_period), never silently dropped.
-- The one definition of "as of": 组织建设's ranking, table and projection use it.
create or replace macro report_as_of(f, p) as table
select
    c.region_code,
    r.unit_code,
    max(c.period) as region_period,
    max(max(c.period)) over (partition by r.unit_code) as unit_period
from current_versions as c
join ref_region as r on r.code = c.region_code
where c.form = f and c.period <= p
group by c.region_code, r.unit_code
