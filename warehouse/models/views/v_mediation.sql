create or replace view v_mediation as
select * from mart_mediation
