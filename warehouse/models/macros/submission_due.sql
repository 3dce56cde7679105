-- 报送截止: a month's report is due by the end of the due day (cfg due_day) of the following month
create or replace macro submission_due(p) as
    cast(cast(p || '-01' as date) + interval 1 month
         + to_days(cast((select value_num from cfg_setting where key = 'due_day') as integer) - 1) as timestamp)
    + interval 1 day
