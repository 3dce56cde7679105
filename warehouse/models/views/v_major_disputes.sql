create or replace view v_major_disputes as
select incident_id, region_code, occurred_on, employer, credit_code, industry_code, workers, amount_wan,
       dispute_type, escalated, status, resolved_on, is_major, first_period, last_period
from mart_major_disputes
