-- the region reference with its reporting unit's name
create or replace view stg_region as
select
    r.code as region_code,
    r.name as region_name,
    r.kind,
    nullif(r.city_code, '') as city_code,
    nullif(r.unit_code, '') as unit_code,
    u.name as unit_name,
    coalesce(r.streets, 0) + coalesce(r.towns, 0) + coalesce(r.townships, 0) as townships_ref
from ref_region as r
left join ref_region as u on u.code = r.unit_code
where r.kind <> 'province'
