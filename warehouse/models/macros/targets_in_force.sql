-- the campaign targets in force (config [[targets]]) for each of the months `periods` (a list of 'YYYY-MM'):
-- period, measure, target_date, rate (null for a target relative to 2024), points_over_2024.
create or replace macro targets_in_force(periods) as table
with months as (
    select unnest(cast(periods as varchar[])) as period
),
picked as (
    select m.period, t.measure, target_date_in_force(t.measure, m.period) as target_date
    from months as m
    cross join (select distinct measure from cfg_target) as t
)
select p.period, p.measure, t.target_date, t.rate, t.points_over_2024
from picked as p
join cfg_target as t using (measure, target_date)
