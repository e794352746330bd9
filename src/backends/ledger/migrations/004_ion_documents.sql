-- Ion documents and deletions, as QLDB's session API writes them.
--
-- A document written as Ion keeps its Ion types (timestamps, decimals, blobs, clobs,
-- symbols, typed nulls, annotations) in `ion`, its Ion binary, which is what its
-- revision hash covers; `data` holds its JSON down-conversion for JSON queries. The
-- JSON documents the gateway writes have no `ion` and stay exactly as they were,
-- hashed from `data` as before. A deletion (QLDB's DELETE) is a revision with
-- metadata and no data: `deleted`, with `data` and `ion` null; its hash is the hash of
-- its metadata alone. Adding the columns rewrites no row and fires no trigger, so the
-- journal keeps every hash it had.

alter table ledger.revisions
  add column ion bytea,
  add column deleted boolean not null default false,
  alter column data drop not null;

-- A deletion holds nothing; every other revision holds its JSON (and Ion, if any).
alter table ledger.revisions add constraint revisions_content check (
  case when deleted then data is null and ion is null else data is not null end
);

-- The committed view exposes each document's Ion and leaves out documents whose newest
-- revision deletes them. Still a simple view of ledger.revisions (see 002): nothing
-- separate to edit, and predicates reach the revisions' indexes through it.
create or replace view ledger.documents as
  select r.table_name, r.document_id, r.version, r.data, r.ion
  from ledger.revisions r
  where not r.deleted and not exists (
    select 1 from ledger.revisions newer
    where newer.table_name = r.table_name and newer.document_id = r.document_id and newer.version > r.version
  );

-- ledger.append_block (003) takes each revision's Ion and deletion mark too, in a
-- form with two more arguments. It is otherwise unchanged: the same checks, the same
-- statements, the same order.
create function ledger.append_block(
  p_strand_id text,
  p_sequence_no bigint,
  p_transaction_id text,
  p_tx_time timestamptz,
  p_transaction_info jsonb,
  p_entries_hash bytea,
  p_previous_block_hash bytea,
  p_block_hash bytea,
  -- The version each document must have now (null: no document yet), one per document.
  p_expected_tables text[],
  p_expected_ids text[],
  p_expected_versions integer[],
  -- The block's revisions, in entry order: JSON (null for a deletion), Ion (null for
  -- a JSON document or a deletion), deletion mark, hash.
  p_tables text[],
  p_ids text[],
  p_versions integer[],
  p_data jsonb[],
  p_ion bytea[],
  p_deleted boolean[],
  p_hashes bytea[],
  -- The Merkle tree nodes the block completes, and the tree's frontier after it.
  p_node_levels integer[],
  p_node_indexes bigint[],
  p_node_hashes bytea[],
  p_frontier bytea
) returns jsonb
language plpgsql
set plan_cache_mode = force_generic_plan
as $$
declare
  stale jsonb;
begin
  -- Optimistic concurrency: the caller holds the strand lock, and this statement's
  -- snapshot was taken after it was granted, so these are the versions committed
  -- before this block. A stale one is returned, and nothing is written.
  select coalesce(jsonb_agg(jsonb_build_object('tableName', e.table_name, 'documentId', e.document_id,
      'version', e.version, 'current', e.current) order by e.position), '[]'::jsonb)
    into stale
    from (
      select w.table_name, w.document_id, w.version, w.position,
        (select max(r.version) from ledger.revisions r
         where r.table_name = w.table_name and r.document_id = w.document_id) as current
      from unnest(p_expected_tables, p_expected_ids, p_expected_versions)
        with ordinality as w (table_name, document_id, version, position)
    ) e
    where e.current is distinct from e.version;
  if stale <> '[]'::jsonb then
    return stale;
  end if;

  insert into ledger.blocks (strand_id, sequence_no, transaction_id, block_timestamp, transaction_info,
      entries_hash, previous_block_hash, block_hash)
    values (p_strand_id, p_sequence_no, p_transaction_id, p_tx_time, p_transaction_info,
      p_entries_hash, p_previous_block_hash, p_block_hash);

  insert into ledger.revisions (table_name, document_id, version, data, ion, deleted, tx_id, tx_time, strand_id,
      sequence_no, entry_index, hash)
    select w.table_name, w.document_id, w.version, w.data, w.ion, w.deleted, p_transaction_id, p_tx_time,
      p_strand_id, p_sequence_no, w.entry_index, w.hash
    from unnest(p_tables, p_ids, p_versions, p_data, p_ion, p_deleted, p_hashes)
      with ordinality as w (table_name, document_id, version, data, ion, deleted, hash, entry_index);

  insert into ledger.tree_nodes (strand_id, level, node_index, hash)
    select p_strand_id, n.level, n.node_index, n.hash
    from unnest(p_node_levels, p_node_indexes, p_node_hashes) as n (level, node_index, hash);

  -- The tip moves last: the revisions' trigger refuses a revision whose block is not
  -- the tip's next one. A tip that is not the one the block extends fails the call.
  update ledger.strands
    set tip_sequence_no = p_sequence_no, tip_block_hash = p_block_hash, frontier = p_frontier
    where strand_id = p_strand_id and coalesce(tip_sequence_no + 1, 0) = p_sequence_no
      and coalesce(tip_block_hash, ''::bytea) = p_previous_block_hash;
  if not found then
    raise exception 'block % does not extend the tip of strand %', p_sequence_no, p_strand_id
      using errcode = 'P0001', hint = 'Lock the strand (select ... for update) before appending a block.';
  end if;
  return stale;
end
$$;

-- The form of 003 stays, for writers of JSON documents only (a process of the previous
-- release, during a rolling deploy): it appends its revisions with no Ion and no deletion.
create or replace function ledger.append_block(
  p_strand_id text,
  p_sequence_no bigint,
  p_transaction_id text,
  p_tx_time timestamptz,
  p_transaction_info jsonb,
  p_entries_hash bytea,
  p_previous_block_hash bytea,
  p_block_hash bytea,
  p_expected_tables text[],
  p_expected_ids text[],
  p_expected_versions integer[],
  p_tables text[],
  p_ids text[],
  p_versions integer[],
  p_data jsonb[],
  p_hashes bytea[],
  p_node_levels integer[],
  p_node_indexes bigint[],
  p_node_hashes bytea[],
  p_frontier bytea
) returns jsonb
language sql
as $$
  select ledger.append_block(p_strand_id, p_sequence_no, p_transaction_id, p_tx_time, p_transaction_info,
    p_entries_hash, p_previous_block_hash, p_block_hash, p_expected_tables, p_expected_ids, p_expected_versions,
    p_tables, p_ids, p_versions, p_data,
    array_fill(null::bytea, array[coalesce(cardinality(p_tables), 0)]),
    array_fill(false, array[coalesce(cardinality(p_tables), 0)]),
    p_hashes, p_node_levels, p_node_indexes, p_node_hashes, p_frontier)
$$;
