-- each reporting unit × month × form: its first submission and whether it came by the due day.
-- Months run from the campaign start to the last month whose due day has passed (plus any loaded month).
create or replace view mart_submissions as
with cfg as (
    select
        max(value_num) filter (where key = 'due_day') as due_day,
        max(value_text) filter (where key = 'first_period') as first_period
    from cfg_setting
),
units as (
    select code as region_code from ref_region where code = unit_code
),
forms as (
    select * from (values ('A'), ('B'), ('C')) as f(form)
),
due_months as (
    select strftime(m, '%Y-%m') as period
    from cfg,
        generate_series(cast(cfg.first_period || '-01' as date), cast(date_trunc('month', current_date) as date), interval 1 month) as g(m)
    where cast(m + interval 1 month + to_days(cast(cfg.due_day as integer) - 1) as date) < current_date
    union
    select distinct period from versions
),
unit_versions as (
    select
        v.version_id, v.form, v.period, v.loaded_at, v.loaded_by, f.sha256 as file_sha256,
        r.unit_code as region_code
    from versions as v
    join files as f using (file_id)
    join version_regions as vr using (version_id)
    join ref_region as r on r.code = vr.region_code
),
first_submission as (
    select * from unit_versions
    qualify row_number() over (partition by period, region_code, form order by loaded_at, version_id) = 1
),
grid as (
    select m.period, u.region_code, f.form
    from due_months as m cross join units as u cross join forms as f
)
select
    g.period,
    g.region_code,
    g.form,
    s.version_id,
    s.loaded_at,
    s.loaded_by,
    s.file_sha256,
    case
        when s.version_id is null then 'missing'
        when s.loaded_at <= cast(cast(g.period || '-01' as date) + interval 1 month + to_days(cast(cfg.due_day as integer) - 1) as timestamp) + interval 1 day then 'on_time'
        else 'late'
    end as status
from grid as g
cross join cfg
left join first_submission as s using (period, region_code, form)
