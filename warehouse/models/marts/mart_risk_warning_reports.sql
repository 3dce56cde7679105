-- every monthly report of every risk warning (sheet 预警信息) with its identity, the same warning_id as
-- mart_risk_warnings and mart_risk_warning_history
create or replace view mart_risk_warning_reports as
with reported as (
    select * from stg_risk_warnings
)
select
    md5(region_code || '|' || coalesce(credit_code, regexp_replace(employer, '\s', '', 'g')) || '|' || cast(found_on as varchar) || '|' || risk_type) as warning_id,
    *
from reported
