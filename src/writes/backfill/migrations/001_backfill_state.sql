-- Where each backfill job stands, kept in the target database so a batch and its
-- progress commit in the same transaction: an interrupted run resumes exactly.

create schema if not exists figway;

-- The last source id of the last committed batch; null once a run completed.
create table figway.backfill_cursors (
  job text primary key,
  cursor text,
  updated_at timestamptz not null default now()
);

-- Per commitment, the last legacy history row already written to the ledger.
create table figway.backfill_marks (
  job text not null,
  source_id text not null,
  last_history_id bigint not null,
  primary key (job, source_id)
);
