-- figway's change capture on the legacy database: every committed change to the
-- Connect tables, whoever makes it (figway, another Supabase client, the dashboard,
-- a SQL console), is recorded in figway.legacy_changes by row triggers in the same
-- transaction as the change, and a statement trigger wakes the applier with
-- NOTIFY (once per statement: a NOTIFY per row serializes commits).

create schema if not exists figway;

-- The queue of captured changes. A row leaves it once applied to the targets (or
-- recorded as a conflict); it stays, with its error, while applying fails, and is
-- set aside in the dead letters (dead_at) when the targets reject it for good.
create table figway.legacy_changes (
  id bigint generated always as identity primary key,
  -- What the change belongs to: a commitment (its own row, a party or a document),
  -- a profile or a commitment type, by the id the targets know it under.
  entity text not null check (entity in ('commitment', 'profile', 'commitment_type')),
  entity_id uuid not null,
  table_name text not null,
  operation text not null check (operation in ('INSERT', 'UPDATE', 'DELETE')),
  -- The row after the change (before it, for a DELETE).
  row_data jsonb not null,
  -- 'mirror' when figway's mirror wrote it (never mirrored back), 'legacy' otherwise.
  origin text not null,
  -- The user whose JWT claims the writing transaction carried, if any.
  actor uuid,
  -- The writing transaction: its changes to one entity become one ledger revision.
  transaction_id xid8 not null default pg_current_xact_id(),
  captured_at timestamptz(3) not null default clock_timestamp(),
  -- Delivery bookkeeping (figway's applier).
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
create index legacy_changes_by_entity on figway.legacy_changes (entity_id, id);
create index legacy_changes_pending on figway.legacy_changes (id) where dead_at is null;

-- Outbox rows (from the target) already applied here, so that a mirrored write
-- applied twice changes nothing. Written in the transaction that applies it.
create table figway.applied_outbox (
  outbox_id bigint primary key,
  applied_at timestamptz(3) not null default now()
);

create or replace function figway.capture_change() returns trigger
language plpgsql security definer set search_path = pg_catalog, public as $$
declare
  captured jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  claims jsonb := coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb;
begin
  insert into figway.legacy_changes (entity, entity_id, table_name, operation, row_data, origin, actor)
  values (
    case tg_table_name
      when 'profiles' then 'profile'
      when 'commitment_types' then 'commitment_type'
      else 'commitment'
    end,
    case when tg_table_name in ('commitment_parties', 'commitment_documents')
      then (captured ->> 'commitment_id')::uuid
      else (captured ->> 'id')::uuid
    end,
    tg_table_name,
    tg_op,
    captured,
    coalesce(nullif(current_setting('figway.origin', true), ''), 'legacy'),
    -- Only a well-formed uuid: a malformed claim must never fail the application's write.
    case when claims ->> 'sub' ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
      then (claims ->> 'sub')::uuid end
  );
  return null;
end
$$;

create or replace function figway.notify_changes() returns trigger
language plpgsql security definer set search_path = pg_catalog as $$
begin
  perform pg_notify('figway_legacy_changes', '');
  return null;
end
$$;

-- Row triggers fire in name order; the leading underscore makes the capture fire
-- before the application's own AFTER triggers (commitments_seat_creator inserts the
-- creator's party), so a commitment is captured before its parties.
do $$
declare
  t text;
begin
  foreach t in array array['profiles', 'commitment_types', 'commitments', 'commitment_parties', 'commitment_documents'] loop
    execute format(
      'create trigger _figway_capture after insert or update or delete on public.%I
         for each row execute function figway.capture_change()', t);
    execute format(
      'create trigger _figway_capture_notify after insert or update or delete on public.%I
         for each statement execute function figway.notify_changes()', t);
  end loop;
end
$$;
