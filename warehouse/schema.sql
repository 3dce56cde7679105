-- Meta tables of the warehouse. Raw tables of the forms (raw_<sheet table>) are created from the form
-- definitions by warehouse/db.py, so a new form column needs no change here.

create table if not exists ref_region (
    code varchar primary key,
    name varchar not null,
    kind varchar not null,
    city_code varchar,
    unit_code varchar,
    streets integer,
    towns integer,
    townships integer,
    township_like integer,
    aliases varchar,
    note varchar
);

create table if not exists ref_industry (
    code varchar primary key,
    name varchar not null
);

-- settings in force, written from config at every start so views can read them
create table if not exists cfg_setting (
    key varchar primary key,
    value_num double,
    value_text varchar
);

create table if not exists cfg_target (
    measure varchar,
    target_date date,
    rate double,
    points_over_2024 double
);

-- every loaded file, byte for byte
create table if not exists files (
    file_id varchar primary key,
    sha256 varchar not null,
    file_name varchar not null,
    size_bytes bigint not null,
    content blob not null,
    received_at timestamp not null,
    received_by varchar not null
);

-- one load of one file = one version
create table if not exists versions (
    version_id varchar primary key,
    file_id varchar not null,
    form varchar not null,
    period varchar not null,
    loaded_at timestamp not null,
    loaded_by varchar not null,
    row_counts varchar not null,   -- json {sheet: rows}
    warnings varchar not null,     -- json [issue]
    review_state varchar not null default 'approved',
    review_note varchar
);

create table if not exists version_regions (
    version_id varchar not null,
    form varchar not null,
    period varchar not null,
    region_code varchar not null
);

-- which version is current for each form × period × region (supersede and restore move this pointer)
create table if not exists current_versions (
    form varchar not null,
    period varchar not null,
    region_code varchar not null,
    version_id varchar not null,
    primary key (form, period, region_code)
);

create table if not exists audit_log (
    logged_at timestamp not null,
    actor varchar not null,
    action varchar not null,
    target varchar,
    detail varchar
);

create table if not exists signals (
    signal_id varchar primary key,
    rule varchar not null,
    level varchar not null,
    period varchar not null,
    region_code varchar not null,
    industry_code varchar,
    title varchar not null,
    explanation varchar not null,
    evidence varchar,
    status varchar not null default 'new',
    first_seen timestamp not null,
    last_seen timestamp not null
);
