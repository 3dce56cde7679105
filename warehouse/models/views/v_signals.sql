create or replace view v_signals as
select signal_id, rule, level, period, region_code, industry_code, title, explanation, status, first_seen, last_seen
from signals
