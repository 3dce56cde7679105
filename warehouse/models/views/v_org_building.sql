create or replace view v_org_building as
select * from mart_org_building
