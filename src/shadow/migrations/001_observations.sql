-- Shadow observations: one row per comparison of a migration unit's two sides.

create schema if not exists observations;

create table observations.observations (
  id bigint generated always as identity primary key,
  at timestamptz(3) not null,
  unit text not null,
  stage text not null,
  control text not null check (control in ('legacy', 'target')),
  cohort text,
  user_hash text,
  operation_name text,
  client_name text,
  client_version text,
  query text,
  variables jsonb,
  outcome text not null
    check (outcome in ('matched', 'mismatched', 'noise', 'candidate_error', 'timeout', 'dropped')),
  diffs jsonb not null default '[]'::jsonb,
  control_ms real,
  candidate_ms real,
  control_error text,
  candidate_error text
);
create index observations_by_unit_time on observations.observations (unit, at);
create index observations_by_time on observations.observations (at);
