-- one row per incident in its latest reported state; identity = region + (credit code or employer) + date
create or replace view mart_major_disputes as
with reported as (
    select
        *,
        md5(region_code || '|' || coalesce(credit_code, regexp_replace(employer, '\s', '', 'g')) || '|' || cast(occurred_on as varchar)) as incident_id
    from stg_major_disputes
),
spans as (
    select incident_id, min(period) as first_period, max(period) as last_period
    from reported
    group by incident_id
),
latest as (
    select * from reported
    qualify row_number() over (partition by incident_id order by period desc) = 1
)
select
    latest.incident_id,
    latest.region_code,
    latest.occurred_on,
    latest.employer,
    latest.credit_code,
    latest.industry as industry_code,
    latest.workers,
    latest.amount_wan,
    latest.dispute_type,
    latest.escalated,
    latest.status,
    latest.resolved_on,
    is_major(latest.workers, latest.amount_wan, latest.escalated) as is_major,
    spans.first_period,
    spans.last_period,
    latest.notes
from latest
join spans using (incident_id)
