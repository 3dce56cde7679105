-- Multi-level review (多级上报, warehouse/review.py).
-- versions.review_state: 'pending' 待审核 · 'approved' 审核通过 · 'returned' 退回 (reason in versions.review_note).
-- current_versions is what the dashboards read; approved_versions is the reviewed figures in force per region
-- (the fallback when a pending version is returned, and what dashboards read when [review] pending_counts = false).

create table if not exists approved_versions (
    form varchar not null,
    period varchar not null,
    region_code varchar not null,
    version_id varchar not null,
    primary key (form, period, region_code)
);

-- who submitted each version from the app and who is to review it (absent for CLI/demo loads: review.py infers it)
create table if not exists review_submissions (
    version_id varchar primary key,
    submitter_role varchar not null,   -- admin | city | county
    submitter_region varchar,          -- the uploader's own region (county) or unit (city) code
    reviewer_role varchar,             -- city | admin; null when no review is needed
    reviewer_unit varchar,             -- for reviewer_role = 'city': the unit code of the reviewing city
    reviewed_by varchar,
    reviewed_at timestamp
);

-- warehouses loaded before review existed: their approved current figures are the approved figures in force
-- (not "insert or ignore": a lake has no keys, so the pointers already there are skipped explicitly)
insert into approved_versions
select c.form, c.period, c.region_code, c.version_id
from current_versions as c
join versions as v using (version_id)
where v.review_state = 'approved'
  and not exists (select 1 from approved_versions as a
                  where a.form = c.form and a.period = c.period and a.region_code = c.region_code);
