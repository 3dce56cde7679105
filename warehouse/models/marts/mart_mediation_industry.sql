create or replace view mart_mediation_industry as
with current_rows as (
    select * from stg_mediation_industry
)
select
    cr.period,
    cr.region_code,
    cr.industry as industry_code,
    ind.name as industry_name,
    cr.accepted,
    cr.succeeded,
    cr.collective_cases,
    cr.workers
from current_rows as cr
left join ref_industry as ind on ind.code = cr.industry
