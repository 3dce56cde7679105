-- current figures of sheet 组织建设 (form B): period × region, stock at month end
create or replace view stg_org_building as
select raw.* exclude (version_id, source_row)
from raw_org_building as raw
join current_versions as cur using (version_id, period, region_code)
