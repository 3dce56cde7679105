-- mediation figures with the derived measures; formulas come from config [measures] (compiled, never raw text)
create or replace view mart_mediation as
with current_rows as (
    select * from stg_mediation
),
measured as (
    select
        *,
        {{success_rate}} as success_rate,
        {{mediation_share}} as mediation_share
    from current_rows
)
select * from measured
