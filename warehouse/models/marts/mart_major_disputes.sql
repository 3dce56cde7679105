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
),
thresholds as (
    select
        max(value_num) filter (where key = 'major_workers_min') as workers_min,
        max(value_num) filter (where key = 'major_amount_wan_min') as amount_wan_min,
        max(value_num) filter (where key = 'major_escalation_counts') as escalation_counts
    from cfg_setting
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
    (latest.workers >= t.workers_min
        or latest.amount_wan >= t.amount_wan_min
        or (t.escalation_counts = 1 and coalesce(latest.escalated, false))) as is_major,
    spans.first_period,
    spans.last_period,
    latest.notes
from latest
join spans using (incident_id)
cross join thresholds as t
