-- current figures of sheet 重大集体争议 (form A): one row per incident per month reported
create or replace view stg_major_disputes as
select raw.* exclude (version_id, source_row)
from raw_major_disputes as raw
join current_versions as cur using (version_id, period, region_code)
