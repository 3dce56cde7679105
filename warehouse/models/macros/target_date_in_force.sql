-- 目标期限: the deadline of the campaign target in force for month p of a measure — the earliest deadline on or after
-- the month's last day, else (every deadline has passed) the last one, which stays in force and is then overdue.
-- The one definition of "target in force": targets_in_force, mart_coverage, 组织建设, 总览 and the 月度简报 use it.
create or replace macro target_date_in_force(m, p) as (
    select coalesce(min(d.target_date) filter (where d.target_date >= last_day(cast(p || '-01' as date))),
                    max(d.target_date))
    from cfg_target as d
    where d.measure = m
)
