-- every reported state of every incident, for its status history
create or replace view mart_major_dispute_history as
select
    md5(region_code || '|' || coalesce(credit_code, regexp_replace(employer, '\s', '', 'g')) || '|' || cast(occurred_on as varchar)) as incident_id,
    period,
    region_code,
    status,
    workers,
    amount_wan,
    escalated,
    resolved_on,
    notes
from stg_major_disputes
