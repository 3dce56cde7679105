-- current figures of sheet 调解情况 (form A): one row per period × region
create or replace view stg_mediation as
select raw.* exclude (version_id, source_row)
from raw_mediation as raw
join current_versions as cur using (version_id, period, region_code)
