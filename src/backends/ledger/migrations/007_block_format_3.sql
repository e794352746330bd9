-- Block format 3: one entry for all of a block's revisions, as Amazon QLDB lays a block out.
--
-- Format 2 (005) listed each revision's hash among the entries, then the transaction
-- info's. QLDB lists the Merkle root of the revisions' hashes as one entry, with the
-- transaction info's hash last, and AWS's sample validator
-- (JournalBlock.verifyBlockHash in aws-samples/amazon-qldb-dmv-sample-java) looks for
-- that root in entriesHashList: a format 2 block of several revisions fails it. Blocks
-- written from now on are format 3 (see blockFormat.ts): entries = [Merkle root of the
-- revisions' hashes, Ion hash of the transaction info], whose Merkle root is the entries
-- hash; the transaction info is QLDB's, as in format 2, kept as Ion text.
--
-- Nothing is rewritten: format 1 and 2 blocks keep their rows and hashes, and each block
-- verifies by the format it records. A revision's entry_index in a format 3 block is its
-- position among the block's revisions, from 0, which 005's ledger.append_block already
-- stores for every format but 1, so the function is unchanged.

-- During a rolling deploy, a gateway of the previous release still appends (format 2)
-- but cannot verify or prove a format 3 block: it refuses it, naming the format it
-- does not read, until it is replaced. Deploy the new release before running
-- verification from the old one.

alter table ledger.blocks drop constraint blocks_format;

-- As 005's check, with format 3 holding its Ion transaction info as format 2 does. Not
-- validated over the existing rows (005's check held for them, and they are unchanged).
alter table ledger.blocks add constraint blocks_format check (
  (format = 1 and transaction_info_ion is null) or (format in (2, 3) and transaction_info_ion is not null)
) not valid;
