-- every monthly report of every incident (sheet 重大集体争议) with its identity: region + (credit code or the
-- employer without spaces) + date, the same incident_id as mart_major_disputes and mart_major_dispute_history
create or replace view mart_major_dispute_reports as
with reported as (
    select * from stg_major_disputes
)
select
    md5(region_code || '|' || coalesce(credit_code, regexp_replace(employer, '\s', '', 'g')) || '|' || cast(occurred_on as varchar)) as incident_id,
    *
from reported
