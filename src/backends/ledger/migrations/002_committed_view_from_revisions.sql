-- The committed view becomes what QLDB's is: a view of the journal, not a copy of it.
--
-- Until now ledger.documents was a table rewritten with each revision. It was not
-- append-only (it could not be), and readers trusted it: an `update ledger.documents`
-- made a user a party of a commitment he may not see, the gateway served it and
-- authorized him from it, and every proof still verified, because proofs are about
-- revisions. Derived from ledger.revisions, there is nothing
-- separate left to edit: an edit of the view is an edit of the newest revision,
-- which the append-only trigger refuses and, when triggers are bypassed, every
-- verification reports, because the served data is the hashed data. Reading the
-- newest revision costs one index probe more per document than reading a copy
-- (the anti-join below, on the primary key), and writes save a statement.

drop table ledger.documents;

-- The newest revision of every document. Versions are strictly increasing per
-- document, so "no later version exists" picks exactly one revision each.
-- Predicates on the view (ids, visibility, status, createdAt) reach ledger.revisions
-- through it, as NOT EXISTS keeps it a simple, flattenable view; an UPDATE or
-- DELETE through it lands on ledger.revisions and its trigger.
create view ledger.documents as
  select r.table_name, r.document_id, r.version, r.data
  from ledger.revisions r
  where not exists (
    select 1 from ledger.revisions newer
    where newer.table_name = r.table_name and newer.document_id = r.document_id and newer.version > r.version
  );

-- Lists of commitments, newest first (what documents_newest_first served).
create index revisions_newest_first on ledger.revisions
  (table_name, (data ->> 'createdAt') desc, document_id desc);

-- Verification asks which blocks recorded a given revision (to notice a newest
-- revision deleted from under the view); the transaction info lists them.
create index blocks_transaction_info on ledger.blocks using gin (transaction_info jsonb_path_ops);

-- A revision is appended with its block, in the transaction that makes that block
-- the strand's next one (the strand's tip moves only after its revisions are in).
-- Without this, an INSERT alone, which the append-only trigger allows, could slip a
-- newer revision of a document into an old block and so into the committed view.
create or replace function ledger.refuse_revision_outside_its_block() returns trigger
language plpgsql as $$
begin
  if not exists (
    select 1 from ledger.strands s
    where s.strand_id = new.strand_id and new.sequence_no = coalesce(s.tip_sequence_no + 1, 0)
  ) then
    raise exception 'ledger.revisions is appended only with a new block: block % is not the next one', new.sequence_no
      using errcode = 'P0001', hint = 'A ledger changes only by appending a new block.';
  end if;
  return new;
end
$$;

create trigger revisions_with_their_block before insert on ledger.revisions
  for each row execute function ledger.refuse_revision_outside_its_block();
