-- 截至某月 (as of) of items reported month by month (重大劳动争议事件, 风险预警): from serving table t (one row per
-- item's report and month), each item's latest report at or before end_p — item = (column named k, region_code) —
-- with first_period (its first report) and reported_period (the month of the kept report); an item whose latest
-- report is before start_p is left out (start_p NULL = no lower bound). The one as-of rule of 纠纷事件 and 风险预警.
create or replace macro reports_as_of(t, k, start_p, end_p) as table
select
    * exclude (item_key),
    min(period) over item as first_period,
    period as reported_period
from (select *, columns(k) as item_key from query_table(t))
where period <= end_p
window item as (partition by item_key, region_code)
qualify row_number() over (partition by item_key, region_code order by period desc) = 1
    and (cast(start_p as varchar) is null or period >= start_p)
