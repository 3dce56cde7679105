-- R2 受理量激增 (sheet 分行业, form A): region × industry intake of each evaluation period against the
-- mean of the trailing months the region reported and against the same month of the previous year.
-- 分行业 is long format (only non-zero rows are listed), so a reported month without the industry counts 0.
with reported_months as (
    select distinct period, region_code
    from stg_mediation_industry
    where list_contains($regions, region_code)
),
target as (
    select period, region_code, industry as industry_code, accepted
    from stg_mediation_industry
    where list_contains($periods, period)
      and list_contains($regions, region_code)
      and accepted >= $min_cases
),
baseline_months as (
    select
        t.period,
        t.region_code,
        t.industry_code,
        strftime(cast(t.period || '-01' as date) - to_months(k.k), '%Y-%m') as base_period
    from target as t
    cross join range(1, $window_months + 1) as k(k)
),
baseline as (
    select
        b.period,
        b.region_code,
        b.industry_code,
        count(*) as months,
        sum(coalesce(h.accepted, 0)) as accepted_sum,
        list(b.base_period order by b.base_period) as base_periods
    from baseline_months as b
    join reported_months as m on m.period = b.base_period and m.region_code = b.region_code
    left join stg_mediation_industry as h
        on h.period = b.base_period and h.region_code = b.region_code and h.industry = b.industry_code
    group by b.period, b.region_code, b.industry_code
),
last_year as (
    select
        t.period,
        t.region_code,
        t.industry_code,
        strftime(cast(t.period || '-01' as date) - interval 12 month, '%Y-%m') as ly_period,
        coalesce(h.accepted, 0) as accepted
    from target as t
    join reported_months as m
        on m.region_code = t.region_code
       and m.period = strftime(cast(t.period || '-01' as date) - interval 12 month, '%Y-%m')
    left join stg_mediation_industry as h
        on h.region_code = t.region_code
       and h.industry = t.industry_code
       and h.period = strftime(cast(t.period || '-01' as date) - interval 12 month, '%Y-%m')
),
measured as (
    select
        t.period,
        t.region_code,
        t.industry_code,
        t.accepted,
        b.months,
        cast(b.accepted_sum as double) / b.months as mean,
        t.accepted / greatest(cast(b.accepted_sum as double) / b.months, 1.0) as ratio,
        b.base_periods,
        ly.ly_period,
        ly.accepted as last_year,
        -- how unlikely the rise is by chance (difference of Poisson counts): against last year's month when
        -- there is one (the seasonal baseline), else against the trailing mean
        case
            when ly.accepted is not null then (t.accepted - ly.accepted) / sqrt(t.accepted + ly.accepted)
            else (t.accepted - cast(b.accepted_sum as double) / b.months)
                 / sqrt(t.accepted + cast(b.accepted_sum as double) / b.months / b.months)
        end as z
    from target as t
    join baseline as b using (period, region_code, industry_code)
    left join last_year as ly using (period, region_code, industry_code)
    where b.months >= $min_history_months
)
select *
from measured
where ratio >= $ratio_yellow
  and z >= $min_z
  and (
        (last_year is not null and accepted >= $yoy_ratio * last_year)
        -- without last year's month the seasonal check is impossible: a stricter ratio applies
        or (last_year is null and ratio >= $ratio_no_last_year)
  )
order by period, region_code, industry_code
