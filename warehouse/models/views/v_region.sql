create or replace view v_region as
select region_code, region_name, kind, city_code, unit_code, unit_name, townships_ref
from stg_region
