-- 按时 / 迟报 / 未报: a unit's first submission of a month's form against submission_due
create or replace macro submission_status(p, first_loaded_at) as
    case
        when first_loaded_at is null then 'missing'
        when first_loaded_at <= submission_due(p) then 'on_time'
        else 'late'
    end
