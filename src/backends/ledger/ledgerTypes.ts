import type { Hash, RevisionMetadata } from './ledgerHash.ts';

/** Where a block sits in the journal, as QLDB writes it: `{strandId, sequenceNo}`. */
export interface BlockAddress {
  strandId: string;
  sequenceNo: number;
}

/** One committed revision of a document, QLDB's committed view of it. */
export interface LedgerRevision<T = unknown> {
  tableName: string;
  blockAddress: BlockAddress;
  hash: Hash;
  /**
   * The document as JSON: as written for a JSON document, the JSON down-conversion of
   * `ion` for an Ion document (see ionToJson), null for a deletion.
   */
  data: T;
  /**
   * The document as Ion binary, exactly as written, for a document written as Ion;
   * null for a JSON document and a deletion. Its hash is the revision's data hash.
   * Every revision the ledger reads or writes has it; optional only so that a JSON
   * revision built by hand need not name it.
   */
  ion?: Uint8Array | null;
  /**
   * True for a deletion (QLDB's DELETE): a revision with metadata and no data, whose
   * hash is the hash of its metadata alone. Set on every revision the ledger reads or
   * writes; optional as `ion` is.
   */
  deleted?: boolean;
  metadata: RevisionMetadata;
}

/**
 * A write a transaction makes: the whole new content of one document, as JSON
 * (`data`), as Ion (`ion`), or its deletion (`deleted`).
 */
export interface LedgerWrite {
  tableName: string;
  documentId: string;
  /**
   * The document as JSON, hashed as the Ion text reader reads its JSON text. With
   * `ion` or `deleted` it must be null or undefined: the ledger computes it.
   */
  data: unknown;
  /**
   * The document as Ion binary (as ion-js's binary writer writes it): stored as
   * given, hashed as Ion (ionHashOfIon), and stored as JSON too, down-converted by
   * the ledger (ionToJson) for JSON queries. @default undefined (a JSON document)
   */
  ion?: Uint8Array;
  /**
   * Deletes the document (QLDB's DELETE): the revision has metadata and no data, and
   * the committed view leaves the document out. `expectedVersion` must name the
   * version deleted. @default undefined
   */
  deleted?: true;
  /**
   * The version the writer read: the write fails with a retryable conflict when the
   * document has moved on. `null` means the document must not exist yet.
   */
  expectedVersion: number | null;
  /**
   * The user who made the write, told to the `Ledger.onCommitted` listeners (the
   * change feed). Not part of the revision: it is neither stored nor hashed. @default null
   */
  actor?: string | null;
  /**
   * The id of the write's table, as the block's transaction info names it (QLDB's
   * `tableId`). @default tableName (figway's own tables are named by their name)
   */
  tableId?: string;
  /**
   * The indexes, in `WriteOptions.statements`, of the PartiQL statements that made the
   * write; a document written several times lists the union. @default [] (a write the
   * gateway made itself, with no statement)
   */
  statements?: readonly number[];
}

/** A PartiQL statement of a QLDB transaction, as its block's transaction info lists it. */
export interface LedgerStatement {
  /** The statement's text, as the client sent it. */
  statement: string;
  /** When the statement started to run (an Ion timestamp in the block, to the millisecond). */
  startTime: Date;
  /**
   * QLDB's `statementDigest`: the Ion hash of the statement's text dotted with each of
   * its parameters' Ion hashes, as the session's commit digest folds it in.
   */
  digest: Hash;
}

/** What a committed transaction records beyond its writes (the third argument of `Ledger.write`). */
export interface WriteOptions {
  /**
   * The transaction's id: the block's `transactionId` and each revision's `txId`; a
   * QLDB session passes its own. Must be unused (a second block with it fails the
   * write). @default a new random 22-character id
   */
  transactionId?: string;
  /** The statements the transaction ran, in order, which `LedgerWrite.statements` index. @default [] */
  statements?: readonly LedgerStatement[];
}

/** The signature of the whole journal up to its tip. */
export interface LedgerDigest {
  digest: Hash;
  tipAddress: BlockAddress;
}

/** What verifying the stored journal found: all good, or the first block that is not. */
export type JournalCheck =
  | { ok: true; blocks: number }
  | { ok: false; blocks: number; firstBadBlock: BlockAddress; reason: string };
