import { randomBytes } from 'node:crypto';
import type { Queryable, Transaction } from '../../core/database.ts';
import { LedgerConflictError } from './ledgerErrors.ts';
import { dot, EMPTY_HASH, type Hash, ionHashText, revisionHash } from './ledgerHash.ts';
import { bytes, integer, joinHashes, splitHashes } from './ledgerRows.ts';
import type { BlockAddress, LedgerRevision, LedgerWrite } from './ledgerTypes.ts';
import { appendLeaf, merkleRoot } from './merkleTree.ts';

/** What one committed ledger transaction wrote. */
export interface AppendedTransaction {
  blockAddress: BlockAddress;
  transactionId: string;
  revisions: LedgerRevision[];
  /** Who made each revision (its write's `actor`, or null), in the order of `revisions`; never hashed. */
  actors: Array<string | null>;
}

/** Options of {@link appendTransaction}. */
export interface AppendOptions {
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

// The strand lock already serializes writers, so the newest versions read here cannot
// move before this transaction commits. One query for every document the block writes.
async function currentVersions(tx: Queryable, writes: readonly LedgerWrite[]): Promise<Map<string, number>> {
  const rows = await tx.query(
    `select w.table_name, w.document_id, max(r.version) as version
     from unnest($1::text[], $2::text[]) as w (table_name, document_id)
     join ledger.revisions r on r.table_name = w.table_name and r.document_id = w.document_id
     group by w.table_name, w.document_id`,
    [writes.map((write) => write.tableName), writes.map((write) => write.documentId)],
  );
  return new Map(
    rows.map((row) => [`${String(row.table_name)}\u0000${String(row.document_id)}`, integer(row.version)]),
  );
}

// Optimistic concurrency, as QLDB: each write names the version it read, and the
// transaction fails when another committed first. A transaction may write the same
// document several times (a backfill replays its history); each write is a version.
async function planRevisions(
  tx: Queryable,
  writes: readonly LedgerWrite[],
  blockAddress: BlockAddress,
  txId: string,
  txTime: string,
) {
  const latest = new Map<string, number | null>();
  const stored = await currentVersions(tx, writes);
  const revisions: LedgerRevision[] = [];
  for (const write of writes) {
    const key = `${write.tableName}\u0000${write.documentId}`;
    const current = latest.has(key) ? (latest.get(key) ?? null) : (stored.get(key) ?? null);
    if (current !== write.expectedVersion) {
      throw new LedgerConflictError(write.tableName, write.documentId, write.expectedVersion, current);
    }
    const metadata = { id: write.documentId, version: current === null ? 0 : current + 1, txTime, txId };
    latest.set(key, metadata.version);
    revisions.push({
      tableName: write.tableName,
      blockAddress,
      hash: revisionHash(metadata, write.data),
      data: write.data,
      metadata,
    });
  }
  return revisions;
}

/** The transaction info entry of a block: its id and the revisions it wrote. */
export function transactionInfo(transactionId: string, revisions: readonly LedgerRevision[]) {
  return {
    transactionId,
    documents: revisions.map((revision) => ({
      tableName: revision.tableName,
      id: revision.metadata.id,
      version: revision.metadata.version,
    })),
  };
}

/** The entries of a block, hashed in order: the transaction info first, then each revision. */
export function blockEntries(info: unknown, revisions: ReadonlyArray<{ hash: Hash }>): Hash[] {
  return [ionHashText(JSON.stringify(info)), ...revisions.map((revision) => revision.hash)];
}

// One statement for the block's revisions, whatever their number: the strand stays
// locked for fewer round trips.
async function writeRevisions(tx: Queryable, revisions: readonly LedgerRevision[]) {
  if (revisions.length === 0) return;
  const column = <T>(pick: (revision: LedgerRevision, position: number) => T) => revisions.map(pick);
  await tx.query(
    `insert into ledger.revisions (table_name, document_id, version, data, tx_id, tx_time, strand_id, sequence_no, entry_index, hash)
     select * from unnest($1::text[], $2::text[], $3::int[], $4::jsonb[], $5::text[], $6::timestamptz[], $7::text[],
       $8::bigint[], $9::int[], $10::bytea[])`,
    [
      column((revision) => revision.tableName),
      column((revision) => revision.metadata.id),
      column((revision) => revision.metadata.version),
      column((revision) => JSON.stringify(revision.data)),
      column((revision) => revision.metadata.txId),
      column((revision) => revision.metadata.txTime),
      column((revision) => revision.blockAddress.strandId),
      column((revision) => revision.blockAddress.sequenceNo),
      column((_, position) => position + 1),
      column((revision) => Buffer.from(revision.hash)),
    ],
  );
}

/**
 * Commits `writes` as one ledger transaction: checks each expected version, appends
 * one block to the strand (entries hash = Merkle root of the transaction info and the
 * revisions; block hash = dot(entries hash, previous block hash)), extends the
 * journal's Merkle tree and moves the strand's tip, all atomically. The committed
 * view (`ledger.documents`) is derived from the revisions, so it moves with them.
 */
export async function appendTransaction(
  db: { transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> },
  writes: readonly LedgerWrite[],
  options: AppendOptions,
): Promise<AppendedTransaction> {
  if (writes.length === 0) throw new Error('a ledger transaction needs at least one write');
  return db.transaction(async (tx) => {
    const strand = await lockStrand(tx);
    const sequenceNo = strand.tipSequenceNo === null ? 0 : strand.tipSequenceNo + 1;
    const blockAddress = { strandId: strand.strandId, sequenceNo };
    const transactionId = ledgerId();
    const txTime = options.clock().toISOString();
    const revisions = await planRevisions(tx, writes, blockAddress, transactionId, txTime);
    const info = transactionInfo(transactionId, revisions);
    const entriesHash = merkleRoot(blockEntries(info, revisions));
    const blockHash = dot(entriesHash, strand.tipBlockHash);
    await tx.query(
      `insert into ledger.blocks (strand_id, sequence_no, transaction_id, block_timestamp, transaction_info,
         entries_hash, previous_block_hash, block_hash) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        strand.strandId,
        sequenceNo,
        transactionId,
        txTime,
        JSON.stringify(info),
        Buffer.from(entriesHash),
        Buffer.from(strand.tipBlockHash),
        Buffer.from(blockHash),
      ],
    );
    await writeRevisions(tx, revisions);
    const tree = appendLeaf(strand.frontier, sequenceNo, blockHash);
    for (const node of tree.completed) {
      await tx.query(
        'insert into ledger.tree_nodes (strand_id, level, node_index, hash) values ($1, $2, $3, $4)',
        [strand.strandId, node.level, node.index, Buffer.from(node.hash)],
      );
    }
    await tx.query(
      'update ledger.strands set tip_sequence_no = $2, tip_block_hash = $3, frontier = $4 where strand_id = $1',
      [strand.strandId, sequenceNo, Buffer.from(blockHash), joinHashes(tree.frontier)],
    );
    await options.within?.(tx);
    return { blockAddress, transactionId, revisions, actors: writes.map((write) => write.actor ?? null) };
  });
}
