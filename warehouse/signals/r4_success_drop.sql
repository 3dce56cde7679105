-- R4 调解成功率下降 (sheet 调解情况, form A): a region's success rate (调解成功数 ÷ 调解结案数) in the
-- evaluation period against its own pooled rate of the trailing months it reported; a drop counts only
-- with enough closed cases and when it is unlikely to be chance (binomial z-score).
with target as (
    select period, region_code, succeeded_total, closed_total
    from stg_mediation
    where list_contains($periods, period)
      and list_contains($regions, region_code)
      and closed_total >= $min_closed
),
history as (
    select
        t.period,
        t.region_code,
        count(*) as months,
        sum(h.succeeded_total) as succeeded_sum,
        sum(h.closed_total) as closed_sum,
        min(h.period) as first_base,
        max(h.period) as last_base
    from target as t
    join stg_mediation as h
        on h.region_code = t.region_code
       and h.period < t.period
       and h.period >= strftime(cast(t.period || '-01' as date) - to_months($history_months), '%Y-%m')
    group by t.period, t.region_code
),
measured as (
    select
        t.period,
        t.region_code,
        t.succeeded_total,
        t.closed_total,
        cast(t.succeeded_total as double) / t.closed_total as rate,
        h.months,
        h.succeeded_sum,
        h.closed_sum,
        cast(h.succeeded_sum as double) / h.closed_sum as base_rate,
        h.first_base,
        h.last_base
    from target as t
    join history as h using (period, region_code)
    where h.months >= $min_history_months
      and h.closed_sum > 0
),
scored as (
    select
        *,
        base_rate - rate as drop,
        (base_rate - rate) / sqrt(greatest(base_rate * (1 - base_rate), 0.0025) / closed_total) as z
    from measured
)
select *
from scored
where drop * 100 >= $drop_points
  and z >= $min_z
order by period, region_code
