import { randomBytes } from 'node:crypto';
import type { Queryable, Transaction } from '../../core/database.ts';
import { blockContent } from './blockFormat.ts';
import { LedgerConflictError } from './ledgerErrors.ts';
import { dot, EMPTY_HASH, type Hash, revisionHashOf } from './ledgerHash.ts';
import { bytes, integer, splitHashes } from './ledgerRows.ts';
import type { BlockAddress, LedgerRevision, LedgerWrite, WriteOptions } from './ledgerTypes.ts';
import { appendLeaf, merkleRoot } from './merkleTree.ts';
import { qldbTransactionInfo } from './qldbTransactionInfo.ts';
import { contentOfWrite, type RevisionContent } from './revisionContent.ts';
import { type ExpectedVersion, writeBlock } from './writeBlock.ts';

/** What one committed ledger transaction wrote. */
export interface AppendedTransaction {
  blockAddress: BlockAddress;
  transactionId: string;
  revisions: LedgerRevision[];
  /** Who made each revision (its write's `actor`, or null), in the order of `revisions`; never hashed. */
  actors: Array<string | null>;
}

// Format 1's transaction info and entries under the names they had here, which
// bench/hashBench.ts imports (see blockFormat.ts; blocks are now written in format 3).
export {
  format1Entries as blockEntries,
  format1TransactionInfo as transactionInfo,
} from './blockFormat.ts';

/** Options of {@link appendTransaction}. */
export interface AppendOptions extends WriteOptions {
  /** Reads the commit time, once the strand is locked, so block timestamps never go back. */
  clock: () => Date;
  /** Runs inside the same database transaction after the block is written (e.g. a backfill's progress mark). */
  within?: (tx: Queryable) => Promise<void>;
}

/** A 22-character random id, the length QLDB gives strand and transaction ids. */
export function ledgerId(): string {
  return randomBytes(16).toString('base64url');
}

interface StrandTip {
  strandId: string;
  tipSequenceNo: number | null;
  tipBlockHash: Hash;
  frontier: Hash[];
}

// Locking the strand row serializes every writer: blocks are appended one at a
// time, in commit order, and none is lost or reordered.
async function lockStrand(tx: Queryable): Promise<StrandTip> {
  const [row] = await tx.query('select * from ledger.strands for update');
  if (row === undefined) throw new Error('the ledger has no strand: open it with openLedger() first');
  return {
    strandId: String(row.strand_id),
    tipSequenceNo: row.tip_sequence_no === null ? null : integer(row.tip_sequence_no),
    tipBlockHash: row.tip_block_hash === null ? EMPTY_HASH : bytes(row.tip_block_hash),
    frontier: splitHashes(row.frontier),
  };
}

interface PlannedWrite {
  write: LedgerWrite;
  version: number;
  /** What the revision stores: JSON data, Ion and its JSON, or a deletion. */
  content: Required<RevisionContent>;
  /** The Ion hash of the write's data (of its Ion, empty for a deletion), computed before the strand is locked. */
  dataHash: Hash;
}

// Optimistic concurrency, as QLDB: each write names the version it read, and the
// transaction fails when another committed first. A transaction may write the same
// document several times (a backfill replays its history); each write is a version,
// and each after the first must name the one before it. Only the first write of each
// document is checked against the stored versions, by writeBlock, under the lock.
function planWrites(writes: readonly LedgerWrite[]): {
  planned: PlannedWrite[];
  expected: ExpectedVersion[];
} {
  const latest = new Map<string, number>();
  const expected: ExpectedVersion[] = [];
  const planned = writes.map((write) => {
    const key = `${write.tableName}\u0000${write.documentId}`;
    const previous = latest.get(key);
    if (previous === undefined) {
      expected.push({
        tableName: write.tableName,
        documentId: write.documentId,
        version: write.expectedVersion,
      });
    } else if (previous !== write.expectedVersion) {
      throw new LedgerConflictError(write.tableName, write.documentId, write.expectedVersion, previous);
    }
    const version = write.expectedVersion === null ? 0 : write.expectedVersion + 1;
    latest.set(key, version);
    const { dataHash, ...content } = contentOfWrite(write);
    return { write, version, content, dataHash };
  });
  return { planned, expected };
}

function transactionIdOf(options: WriteOptions): string {
  const { transactionId } = options;
  if (transactionId === undefined) return ledgerId();
  if (typeof transactionId !== 'string' || transactionId === '')
    throw new TypeError('a ledger transaction id must be a non-empty string');
  return transactionId;
}

/**
 * Commits `writes` as one ledger transaction, in two statements whatever their number:
 * locks the strand, then ({@link writeBlock}) checks each expected version, appends one
 * block to the strand in format 3, QLDB's (entries hash = Merkle root of two entries:
 * the Merkle root of the revisions' hashes, then the transaction info's hash; block
 * hash = dot(entries hash, previous block hash); blockContent says when format 1 is
 * written instead), extends
 * the journal's Merkle tree and moves the strand's tip, all atomically. The committed view (`ledger.documents`) is derived from the
 * revisions, so it moves with them. The block's transaction id is
 * `options.transactionId` when given; its transaction info lists `options.statements`.
 */
export async function appendTransaction(
  db: { transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> },
  writes: readonly LedgerWrite[],
  options: AppendOptions,
): Promise<AppendedTransaction> {
  if (writes.length === 0) throw new Error('a ledger transaction needs at least one write');
  // A revision's data hash does not depend on the chain, so it is computed before the
  // strand is locked; under the lock remain the small metadata hashes (they hold the
  // commit time, read there) and the block's. Synchronously, with no await before the
  // transaction: a yield there made a mirrored write hang now and then on the PGlite
  // connection the embedded default shares.
  const { planned, expected } = planWrites(writes);
  const transactionId = transactionIdOf(options);
  const info = qldbTransactionInfo(writes, options.statements ?? []);
  return db.transaction(async (tx) => {
    const strand = await lockStrand(tx);
    const sequenceNo = strand.tipSequenceNo === null ? 0 : strand.tipSequenceNo + 1;
    const blockAddress = { strandId: strand.strandId, sequenceNo };
    const txTime = options.clock().toISOString();
    const revisions = planned.map(({ write, version, content, dataHash }): LedgerRevision => {
      const metadata = { id: write.documentId, version, txTime, txId: transactionId };
      return {
        tableName: write.tableName,
        blockAddress,
        hash: revisionHashOf(metadata, dataHash),
        ...content,
        metadata,
      };
    });
    const { entries, ...content } = blockContent(info, transactionId, revisions);
    const entriesHash = merkleRoot(entries);
    const blockHash = dot(entriesHash, strand.tipBlockHash);
    const tree = appendLeaf(strand.frontier, sequenceNo, blockHash);
    const [stale] = await writeBlock(tx, {
      strandId: strand.strandId,
      sequenceNo,
      transactionId,
      txTime,
      ...content,
      entriesHash,
      previousBlockHash: strand.tipBlockHash,
      blockHash,
      revisions,
      expected,
      treeNodes: tree.completed,
      frontier: tree.frontier,
    });
    if (stale !== undefined) {
      throw new LedgerConflictError(stale.tableName, stale.documentId, stale.version, stale.current);
    }
    await options.within?.(tx);
    return { blockAddress, transactionId, revisions, actors: writes.map((write) => write.actor ?? null) };
  });
}
