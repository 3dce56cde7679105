-- what is due: every reporting unit × form (A, B, C) × month from the campaign start (cfg first_period) to the last
-- month whose due day has passed, plus any month with a load
create or replace macro submission_grid() as table
with months as (
    select strftime(m, '%Y-%m') as period
    from (select max(value_text) filter (where key = 'first_period') as first_period from cfg_setting) as cfg,
        generate_series(cast(cfg.first_period || '-01' as date), cast(date_trunc('month', current_date) as date),
                        interval 1 month) as g(m)
    where submission_due(strftime(m, '%Y-%m')) - interval 1 day < current_date
    union
    select distinct period from versions
)
select m.period, u.code as unit_code, f.form
from months as m
cross join (select code from ref_region where code = unit_code) as u
cross join (values ('A'), ('B'), ('C')) as f(form)
