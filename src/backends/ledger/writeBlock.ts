import type { Queryable } from '../../core/database.ts';
import type { BlockFormat } from './blockFormat.ts';
import type { Hash } from './ledgerHash.ts';
import type { LedgerRevision } from './ledgerTypes.ts';
import type { NodeRef } from './merkleTree.ts';

/** The version a transaction expects a document to have when it commits (null: no document yet). */
export interface ExpectedVersion {
  tableName: string;
  documentId: string;
  version: number | null;
}

/** A document whose stored version is not the one its writer read. */
export interface StaleVersion extends ExpectedVersion {
  /** The newest stored version, or null when there is none. */
  current: number | null;
}

/** Everything one block appends, hashed and linked to the strand's tip. */
export interface BlockToWrite {
  strandId: string;
  sequenceNo: number;
  transactionId: string;
  /** The commit time: the block's timestamp and each revision's `txTime`. */
  txTime: string;
  /** The block's layout (see BlockFormat). */
  format: BlockFormat;
  /** The transaction info as JSON (formats 2 and 3: the down-conversion of its Ion). */
  transactionInfo: unknown;
  /** The transaction info as Ion (text), what its entry hashes (formats 2 and 3); null in format 1. */
  transactionInfoIon: Uint8Array | null;
  entriesHash: Hash;
  previousBlockHash: Hash;
  blockHash: Hash;
  /** The block's revisions, in entry order. */
  revisions: readonly LedgerRevision[];
  /** One per document written: the version its first write in the block read. */
  expected: readonly ExpectedVersion[];
  /** The perfect subtrees of the journal's Merkle tree the block completes. */
  treeNodes: ReadonlyArray<NodeRef & { hash: Hash }>;
  /** The journal tree's frontier once the block is in. */
  frontier: readonly Hash[];
}

// ledger.append_block (migrations/003_append_block.sql) writes the block, its
// revisions and tree nodes and moves the tip in one round trip.
// (migrations/004_ion_documents.sql adds each revision's Ion and deletion mark,
// migrations/005_block_format.sql the block's format and Ion transaction info;
// migrations/007_block_format_3.sql lets the format be 3.)
const APPEND_BLOCK = `select ledger.append_block($1, $2, $3, $4, $5, $6::smallint, $7, $8, $9, $10, $11, $12, $13,
  $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24) as stale`;

function staleOf(value: unknown): StaleVersion[] {
  const stale: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(stale)) throw new Error(`ledger.append_block answered ${String(value)}, not a list`);
  return stale as StaleVersion[];
}

/**
 * Appends a block in one statement: checks that every document is still at the
 * version its writer read, then writes the block, its revisions and the tree nodes
 * it completes, and moves the strand's tip. The caller holds the strand lock. Returns
 * the stale versions, in the order of `expected`; when there are any, nothing was
 * written.
 */
export async function writeBlock(tx: Queryable, block: BlockToWrite): Promise<StaleVersion[]> {
  const { revisions, treeNodes } = block;
  const [row] = await tx.query(APPEND_BLOCK, [
    block.strandId,
    block.sequenceNo,
    block.transactionId,
    block.txTime,
    JSON.stringify(block.transactionInfo),
    block.format,
    block.transactionInfoIon === null ? null : Buffer.from(block.transactionInfoIon),
    Buffer.from(block.entriesHash),
    Buffer.from(block.previousBlockHash),
    Buffer.from(block.blockHash),
    block.expected.map((expected) => expected.tableName),
    block.expected.map((expected) => expected.documentId),
    block.expected.map((expected) => expected.version),
    revisions.map((revision) => revision.tableName),
    revisions.map((revision) => revision.metadata.id),
    revisions.map((revision) => revision.metadata.version),
    revisions.map((revision) => (revision.deleted === true ? null : JSON.stringify(revision.data))),
    revisions.map((revision) => (revision.ion == null ? null : Buffer.from(revision.ion))),
    revisions.map((revision) => revision.deleted === true),
    revisions.map((revision) => Buffer.from(revision.hash)),
    treeNodes.map((node) => node.level),
    treeNodes.map((node) => node.index),
    treeNodes.map((node) => Buffer.from(node.hash)),
    Buffer.concat(block.frontier.map((hash) => Buffer.from(hash))),
  ]);
  return staleOf(row?.stale);
}
