-- Accounts of the app (interfaces.md §4). Managed only through auth/accounts.py (CLI `python -m etl user …`
-- and the admin page); every change is written to audit_log in the same transaction.
-- password_hash holds an argon2id hash (salt and parameters encoded in it); never the password itself.
-- Accounts are never deleted, only disabled, so the audit log's actors always resolve.

create table if not exists accounts (
    name varchar primary key,              -- login name, lower-case ascii (e.g. tonghua_city)
    display_name varchar not null,         -- shown in the app (Chinese)
    role varchar not null check (role in ('admin', 'leader', 'city', 'county')),
    region_code varchar,                   -- city: its unit's code; county: its own region; admin/leader: null
    password_hash varchar not null,
    is_demo boolean not null default false, -- made by `python -m etl user demo-accounts`; listed on the login page
    disabled boolean not null default false,
    created_at timestamp not null,
    failed_attempts integer not null default 0,  -- consecutive failed logins since the last success or lockout
    locked_until timestamp,                -- set after too many failed logins
    last_login_at timestamp
);
