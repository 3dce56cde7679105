-- R7 组织建设进度不足 (sheet 组织建设, form B): each reporting unit's coverage measure (summed numerator ÷
-- summed denominator, v_coverage) in the evaluation period, its monthly pace since the earliest month of the
-- trailing window, and where that pace leads by the target date in force (v_coverage.target_date).
with unit_rates as (
    select
        c.period,
        r.unit_code as region_code,
        c.measure,
        sum(c.numerator) as numerator,
        sum(c.denominator) as denominator,
        max(c.target) as target,
        max(c.target_date) as target_date
    from v_coverage as c
    join ref_region as r on r.code = c.region_code
    where list_contains($units, r.unit_code)
      and c.period <= $period
      and c.period >= strftime(cast($period || '-01' as date) - to_months($pace_months), '%Y-%m')
    group by c.period, r.unit_code, c.measure
    having sum(c.denominator) > 0
),
now as (
    select *, cast(numerator as double) / denominator as rate
    from unit_rates
    where period = $period and target is not null
),
past as (
    select *, cast(numerator as double) / denominator as rate
    from unit_rates
    where period < $period
    qualify row_number() over (partition by region_code, measure order by period) = 1
),
paced as (
    select
        now.period,
        now.region_code,
        now.measure,
        now.numerator,
        now.denominator,
        now.rate,
        now.target,
        now.target_date,
        past.period as past_period,
        past.rate as past_rate,
        date_diff('month', cast(past.period || '-01' as date), cast(now.period || '-01' as date)) as pace_months,
        date_diff('month', cast(now.period || '-01' as date), cast(date_trunc('month', now.target_date) as date)) as months_left
    from now
    join past using (region_code, measure)
),
projected as (
    select
        *,
        (rate - past_rate) / pace_months as pace,
        least(1.0, rate + greatest(months_left, 0) * (rate - past_rate) / pace_months) as projected
    from paced
    where pace_months >= $min_pace_months
)
select *
from projected
where rate < target
  and (months_left <= 0 or projected < target - $tolerance_points / 100.0)
order by region_code, measure
