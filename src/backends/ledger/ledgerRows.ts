import type { Row } from '../../core/database.ts';
import type { Hash } from './ledgerHash.ts';
import type { BlockAddress, LedgerRevision } from './ledgerTypes.ts';

/** A bytea value as pg (Buffer) or PGlite (Uint8Array) returns it. */
export function bytes(value: unknown): Hash {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  throw new TypeError(`expected bytea, got ${typeof value}`);
}

/** A bigint column as pg (string), PGlite (number or bigint) returns it. */
export function integer(value: unknown): number {
  return Number(value);
}

/** An ISO-8601 instant from a timestamptz column. */
export function instant(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

/** Splits a frontier stored as concatenated 32-byte hashes. */
export function splitHashes(value: unknown): Hash[] {
  const all = bytes(value);
  const hashes: Hash[] = [];
  for (let offset = 0; offset < all.length; offset += 32) hashes.push(all.slice(offset, offset + 32));
  return hashes;
}

/** Joins hashes for storage as one bytea. */
export function joinHashes(hashes: readonly Hash[]): Buffer {
  return Buffer.concat(hashes.map((hash) => Buffer.from(hash)));
}

/**
 * Maps a `ledger.revisions` row. `data` is null for a deletion (typed `T` for the
 * callers that read tables without deletions); `ion` is null unless the document was
 * written as Ion.
 */
export function toRevision<T>(row: Row): LedgerRevision<T> {
  const blockAddress: BlockAddress = {
    strandId: String(row.strand_id),
    sequenceNo: integer(row.sequence_no),
  };
  return {
    tableName: String(row.table_name),
    blockAddress,
    hash: bytes(row.hash),
    data: (row.data ?? null) as T,
    ion: row.ion == null ? null : bytes(row.ion),
    deleted: row.deleted === true,
    metadata: {
      id: String(row.document_id),
      version: integer(row.version),
      txTime: instant(row.tx_time),
      txId: String(row.tx_id),
    },
  };
}
