-- R3 集体争议聚集 (sheet 重大集体争议, form A): collective disputes (every row of the sheet has ten or more
-- workers) that occurred in the window of months ending with the evaluation period, per reporting unit ×
-- industry. Only rows reported up to the evaluation period count.
with params as (
    select
        cast($period || '-01' as date) - to_months($window_months - 1) as window_start,
        last_day(cast($period || '-01' as date)) as window_end
),
reported as (
    select
        md5(d.region_code || '|' || coalesce(d.credit_code, regexp_replace(d.employer, '\s', '', 'g')) || '|' || cast(d.occurred_on as varchar)) as incident_id,
        d.*,
        r.unit_code
    from stg_major_disputes as d
    join ref_region as r on r.code = d.region_code
    where d.period <= $period
      and list_contains($units, r.unit_code)
),
latest as (
    select * from reported
    qualify row_number() over (partition by incident_id order by period desc) = 1
),
in_window as (
    select latest.*
    from latest
    cross join params
    where latest.occurred_on between params.window_start and params.window_end
)
select
    unit_code as region_code,
    industry as industry_code,
    count(*) as disputes,
    sum(workers) as workers,
    cast(sum(amount_wan) as double) as amount_wan,
    count(*) filter (where coalesce(escalated, false)) as escalated,
    count(*) filter (where status <> '已化解') as unresolved,
    list(incident_id order by occurred_on, incident_id) as incident_ids,
    list(employer order by occurred_on, incident_id) as employers,
    min(occurred_on) as first_on,
    max(occurred_on) as last_on
from in_window
group by unit_code, industry
having count(*) >= $min_disputes
order by unit_code, industry
