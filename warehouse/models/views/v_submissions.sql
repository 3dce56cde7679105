create or replace view v_submissions as
select period, region_code, form, version_id, loaded_at, loaded_by, file_sha256, status
from mart_submissions
