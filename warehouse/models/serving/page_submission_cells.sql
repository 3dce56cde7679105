-- 报送情况 (dashboard/submissions.py): per reporting unit × month × form that has a load, its first submission,
-- how many versions it has and how many were replaced, and the latest load. Load order is load_seq (monotonic).
-- Nothing here depends on today's date; page_submissions adds the months that are due.
-- refresh: period
create or replace table page_submission_cells as
with unit_versions as (
    select v.version_id, v.form, v.period, v.load_seq, v.loaded_at, v.loaded_by, r.unit_code,
           bool_and(c.version_id is distinct from v.version_id) as replaced
    from versions as v
    join version_regions as vr on vr.version_id = v.version_id
    join ref_region as r on r.code = vr.region_code
    left join current_versions as c
        on c.form = vr.form and c.period = vr.period and c.region_code = vr.region_code
    group by all
)
select period, unit_code, form,
       arg_min(loaded_at, load_seq) as first_loaded_at, arg_min(loaded_by, load_seq) as first_loaded_by,
       count(*) as versions, count(*) filter (where replaced) as replaced,
       arg_max(loaded_at, load_seq) as last_loaded_at, arg_max(loaded_by, load_seq) as last_loaded_by
from unit_versions
group by all
order by period, unit_code, form
