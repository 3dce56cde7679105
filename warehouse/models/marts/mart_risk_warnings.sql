-- one row per risk warning in its latest reported state
create or replace view mart_risk_warnings as
with reported as (
    select
        *,
        md5(region_code || '|' || coalesce(credit_code, regexp_replace(employer, '\s', '', 'g')) || '|' || cast(found_on as varchar) || '|' || risk_type) as warning_id
    from stg_risk_warnings
),
latest as (
    select * from reported
    qualify row_number() over (partition by warning_id order by period desc) = 1
)
select
    warning_id,
    region_code,
    found_on,
    employer,
    credit_code,
    industry as industry_code,
    risk_type,
    workers,
    amount_wan,
    level,
    owner,
    status,
    closed_on,
    period as last_period
from latest
