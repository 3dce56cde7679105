-- R1 重大集体争议 (sheet 重大集体争议, form A): every major incident of the regions, in its latest state
-- reported up to the evaluation period, with how long it has been open at the period's end.
-- Incident identity is the one of mart_major_disputes (region + credit code or employer + date).
-- The Python side turns unresolved rows into red/orange signals and resolved rows into closures.
with params as (
    select last_day(cast($period || '-01' as date)) as as_of
),
reported as (
    select
        md5(region_code || '|' || coalesce(credit_code, regexp_replace(employer, '\s', '', 'g')) || '|' || cast(occurred_on as varchar)) as incident_id,
        *
    from stg_major_disputes
    where period <= $period
      and list_contains($regions, region_code)
),
spans as (
    select incident_id, min(period) as first_period
    from reported
    group by incident_id
),
latest as (
    select * from reported
    qualify row_number() over (partition by incident_id order by period desc) = 1
),
major as (
    select latest.*, spans.first_period
    from latest
    join spans using (incident_id)
    where latest.workers >= $workers_min
       or latest.amount_wan >= $amount_wan_min
       or ($escalation_counts and coalesce(latest.escalated, false))
)
select
    major.incident_id,
    major.region_code,
    major.industry as industry_code,
    major.employer,
    major.occurred_on,
    major.workers,
    cast(major.amount_wan as double) as amount_wan,
    major.dispute_type,
    coalesce(major.escalated, false) as escalated,
    major.status,
    major.resolved_on,
    major.first_period,
    major.period as last_period,
    params.as_of,
    date_diff('day', major.occurred_on, params.as_of) as days_open
from major
cross join params
order by major.region_code, major.occurred_on, major.incident_id
