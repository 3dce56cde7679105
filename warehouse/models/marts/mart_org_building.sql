create or replace view mart_org_building as
select * from stg_org_building
