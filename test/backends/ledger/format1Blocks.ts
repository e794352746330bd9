import { ledgerId } from '../../../src/backends/ledger/appendTransaction.ts';
import { format1Entries, format1TransactionInfo } from '../../../src/backends/ledger/blockFormat.ts';
import { dot, EMPTY_HASH, revisionHash } from '../../../src/backends/ledger/ledgerHash.ts';
import type { LedgerRevision } from '../../../src/backends/ledger/ledgerTypes.ts';
import { appendLeaf, merkleRoot } from '../../../src/backends/ledger/merkleTree.ts';
import type { Database, Queryable } from '../../../src/core/database.ts';

/** A JSON write of a block written the way figway wrote blocks before block format 2. */
export interface Format1Write {
  tableName: string;
  documentId: string;
  data: Record<string, unknown>;
  expectedVersion: number | null;
}

const splitHashes = (joined: Uint8Array) =>
  Array.from({ length: joined.length / 32 }, (_, i) => joined.slice(i * 32, i * 32 + 32));

/**
 * The next block of the strand as an older release builds it, up to its hashes: its
 * address, the previous block's hash, a new transaction id, its revisions (JSON, hashed
 * as that release hashed them) and the journal tree with its hash appended.
 */
export async function nextOldBlock(tx: Queryable, writes: readonly Format1Write[], txTime: Date) {
  const [strand] = await tx.query('select * from ledger.strands for update');
  if (strand === undefined) throw new Error('no strand');
  const sequenceNo = strand.tip_sequence_no === null ? 0 : Number(strand.tip_sequence_no) + 1;
  const previous =
    strand.tip_block_hash === null ? EMPTY_HASH : new Uint8Array(strand.tip_block_hash as Uint8Array);
  const transactionId = ledgerId();
  const blockAddress = { strandId: String(strand.strand_id), sequenceNo };
  const revisions = writes.map((write): LedgerRevision => {
    const version = write.expectedVersion === null ? 0 : write.expectedVersion + 1;
    const metadata = { id: write.documentId, version, txTime: txTime.toISOString(), txId: transactionId };
    return {
      tableName: write.tableName,
      blockAddress,
      hash: revisionHash(metadata, write.data),
      data: write.data,
      metadata,
    };
  });
  const frontier = splitHashes(new Uint8Array(strand.frontier as Uint8Array));
  const treeWith = (blockHash: Uint8Array) => appendLeaf(frontier, sequenceNo, blockHash);
  return { sequenceNo, previous, transactionId, blockAddress, revisions, treeWith };
}

/**
 * Appends one block as figway did before block format 2, and as a process of that
 * release still does during a rolling deploy: format 1 hashes (the JSON transaction
 * info `{transactionId, documents}` first among the entries), written through 004's
 * form of `ledger.append_block`, which knows nothing of formats. Returns the
 * transaction id.
 */
export function appendFormat1Block(
  db: Database,
  writes: readonly Format1Write[],
  txTime: Date,
): Promise<string> {
  return db.transaction(async (tx) => {
    const { sequenceNo, previous, transactionId, blockAddress, revisions, treeWith } = await nextOldBlock(
      tx,
      writes,
      txTime,
    );
    const info = format1TransactionInfo(transactionId, revisions);
    const entriesHash = merkleRoot(format1Entries(info, revisions));
    const blockHash = dot(entriesHash, previous);
    const tree = treeWith(blockHash);
    const [row] = await tx.query(
      `select ledger.append_block($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
         $19, $20, $21, $22) as stale`,
      [
        blockAddress.strandId,
        sequenceNo,
        transactionId,
        txTime.toISOString(),
        JSON.stringify(info),
        Buffer.from(entriesHash),
        Buffer.from(previous),
        Buffer.from(blockHash),
        writes.map((write) => write.tableName),
        writes.map((write) => write.documentId),
        writes.map((write) => write.expectedVersion),
        revisions.map((revision) => revision.tableName),
        revisions.map((revision) => revision.metadata.id),
        revisions.map((revision) => revision.metadata.version),
        revisions.map((revision) => JSON.stringify(revision.data)),
        revisions.map(() => null),
        revisions.map(() => false),
        revisions.map((revision) => Buffer.from(revision.hash)),
        tree.completed.map((node) => node.level),
        tree.completed.map((node) => node.index),
        tree.completed.map((node) => Buffer.from(node.hash)),
        Buffer.concat(tree.frontier.map((hash) => Buffer.from(hash))),
      ],
    );
    const stale = typeof row?.stale === 'string' ? JSON.parse(row.stale) : row?.stale;
    if (!Array.isArray(stale) || stale.length > 0)
      throw new Error(`stale versions: ${JSON.stringify(stale)}`);
    return transactionId;
  });
}
