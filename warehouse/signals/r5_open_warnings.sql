-- R5 预警超期未办结 (sheet 预警信息, form A): every 红/橙 risk warning of the regions in its latest state
-- reported up to the evaluation period, with its age at the period's end. Identity as mart_risk_warnings.
with params as (
    select last_day(cast($period || '-01' as date)) as as_of
),
reported as (
    select
        md5(region_code || '|' || coalesce(credit_code, regexp_replace(employer, '\s', '', 'g')) || '|' || cast(found_on as varchar) || '|' || risk_type) as warning_id,
        *
    from stg_risk_warnings
    where period <= $period
      and list_contains($regions, region_code)
),
latest as (
    select * from reported
    qualify row_number() over (partition by warning_id order by period desc) = 1
)
select
    latest.warning_id,
    latest.region_code,
    latest.industry as industry_code,
    latest.employer,
    latest.found_on,
    latest.risk_type,
    latest.workers,
    cast(latest.amount_wan as double) as amount_wan,
    latest.level as warning_level,
    latest.owner,
    latest.status,
    latest.closed_on,
    latest.period as last_period,
    params.as_of,
    date_diff('day', latest.found_on, params.as_of) as days_open
from latest
cross join params
where latest.level in ('红', '橙')
order by latest.region_code, latest.found_on, latest.warning_id
