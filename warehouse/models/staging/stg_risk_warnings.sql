-- current figures of sheet 预警信息 (form A): one row per warning per month reported
create or replace view stg_risk_warnings as
select raw.* exclude (version_id, source_row)
from raw_risk_warnings as raw
join current_versions as cur using (version_id, period, region_code)
