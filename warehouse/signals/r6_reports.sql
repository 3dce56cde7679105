-- R6 迟报/未报 (all forms): each reporting unit × period × form as known at the moment $as_of (only
-- versions loaded by then count). Due: day $due_day of the following month, end of day. A period is judged
-- only once its due date has passed (else 'pending') and while the due date is at most $lookback_days before
-- $as_of (else 'stale': a backfill of old months is not a reporting-discipline problem of today).
with units as (
    select code as region_code
    from ref_region
    where code = unit_code
      and list_contains($units, code)
),
grid as (
    select p.period, u.region_code, f.form
    from unnest($periods) as p(period)
    cross join units as u
    cross join (values ('A'), ('B'), ('C')) as f(form)
    where p.period >= $first_period
),
due as (
    select
        *,
        cast(cast(period || '-01' as date) + interval 1 month + to_days($due_day - 1) as date) as due_on
    from grid
),
first_load as (
    select vr.period, r.unit_code as region_code, v.form, min(v.loaded_at) as loaded_at
    from versions as v
    join version_regions as vr using (version_id)
    join ref_region as r on r.code = vr.region_code
    where v.loaded_at <= $as_of
      and list_contains($periods, vr.period)
      and list_contains($units, r.unit_code)
    group by vr.period, r.unit_code, v.form
)
select
    d.period,
    d.region_code,
    d.form,
    d.due_on,
    f.loaded_at,
    case
        when cast(d.due_on as timestamp) + interval 1 day > $as_of then 'pending'
        when date_diff('day', d.due_on, cast($as_of as date)) > $lookback_days then 'stale'
        when f.loaded_at is null then 'missing'
        when f.loaded_at >= cast(d.due_on as timestamp) + interval 1 day then 'late'
        else 'on_time'
    end as state,
    case
        when f.loaded_at is null then date_diff('day', d.due_on, cast($as_of as date))
        else date_diff('day', d.due_on, cast(f.loaded_at as date))
    end as days_late
from due as d
left join first_load as f using (period, region_code, form)
order by d.period, d.region_code, d.form
