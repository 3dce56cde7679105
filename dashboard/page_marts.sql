-- Page marts (dashboard/marts.py): the current figures the 总览 / 调解成效 / 报送情况 queries read, materialised
-- once per change of the current versions instead of joining raw rows to current_versions on every query.
-- Each table is the public view it comes from (same rows, same columns) plus unit_code, ordered by period so
-- DuckDB skips whole row groups for a month range. Statements are separated by ';' at the end of a line.

create or replace table page_mediation as
select m.*, r.unit_code
from v_mediation as m
join v_region as r using (region_code)
order by m.period, r.unit_code, m.region_code;

create or replace table page_mediation_industry as
select i.*, r.unit_code
from v_mediation_industry as i
join v_region as r using (region_code)
order by i.period, r.unit_code, i.region_code, i.industry_code;

create or replace table page_org_building as
select o.*, r.unit_code
from v_org_building as o
join v_region as r using (region_code)
order by o.period, r.unit_code, o.region_code;

create or replace table page_major_disputes as
select d.*, r.unit_code, r.region_name, r.unit_name
from v_major_disputes as d
left join v_region as r using (region_code)
where d.is_major
order by d.occurred_on desc;

-- one row per unit × month × form of v_submissions, with the unit's version count, replaced versions and the
-- latest load (who and when)
create or replace table page_submissions as
with unit_versions as (
    select v.version_id, v.form, v.period, v.loaded_at, v.loaded_by, r.unit_code,
           bool_and(c.version_id is distinct from v.version_id) as replaced
    from versions as v
    join version_regions as vr on vr.version_id = v.version_id
    join ref_region as r on r.code = vr.region_code
    left join current_versions as c
        on c.form = vr.form and c.period = vr.period and c.region_code = vr.region_code
    group by all
),
per_cell as (
    select period, unit_code, form, count(*) as versions, count(*) filter (where replaced) as replaced,
           max(loaded_at) as last_loaded_at, arg_max(loaded_by, loaded_at) as last_loaded_by
    from unit_versions
    group by all
)
select s.period, s.region_code as unit_code, u.name as unit_name, s.form, s.status,
       s.loaded_at as first_loaded_at, s.loaded_by as first_loaded_by,
       coalesce(p.versions, 0) as versions, coalesce(p.replaced, 0) as replaced,
       p.last_loaded_at, p.last_loaded_by
from v_submissions as s
join ref_region as u on u.code = s.region_code
left join per_cell as p on p.period = s.period and p.unit_code = s.region_code and p.form = s.form
order by s.period, s.region_code, s.form;

-- 组织建设 / 工作台账 / 重大集体争议 (dashboard/coverage.py, ledger.py, disputes.py): every monthly ledger snapshot
-- and every incident / warning report with its id and unit, ordered by period so an as-of read skips later months
create or replace table page_ledger_snapshots as
select s.*, r.unit_code
from mart_ledger_snapshots as s
join v_region as r using (region_code)
order by s.period, r.unit_code, s.region_code, s.task_id;

create or replace table page_dispute_reports as
select d.*, r.unit_code
from mart_major_dispute_reports as d
join v_region as r using (region_code)
order by d.period, r.unit_code, d.region_code;

create or replace table page_warning_reports as
select w.*, r.unit_code
from mart_risk_warning_reports as w
join v_region as r using (region_code)
order by w.period, r.unit_code, w.region_code;
