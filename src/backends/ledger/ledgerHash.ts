import { hash } from 'node:crypto';
import { ionHashJson } from './ionHashJson.ts';
import { IonHashWriter } from './ionHashWriter.ts';
import { timestampOfInstant } from './ionTimestamp.ts';

// The hashing of Amazon QLDB's published verification algorithm:
// - https://docs.aws.amazon.com/qldb/latest/developerguide/verification.html
// - https://docs.aws.amazon.com/qldb/latest/developerguide/verification.results.html
//   ("Using a proof to recalculate your digest": sort the two hashes by comparing
//   their signed byte values in little-endian order, concatenate, SHA-256)
// - https://docs.aws.amazon.com/qldb/latest/developerguide/verification.tutorial-block-hash.html
//   (a revision's hash is the dot of the Ion hashes of its metadata and its data;
//   a block's hash is the dot of its entries hash and the previous block's hash)

/** A SHA-256 hash; the empty array stands for "no hash" (the first block's predecessor). */
export type Hash = Uint8Array;

/** The "no hash" value: `dot(EMPTY, h)` is `h`. */
export const EMPTY_HASH: Hash = new Uint8Array(0);

/** SHA-256 of `bytes`. */
export function sha256(bytes: Uint8Array): Hash {
  return new Uint8Array(hash('sha256', bytes, 'buffer'));
}

/**
 * QLDB's order of two hashes: their bytes compared as signed values, starting from
 * the last byte. Returns a negative number when `a` sorts first.
 */
export function compareHashes(a: Hash, b: Hash): number {
  for (let i = Math.min(a.length, b.length) - 1; i >= 0; i--) {
    const difference = (((a[i] ?? 0) << 24) >> 24) - (((b[i] ?? 0) << 24) >> 24);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

/**
 * QLDB's `dot`: the SHA-256 of the two hashes concatenated smaller first, so the
 * result does not depend on their order. An empty side returns the other side.
 */
export function dot(a: Hash, b: Hash): Hash {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const [first, second] = compareHashes(a, b) < 0 ? [a, b] : [b, a];
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first, 0);
  joined.set(second, first.length);
  return sha256(joined);
}

/** A revision's metadata, as QLDB's committed view shows it. */
export interface RevisionMetadata {
  /** The document's id. */
  id: string;
  /** 0 for the first revision, then 1, 2, ... */
  version: number;
  /** When the transaction that wrote the revision committed, as an ISO-8601 instant. */
  txTime: string;
  txId: string;
}

const metadataWriter = new IonHashWriter();

/** The Ion hash of a revision's metadata, `{id, version, txTime, txId}`; `txTime` is an Ion timestamp, as in QLDB. */
export function metadataHash(metadata: RevisionMetadata): Hash {
  const txTime = timestampOfInstant(metadata.txTime);
  const writer = metadataWriter;
  writer.reset();
  writer.stepIn('struct');
  writer.writeFieldName('id');
  writer.writeString(metadata.id);
  writer.writeFieldName('version');
  writer.writeInt(metadata.version);
  writer.writeFieldName('txTime');
  writer.writeTimestamp(txTime);
  writer.writeFieldName('txId');
  writer.writeString(metadata.txId);
  writer.stepOut();
  return writer.digest();
}

/** A revision's hash: `dot(ionHash(metadata), ionHash(data))`. */
export function revisionHash(metadata: RevisionMetadata, data: unknown): Hash {
  return revisionHashOf(metadata, ionHashJson(data));
}

/** A revision's hash from its metadata and the Ion hash of its data, computed earlier (see {@link ionHashJson}). */
export function revisionHashOf(metadata: RevisionMetadata, dataHash: Hash): Hash {
  return dot(metadataHash(metadata), dataHash);
}

/** Base64, the way QLDB shows hashes. */
export function toBase64(hash: Hash): string {
  return Buffer.from(hash).toString('base64');
}

/** Equality of two hashes, byte for byte. */
export function sameHash(a: Hash, b: Hash): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}
