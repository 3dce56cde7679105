-- every reported state of every risk warning (form A sheet 预警信息), for its status history and as-of views
create or replace view mart_risk_warning_history as
with reported as (
    select * from stg_risk_warnings
)
select
    md5(region_code || '|' || coalesce(credit_code, regexp_replace(employer, '\s', '', 'g')) || '|' || cast(found_on as varchar) || '|' || risk_type) as warning_id,
    period,
    region_code,
    level,
    status,
    workers,
    amount_wan,
    owner,
    closed_on
from reported
