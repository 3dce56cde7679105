create or replace view v_risk_warnings as
select warning_id, region_code, found_on, employer, industry_code, risk_type, workers, amount_wan, level,
       owner, status, closed_on
from mart_risk_warnings
