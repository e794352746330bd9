-- figway's mirror state in each target database (the ledger's and the OLTP
-- service's; one table set when both share a database).

create schema if not exists figway;

-- Captured legacy changes already applied here, written in the transaction that
-- applies them: a change applied twice, or redelivered after a crash, changes nothing.
create table figway.applied_changes (
  change_id bigint primary key,
  applied_at timestamptz(3) not null default now()
);

-- Writes served by the target (stages live and rampdown), to be mirrored to legacy.
-- A row is inserted in the ledger transaction of the write itself, so a committed
-- write always has its outbox row; it leaves once legacy has it.
create table figway.outbox (
  id bigint generated always as identity primary key,
  entity text not null check (entity in ('commitment')),
  entity_id text not null,
  -- The mutation unit and stage that wrote it, and the user who made it.
  unit text not null,
  stage text not null,
  actor uuid,
  -- The ledger revision (metadata.version) the write created: legacy is brought to it.
  revision integer not null,
  created_at timestamptz(3) not null default clock_timestamp(),
  -- Failures of the change itself (refused by the other side): past the limit, a dead letter.
  attempts integer not null default 0,
  -- Every failure, the other side being down included: the backoff grows with it.
  failures integer not null default 0,
  next_attempt_at timestamptz(3),
  last_error text,
  claimed_by text,
  claimed_until timestamptz(3),
  dead_at timestamptz(3)
);
create index outbox_by_entity on figway.outbox (entity_id, id);
create index outbox_pending on figway.outbox (id) where dead_at is null;

create or replace function figway.notify_outbox() returns trigger
language plpgsql as $$
begin
  perform pg_notify('figway_outbox', '');
  return null;
end
$$;
create trigger figway_outbox_notify after insert on figway.outbox
  for each statement execute function figway.notify_outbox();

-- Changes that could not be applied without overwriting the authoritative side: a
-- write that bypassed figway on legacy after authority moved to the target, over a
-- newer target version. Kept until resolved (figway reconcile --repair, or by hand).
create table figway.sync_conflicts (
  id bigint generated always as identity primary key,
  entity text not null,
  entity_id text not null,
  -- The captured legacy change (figway.legacy_changes.id) that conflicted.
  change_id bigint,
  detail text not null,
  legacy_row jsonb,
  target_version integer,
  detected_at timestamptz(3) not null default now(),
  resolved_at timestamptz(3)
);
create index sync_conflicts_open on figway.sync_conflicts (id) where resolved_at is null;
