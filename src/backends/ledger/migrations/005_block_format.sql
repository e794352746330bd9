-- Block format 2: blocks laid out as Amazon QLDB lays them out.
--
-- Format 1 (every block written before this migration): the entries are the Ion hash
-- of the transaction info first, then each revision's hash; the transaction info is
-- figway's own JSON, {transactionId, documents: [{tableName, id, version}, ...]}.
-- Format 2 (the blocks written from now on; one whose transaction writes one document
-- id in two tables, which QLDB's shape cannot say, is still written in format 1, see
-- blockFormat.ts): the entries are each revision's hash,
-- then the Ion hash of the transaction info last, and the transaction info has QLDB's
-- shape, {statements: [{statement, startTime, statementDigest}], documents: {<id>:
-- {tableName, tableId, statements: [...]}}}. It holds an Ion timestamp and a blob, so
-- it is kept as Ion text (`transaction_info_ion`, what its entry hashes), with its JSON
-- down-conversion in `transaction_info` for JSON queries (the GIN index of 002), as
-- revisions keep theirs (004).
--
-- Each block says its format, and verification reads each block by its own format.
-- Nothing here rewrites a row or fires a trigger: `format` is added with a constant
-- default, which PostgreSQL records once for the existing rows instead of writing it
-- into each, so every existing block reads as format 1 and keeps every hash it had.
-- The journal is not re-verified here: no stored byte changes, and hashing Ion is done
-- by the application, not by SQL; the ledger's verifyJournal() checks every block of
-- both formats whenever it is run, and each proof checks its block by its format.

alter table ledger.blocks
  add column format smallint not null default 1,
  add column transaction_info_ion bytea;

-- A format 1 block has no Ion transaction info, a format 2 block has one. Existing rows
-- are format 1 with no Ion by the defaults above, so the check is not run over them
-- (which would read the whole table under an exclusive lock); new rows are checked.
alter table ledger.blocks add constraint blocks_format check (
  (format = 1 and transaction_info_ion is null) or (format = 2 and transaction_info_ion is not null)
) not valid;

-- A revision's entry_index is its position among its block's entries: from 1 in a
-- format 1 block (entry 0 is the transaction info), from 0 in a format 2 block (the
-- transaction info is the last entry). Existing rows met the stricter check of 001.
alter table ledger.revisions drop constraint revisions_entry_index_check;
alter table ledger.revisions add constraint revisions_entry_index check (entry_index >= 0) not valid;

-- ledger.append_block takes the block's format and its Ion transaction info, in a form
-- with two more arguments than 004's. It is otherwise 004's: the same checks, the same
-- statements, the same order; revisions are numbered from 1 in format 1, from 0 in
-- format 2.
create function ledger.append_block(
  p_strand_id text,
  p_sequence_no bigint,
  p_transaction_id text,
  p_tx_time timestamptz,
  p_transaction_info jsonb,
  p_format smallint,
  p_transaction_info_ion bytea,
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
      format, transaction_info_ion, entries_hash, previous_block_hash, block_hash)
    values (p_strand_id, p_sequence_no, p_transaction_id, p_tx_time, p_transaction_info,
      p_format, p_transaction_info_ion, p_entries_hash, p_previous_block_hash, p_block_hash);

  insert into ledger.revisions (table_name, document_id, version, data, ion, deleted, tx_id, tx_time, strand_id,
      sequence_no, entry_index, hash)
    select w.table_name, w.document_id, w.version, w.data, w.ion, w.deleted, p_transaction_id, p_tx_time,
      p_strand_id, p_sequence_no, case when p_format = 1 then w.position else w.position - 1 end, w.hash
    from unnest(p_tables, p_ids, p_versions, p_data, p_ion, p_deleted, p_hashes)
      with ordinality as w (table_name, document_id, version, data, ion, deleted, hash, position);

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

-- The forms of 003 and 004 stay, for writers of the previous releases during a rolling
-- deploy: they hash format 1 blocks, and their blocks are stored as format 1 (the
-- column's default), so they verify as what they are.
