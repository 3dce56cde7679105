-- The build graph's own state (warehouse/build.py) and the load order of versions.

-- the fingerprint (model definitions + settings) the serving tables were last built whole with
create table if not exists build_state (
    fingerprint varchar,
    built_at timestamp
);

-- what a batch of loads changed but has not yet refreshed downstream (serving tables, signals), written inside each
-- load's transaction: a batch that dies before its single refresh leaves them here, and the next writable open
-- finishes them (self-healing)
create table if not exists build_pending (
    form varchar not null,
    period varchar not null,
    regions varchar[] not null,
    loaded_at timestamp
);

-- the order of loads: a monotonic sequence given at commit (loaded_at is the clerk's clock and may be anything)
alter table versions add column if not exists load_seq bigint;
update versions set load_seq = s.seq
from (
    select version_id,
           (select coalesce(max(load_seq), 0) from versions) + row_number() over (order by loaded_at, version_id) as seq
    from versions
    where load_seq is null
) as s
where versions.version_id = s.version_id;

-- what the schema, settings and models were last built from (warehouse/db.py schema_fingerprint): a writable open
-- that finds the same fingerprint skips rebuilding them
create table if not exists schema_state (
    fingerprint varchar,
    built_at timestamp
);
