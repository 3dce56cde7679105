-- Early-warning signals (warehouse/signals.py, docs/signals.md). The `signals` table itself is in schema.sql
-- (v_signals shows its public columns); these columns and tables carry the life cycle behind it.

-- what the signal is about (incident, warning, period, measure@target date): part of its identity
alter table signals add column if not exists subject varchar;
-- the figure that fired it (workers, cases, points…): a closed signal re-opens when it grows
alter table signals add column if not exists metric double;
-- whether the condition held at the latest computation
alter table signals add column if not exists active boolean default true;
-- the first month in which the condition held, and the month of its latest opening (first raise or re-opening)
alter table signals add column if not exists first_period varchar;
alter table signals add column if not exists opened_period varchar;
-- level and figure when a user closed it (反馈): the baseline for re-opening; null when the system closed it
alter table signals add column if not exists closed_level varchar;
alter table signals add column if not exists closed_metric double;

-- every month in which a signal's condition held, with its level then (trend of signals, backtest)
create table if not exists signal_periods (
    signal_id varchar not null,
    period varchar not null,
    level varchar not null,
    metric double
);

-- the history of every signal: raise / resolve / reopen by the system, ack (处置) / close (反馈) by users
create table if not exists signal_actions (
    signal_id varchar not null,
    acted_at timestamp not null,
    actor varchar not null,
    action varchar not null,
    note varchar,
    level varchar,
    metric double
);
-- the data month an action refers to (the month evaluated, or the signal's month when a user acted)
alter table signal_actions add column if not exists period varchar;
