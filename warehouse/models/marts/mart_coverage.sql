-- coverage measures (measures.toml, kind = "coverage") as period × region × measure with the target in force:
-- the earliest target whose deadline is on or after the period's end, else the last one.
create or replace view mart_coverage as
with org as (
    select * from stg_org_building
),
long as (
    {{coverage_union}}
),
with_period_end as (
    select *, last_day(cast(period || '-01' as date)) as period_end from long
),
targets as (
    select measure, target_date, rate from cfg_target where rate is not null
),
matched as (
    select
        w.*,
        t.rate as target,
        t.target_date,
        row_number() over (
            partition by w.period, w.region_code, w.measure
            order by (t.target_date < w.period_end), abs(date_diff('day', w.period_end, t.target_date))
        ) as pick
    from with_period_end as w
    left join targets as t on t.measure = w.measure
)
select
    period,
    region_code,
    measure,
    numerator,
    denominator,
    cast(numerator as double) / nullif(denominator, 0) as rate,
    target,
    target_date
from matched
where pick = 1
