-- 下钻 (drill-down): the children of a focus region. 全省 (the province code) → its reporting units; a unit → its
-- regions (the city's own code named “…本级”); any other region → itself. One row per region under the focus:
-- region_code, the breakdown row it adds up to (child_code, child_name) and that row's kind (child_level 'unit' or
-- 'region': the viewer's scope differs, unit totals vs regions in detail). A code that is no region gives no rows.
-- The one definition: 工作台账 (dashboard/ledger.py) and 重大集体争议 (dashboard/disputes.py) both call it.
create or replace macro focus_children(focus_code) as table
with focus_level as (
    select
        case
            when kind = 'province' then 'province'
            when code = unit_code then 'unit'
            else 'region'
        end as level
    from ref_region
    where code = focus_code
)
select
    r.region_code,
    case when f.level = 'province' then r.unit_code else r.region_code end as child_code,
    case
        when f.level = 'province' then r.unit_name
        when f.level = 'unit' and r.region_code = r.unit_code and r.kind = 'city' then r.region_name || '本级'
        else r.region_name
    end as child_name,
    case when f.level = 'province' then 'unit' else 'region' end as child_level
from v_region as r
cross join focus_level as f
where f.level = 'province'
   or (f.level = 'unit' and r.unit_code = focus_code)
   or (f.level = 'region' and r.region_code = focus_code)
