import type { Database, Queryable } from '../../core/database.ts';
import { applyMigrations } from '../sql/applyMigrations.ts';
import { type AppendedTransaction, appendTransaction, ledgerId } from './appendTransaction.ts';
import { digestAt, revisionProof } from './journalProofs.ts';
import type { Hash } from './ledgerHash.ts';
import { LEDGER_MIGRATIONS } from './ledgerMigrations.ts';
import { integer, splitHashes, toRevision } from './ledgerRows.ts';
import type {
  BlockAddress,
  JournalCheck,
  LedgerDigest,
  LedgerRevision,
  LedgerWrite,
  WriteOptions,
} from './ledgerTypes.ts';
import { foldRange } from './merkleTree.ts';
import { verifyJournal } from './verifyJournal.ts';

/** Options of {@link openLedger}. */
export interface LedgerOptions {
  /** The commit time of each transaction. @default () => new Date() */
  clock?: () => Date;
  /**
   * Hears an error an {@link Ledger.onCommitted} listener threw (the write it heard of
   * still resolves with its result). Must not throw. @default a process warning
   */
  onListenerError?: (error: unknown) => void;
}

/** Hears each committed ledger transaction, after its commit and before its `write` resolves. */
export type CommittedListener = (appended: AppendedTransaction) => void;

function warnListenerFailed(error: unknown): void {
  process.emitWarning(
    `a ledger onCommitted listener threw: ${error instanceof Error ? error.message : String(error)}`,
    'FigwayLedgerListenerWarning',
  );
}

/**
 * figway's verifiable ledger on PostgreSQL: documents with an immutable history of
 * revisions, one hash-chained journal block per committed transaction, and QLDB's
 * digests and proofs.
 */
export interface Ledger {
  /**
   * The database the ledger lives in; adapters read the committed view from it
   * (`ledger.documents`: the newest revision of each document, derived from `ledger.revisions`).
   */
  readonly db: Database;
  /**
   * Commits the writes (JSON documents, Ion documents, deletions) as one transaction
   * (one block); throws LedgerConflictError on a stale version, and a TypeError, before
   * anything is written, for a malformed write (see LedgerWrite) or options. `within`
   * runs in the same database transaction after the block is written; `options` gives
   * the transaction's id and the PartiQL statements its block's transaction info lists
   * (a QLDB session's; by default a new id and no statements).
   */
  write(
    writes: readonly LedgerWrite[],
    within?: (tx: Queryable) => Promise<void>,
    options?: WriteOptions,
  ): Promise<AppendedTransaction>;
  /**
   * Calls `listener` with each transaction this ledger object commits from now on
   * (not other processes' writes), after the commit. A listener must return quickly
   * and not throw: one that throws is reported to `onListenerError`, never to the
   * writer. Returns the function that removes the listener.
   */
  onCommitted(listener: CommittedListener): () => void;
  /**
   * The current (newest) revision of a document, or null; a deleted document's is its
   * deletion (`deleted: true`, data null), whose version a later write names.
   */
  current<T>(tableName: string, documentId: string): Promise<LedgerRevision<T> | null>;
  /** The current revision of each of several documents, by id (deletions as `current`); ids without one are absent. */
  currentOf<T>(tableName: string, documentIds: readonly string[]): Promise<Map<string, LedgerRevision<T>>>;
  /** Every revision of a document, oldest first, deletions included. */
  history<T>(tableName: string, documentId: string): Promise<Array<LedgerRevision<T>>>;
  /** The digest of the journal at its current tip, or null before the first block. */
  getDigest(): Promise<LedgerDigest | null>;
  /** The digest the journal had when `tip` was its last block. */
  getDigestAt(tip: BlockAddress): Promise<Hash>;
  /** The proof hashes from a revision in `blockAddress` to the digest at `tip`. */
  getRevisionProof(
    blockAddress: BlockAddress,
    documentId: string,
    tip: BlockAddress,
    version?: number,
    tableName?: string,
  ): Promise<Hash[]>;
  /** Re-verifies every stored block, revision and tree node. */
  verifyJournal(): Promise<JournalCheck>;
}

/** Migrates the ledger's tables in `db` if needed, makes sure its strand exists, and opens it. */
export async function openLedger(db: Database, options: LedgerOptions = {}): Promise<Ledger> {
  await applyMigrations(db, LEDGER_MIGRATIONS);
  await db.query('insert into ledger.strands (strand_id) values ($1) on conflict do nothing', [ledgerId()]);
  const clock = options.clock ?? (() => new Date());
  const onListenerError = options.onListenerError ?? warnListenerFailed;
  const listeners = new Set<CommittedListener>();
  return {
    db,
    async write(writes, within, options = {}) {
      const appended = await appendTransaction(db, writes, {
        ...options,
        clock,
        ...(within === undefined ? {} : { within }),
      });
      // The transaction is committed: nothing a listener does may turn it into a failure.
      for (const listener of [...listeners]) {
        try {
          listener(appended);
        } catch (error) {
          onListenerError(error);
        }
      }
      return appended;
    },
    onCommitted(listener) {
      // A wrapper per call, so the same function added twice is heard twice and removed once.
      const entry: CommittedListener = (appended) => listener(appended);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    async current<T>(tableName: string, documentId: string) {
      const [row] = await db.query(
        `select * from ledger.revisions where table_name = $1 and document_id = $2
         order by version desc limit 1`,
        [tableName, documentId],
      );
      return row === undefined ? null : toRevision<T>(row);
    },
    async currentOf<T>(tableName: string, documentIds: readonly string[]) {
      const rows =
        documentIds.length === 0
          ? []
          : await db.query(
              `select distinct on (document_id) * from ledger.revisions
               where table_name = $1 and document_id = any($2::text[])
               order by document_id, version desc`,
              [tableName, [...documentIds]],
            );
      return new Map(rows.map((row) => [String(row.document_id), toRevision<T>(row)]));
    },
    async history<T>(tableName: string, documentId: string) {
      const rows = await db.query(
        'select * from ledger.revisions where table_name = $1 and document_id = $2 order by version',
        [tableName, documentId],
      );
      return rows.map((row) => toRevision<T>(row));
    },
    async getDigest() {
      const [strand] = await db.query('select * from ledger.strands');
      if (strand === undefined || strand.tip_sequence_no === null) return null;
      return {
        digest: foldRange(splitHashes(strand.frontier)),
        tipAddress: { strandId: String(strand.strand_id), sequenceNo: integer(strand.tip_sequence_no) },
      };
    },
    getDigestAt: (tip) => digestAt(db, tip.strandId, tip.sequenceNo),
    async getRevisionProof(blockAddress, documentId, tip, version, tableName) {
      return (await revisionProof(db, blockAddress, documentId, tip, version, tableName)).proof;
    },
    verifyJournal: () => verifyJournal(db),
  };
}
