-- each reporting unit × month × form: its first submission (in load order) and whether it came by the due day.
-- What is due and the deadline are the macros submission_grid / submission_status (shared with page_submissions).
create or replace view mart_submissions as
with unit_versions as (
    select
        v.version_id, v.form, v.period, v.load_seq, v.loaded_at, v.loaded_by, f.sha256 as file_sha256,
        r.unit_code as region_code
    from versions as v
    join files as f using (file_id)
    join version_regions as vr using (version_id)
    join ref_region as r on r.code = vr.region_code
),
first_submission as (
    select * from unit_versions
    qualify row_number() over (partition by period, region_code, form order by load_seq, version_id) = 1
)
select
    g.period,
    g.unit_code as region_code,
    g.form,
    s.version_id,
    s.loaded_at,
    s.loaded_by,
    s.file_sha256,
    submission_status(g.period, s.loaded_at) as status
from submission_grid() as g
left join first_submission as s on s.period = g.period and s.region_code = g.unit_code and s.form = g.form
