-- coverage measures (measures.toml, kind = "coverage") as period × region × measure with the target in force
-- (macro target_date_in_force: the earliest deadline on or after the period's end, else the last one).
create or replace view mart_coverage as
with org as (
    select * from stg_org_building
),
long as (
    {{coverage_union}}
),
with_deadline as (
    select *, target_date_in_force(measure, period) as target_date from long
)
select
    w.period,
    w.region_code,
    w.measure,
    w.numerator,
    w.denominator,
    cast(w.numerator as double) / nullif(w.denominator, 0) as rate,
    t.rate as target,
    w.target_date
from with_deadline as w
left join cfg_target as t using (measure, target_date)
