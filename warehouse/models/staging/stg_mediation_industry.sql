-- current figures of sheet 分行业 (form A): period × region × industry
create or replace view stg_mediation_industry as
select raw.* exclude (version_id, source_row)
from raw_mediation_industry as raw
join current_versions as cur using (version_id, period, region_code)
