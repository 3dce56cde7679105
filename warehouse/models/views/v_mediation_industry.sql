create or replace view v_mediation_industry as
select period, region_code, industry_code, industry_name, accepted, succeeded, collective_cases, workers
from mart_mediation_industry
