-- figway's ledger: QLDB's journal and committed view, kept in PostgreSQL.
-- Blocks, revisions and Merkle tree nodes are append-only (see the triggers below);
-- ledger.documents is the committed view, rewritten with each new revision.

create schema if not exists ledger;

-- The strand (QLDB keeps one per ledger) and its tip: the last block, and the
-- frontier of the journal's Merkle tree (the roots of its perfect subtrees,
-- largest first), from which the digest is computed.
create table ledger.strands (
  strand_id text primary key,
  tip_sequence_no bigint,
  tip_block_hash bytea,
  -- Concatenated 32-byte hashes.
  frontier bytea not null default ''::bytea,
  created_at timestamptz(3) not null default now()
);
-- One strand per ledger, as in QLDB.
create unique index strands_one_per_ledger on ledger.strands ((true));

create table ledger.blocks (
  strand_id text not null references ledger.strands (strand_id),
  sequence_no bigint not null,
  transaction_id text not null unique,
  block_timestamp timestamptz(3) not null,
  transaction_info jsonb not null,
  entries_hash bytea not null,
  -- Empty for the first block of the strand.
  previous_block_hash bytea not null,
  block_hash bytea not null,
  primary key (strand_id, sequence_no)
);

create table ledger.revisions (
  table_name text not null,
  document_id text not null,
  version integer not null check (version >= 0),
  data jsonb not null,
  tx_id text not null,
  tx_time timestamptz(3) not null,
  strand_id text not null,
  sequence_no bigint not null,
  -- Position among the block's entries; entry 0 is the transaction info.
  entry_index integer not null check (entry_index >= 1),
  hash bytea not null,
  primary key (table_name, document_id, version),
  foreign key (strand_id, sequence_no) references ledger.blocks (strand_id, sequence_no)
);
create index revisions_by_block on ledger.revisions (strand_id, sequence_no, entry_index);

-- Roots of the journal tree's perfect subtrees above the leaves (the leaves are
-- the block hashes): level 1 covers two blocks, level 2 four, and so on.
create table ledger.tree_nodes (
  strand_id text not null references ledger.strands (strand_id),
  level integer not null check (level >= 1),
  node_index bigint not null,
  hash bytea not null,
  primary key (strand_id, level, node_index)
);

-- The committed view: the newest revision of every document.
create table ledger.documents (
  table_name text not null,
  document_id text not null,
  version integer not null,
  data jsonb not null,
  primary key (table_name, document_id)
);
create index documents_data on ledger.documents using gin (data jsonb_path_ops);
create index documents_newest_first on ledger.documents
  (table_name, (data ->> 'createdAt') desc, document_id desc);

create or replace function ledger.refuse_change() returns trigger
language plpgsql as $$
begin
  raise exception 'ledger.% is append-only: % is refused', tg_table_name, tg_op
    using errcode = 'P0001', hint = 'A ledger changes only by appending a new block.';
end
$$;

create trigger blocks_append_only before update or delete on ledger.blocks
  for each row execute function ledger.refuse_change();
create trigger revisions_append_only before update or delete on ledger.revisions
  for each row execute function ledger.refuse_change();
create trigger tree_nodes_append_only before update or delete on ledger.tree_nodes
  for each row execute function ledger.refuse_change();
