-- current figures of sheet 工作台账 (form C): one row per task per monthly snapshot
create or replace view stg_ledger as
select raw.* exclude (version_id, source_row)
from raw_ledger as raw
join current_versions as cur using (version_id, period, region_code)
