import type { Queryable } from '../../core/database.ts';
import {
  type BlockFormat,
  blockFormatOf,
  entriesOf,
  format1Entries,
  revisionEntryIndex,
  revisionPathInBlock,
} from './blockFormat.ts';
import { LedgerTamperedError } from './ledgerErrors.ts';
import { dot, type Hash, sameHash } from './ledgerHash.ts';
import { bytes, instant, integer, toRevision } from './ledgerRows.ts';
import type { BlockAddress, LedgerRevision } from './ledgerTypes.ts';
import { auditPathPlan, foldRange, merkleRoot, type NodeRef, rangeNodes } from './merkleTree.ts';
import { qldbTransactionInfoProblem, readQldbTransactionInfo } from './qldbTransactionInfo.ts';
import { storedRevisionProblem } from './revisionContent.ts';

/** A block read back and checked against its own hashes. */
export interface CheckedBlock {
  address: BlockAddress;
  /** The block's layout: where its transaction info is among its entries, and its shape. */
  format: BlockFormat;
  previousBlockHash: Hash;
  entriesHash: Hash;
  blockHash: Hash;
  /** The entry hashes, recomputed from the stored transaction info and revisions, in the format's order. */
  entries: Hash[];
  revisions: LedgerRevision[];
}

/**
 * Reads a block and its revisions and recomputes every hash from the stored
 * content: each revision's hash from its metadata and data (its Ion, when it was
 * written as Ion; its metadata alone for a deletion), the entries hash, and
 * the block hash. Throws {@link LedgerTamperedError} at the first mismatch.
 */
export async function readCheckedBlock(db: Queryable, address: BlockAddress): Promise<CheckedBlock> {
  const [block] = await db.query('select * from ledger.blocks where strand_id = $1 and sequence_no = $2', [
    address.strandId,
    address.sequenceNo,
  ]);
  // Callers ask for blocks at or before the tip, and blocks are contiguous.
  if (block === undefined) throw new LedgerTamperedError(address, 'it is missing from the journal');
  const rows = await db.query(
    'select * from ledger.revisions where strand_id = $1 and sequence_no = $2 order by entry_index',
    [address.strandId, address.sequenceNo],
  );
  return checkBlock(block, rows);
}

/**
 * Checks one stored block row with its revision rows (ordered by entry index), by the
 * block's own format; throws when tampered.
 */
export function checkBlock(
  block: Record<string, unknown>,
  revisionRows: ReadonlyArray<Record<string, unknown>>,
): CheckedBlock {
  const address = { strandId: String(block.strand_id), sequenceNo: integer(block.sequence_no) };
  const format = formatOf(address, block);
  const revisions = revisionRows.map((row) => toRevision(row));
  for (const [position, revision] of revisions.entries()) {
    // Rehashed from its Ion when it has some, else from its JSON; a deletion from its metadata.
    const entryIndex = revisionEntryIndex(format, position);
    const problem =
      storedRevisionProblem(revision) ??
      (integer(revisionRows[position]?.entry_index) !== entryIndex ? 'does not match its hash' : null);
    if (problem !== null) {
      throw new LedgerTamperedError(
        address,
        `revision ${revision.metadata.id} v${revision.metadata.version} ${problem}`,
      );
    }
    if (revision.metadata.txId !== String(block.transaction_id)) {
      throw new LedgerTamperedError(address, `revision ${revision.metadata.id} names another transaction`);
    }
  }
  const entries =
    format === 1
      ? format1Entries(block.transaction_info, revisions)
      : qldbEntries(format, address, block, revisions);
  const entriesHash = merkleRoot(entries);
  if (!sameHash(entriesHash, bytes(block.entries_hash))) {
    throw new LedgerTamperedError(address, 'its entries do not hash to its entries hash');
  }
  const previousBlockHash = bytes(block.previous_block_hash);
  const blockHash = dot(entriesHash, previousBlockHash);
  if (!sameHash(blockHash, bytes(block.block_hash))) {
    throw new LedgerTamperedError(address, 'its block hash is not dot(entries hash, previous block hash)');
  }
  if (format === 1) checkAgainstFormat1Transaction(address, block, revisions);
  // In both formats the block's timestamp is bound to its revisions' hashed txTime.
  for (const revision of revisions) {
    if (revision.metadata.txTime !== instant(block.block_timestamp)) {
      throw new LedgerTamperedError(address, "its timestamp is not its transaction's commit time");
    }
  }
  return { address, format, previousBlockHash, entriesHash, blockHash, entries, revisions };
}

function formatOf(address: BlockAddress, block: Record<string, unknown>): BlockFormat {
  try {
    return blockFormatOf(block.format ?? 1);
  } catch (error) {
    throw new LedgerTamperedError(address, error instanceof Error ? error.message : String(error));
  }
}

// Formats 2 and 3 (QLDB's transaction info): the transaction info is hashed from its
// stored Ion, its JSON (which JSON queries read) must be that Ion's down-conversion, and
// it must record exactly the documents the block's revisions write, each in its table.
// It holds no transaction id (each revision's hashed txId, checked above, binds the
// block's).
function qldbEntries(
  format: 2 | 3,
  address: BlockAddress,
  block: Record<string, unknown>,
  revisions: readonly LedgerRevision[],
): Hash[] {
  if (!(block.transaction_info_ion instanceof Uint8Array))
    throw new LedgerTamperedError(address, 'its transaction info has no Ion');
  const info = readQldbTransactionInfo(block.transaction_info_ion, block.transaction_info);
  if ('problem' in info) throw new LedgerTamperedError(address, info.problem);
  const problem = qldbTransactionInfoProblem(info.json, revisions);
  if (problem !== null) throw new LedgerTamperedError(address, problem);
  return entriesOf(
    format,
    info.hash,
    revisions.map((revision) => revision.hash),
  );
}

// Format 1: what the hashes do not cover directly is bound to what they do: a
// revision's table to the hashed transaction info.
function checkAgainstFormat1Transaction(
  address: BlockAddress,
  block: Record<string, unknown>,
  revisions: readonly LedgerRevision[],
) {
  const recorded = (block.transaction_info as { documents?: unknown }).documents;
  const listed = Array.isArray(recorded)
    ? (recorded as Array<{ tableName?: unknown; id?: unknown; version?: unknown }>)
    : [];
  if (listed.length !== revisions.length) {
    throw new LedgerTamperedError(
      address,
      `its transaction recorded ${listed.length} revisions, ${revisions.length} are stored`,
    );
  }
  for (const [position, revision] of revisions.entries()) {
    const entry = listed[position];
    if (
      entry?.tableName !== revision.tableName ||
      entry.id !== revision.metadata.id ||
      entry.version !== revision.metadata.version
    ) {
      throw new LedgerTamperedError(
        address,
        `revision ${revision.metadata.id} v${revision.metadata.version} in ${revision.tableName} is not the one its transaction recorded`,
      );
    }
  }
}

/** Loads the roots of the given perfect subtrees: block hashes for level 0, stored tree nodes above. */
async function loadNodes(
  db: Queryable,
  strandId: string,
  refs: readonly NodeRef[],
): Promise<Map<string, Hash>> {
  const key = (level: number, index: number) => `${level}:${index}`;
  const found = new Map<string, Hash>();
  const leaves = refs.filter((ref) => ref.level === 0).map((ref) => ref.index);
  if (leaves.length > 0) {
    const rows = await db.query(
      'select sequence_no, block_hash from ledger.blocks where strand_id = $1 and sequence_no = any($2::bigint[])',
      [strandId, leaves],
    );
    for (const row of rows) found.set(key(0, integer(row.sequence_no)), bytes(row.block_hash));
  }
  const inner = refs.filter((ref) => ref.level > 0);
  if (inner.length > 0) {
    const rows = await db.query(
      `select level, node_index, hash from ledger.tree_nodes
       where strand_id = $1 and (level, node_index) in (select * from unnest($2::int[], $3::bigint[]))`,
      [strandId, inner.map((ref) => ref.level), inner.map((ref) => ref.index)],
    );
    for (const row of rows) found.set(key(integer(row.level), integer(row.node_index)), bytes(row.hash));
  }
  const missing = refs.find((ref) => !found.has(key(ref.level, ref.index)));
  if (missing !== undefined)
    throw new Error(`the journal tree lacks node level ${missing.level} index ${missing.index}`);
  return found;
}

/** The root of each group of perfect subtrees (a range of the journal tree), read from storage; a missing node throws. */
export async function rootsOf(
  db: Queryable,
  strandId: string,
  groups: readonly NodeRef[][],
): Promise<Hash[]> {
  const nodes = await loadNodes(db, strandId, groups.flat());
  return groups.map((group) => foldRange(group.map((ref) => nodes.get(`${ref.level}:${ref.index}`) as Hash)));
}

/** The digest of the journal when its tip was block `tipSequenceNo`: the Merkle root of its block hashes. */
export async function digestAt(db: Queryable, strandId: string, tipSequenceNo: number): Promise<Hash> {
  const [root] = await rootsOf(db, strandId, [rangeNodes(0, tipSequenceNo + 1)]);
  return root as Hash;
}

/**
 * The proof that `documentId`'s revision in block `address` is part of the journal
 * as of `tip`: the hashes that, folded with `dot` onto the revision's hash, give the
 * digest at that tip. It climbs the block's entries tree (in format 3, the block's
 * revisions tree first), joins the previous block hash, then climbs the journal tree. The block is checked against its hashes first.
 * `version` picks one of several revisions of the document in the block, and
 * `tableName` the table when the same id exists in several.
 */
export async function revisionProof(
  db: Queryable,
  address: BlockAddress,
  documentId: string,
  tip: BlockAddress,
  version?: number,
  tableName?: string,
) {
  if (tip.strandId !== address.strandId || tip.sequenceNo < address.sequenceNo) {
    throw new Error("the tip must be on the same strand and at or after the revision's block");
  }
  const block = await readCheckedBlock(db, address);
  // A backfill can write several versions of one document in a block; without a
  // version the newest of them is meant.
  const position = block.revisions.findLastIndex(
    (revision) =>
      revision.metadata.id === documentId &&
      (version === undefined || revision.metadata.version === version) &&
      (tableName === undefined || revision.tableName === tableName),
  );
  if (position === -1) throw new Error(`block ${address.sequenceNo} holds no such revision of ${documentId}`);
  const entriesPath = revisionPathInBlock(
    block.format,
    block.entries,
    block.revisions.map((revision) => revision.hash),
    position,
  );
  const journalPath = await rootsOf(
    db,
    address.strandId,
    auditPathPlan(address.sequenceNo, tip.sequenceNo + 1),
  );
  const proof = [
    ...entriesPath,
    ...(block.previousBlockHash.length > 0 ? [block.previousBlockHash] : []),
    ...journalPath,
  ];
  return { revision: block.revisions[position] as LedgerRevision, proof };
}
