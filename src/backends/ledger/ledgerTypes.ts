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
  data: T;
  metadata: RevisionMetadata;
}

/** A write a transaction makes: the whole new content of one document. */
export interface LedgerWrite {
  tableName: string;
  documentId: string;
  data: unknown;
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
