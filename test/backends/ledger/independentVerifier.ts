import { createHash } from 'node:crypto';
import { type HasherProvider, makeHashWriter } from 'ion-hash-js';
import * as ion from 'ion-js';

// A second, independent implementation of Amazon QLDB's client-side verification,
// written from the AWS documentation rather than from src/backends/ledger (which it
// must never import: a shared bug would then pass both sides).
// - https://docs.aws.amazon.com/qldb/latest/developerguide/verification.results.html
//   (recalculating a digest: sort two hashes by their signed bytes, last byte first,
//   concatenate smaller first, SHA-256; fold the proof hashes onto the revision hash)
// - https://docs.aws.amazon.com/qldb/latest/developerguide/verification.tutorial-block-hash.html
//   (revision hash = dot(ionHash(metadata), ionHash(data)); entries hash = the Merkle
//   root of the block's entries built level by level with an odd last node carried up;
//   block hash = dot(entries hash, previous block hash))
// - https://docs.aws.amazon.com/qldb/latest/developerguide/journal-contents.html
//   (a block's transactionInfo, {statements, documents})
// - aws-samples/amazon-qldb-dmv-sample-java, JournalBlock.verifyBlockHash (a block's
//   entriesHashList holds the Merkle root of its revisions' hashes and its
//   transactionInfo's hash: figway's block format 3 lists just those two, in that order;
//   format 2, figway's earlier blocks, listed each revision's hash, then the transaction
//   info's; format 1, earlier still, its own JSON transaction info's hash first)

/** SHA-256 with node:crypto. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/** QLDB's HashComparator: signed bytes, compared from the last byte to the first. */
export function compareSigned(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error('compareSigned: hashes of different lengths');
  const left = new Int8Array(a.buffer, a.byteOffset, a.length);
  const right = new Int8Array(b.buffer, b.byteOffset, b.length);
  for (let i = left.length - 1; i >= 0; i--) {
    const difference = (left[i] as number) - (right[i] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** QLDB's `dot`: an empty side yields the other; else SHA-256 of the two joined, smaller first. */
export function dot(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const ordered = compareSigned(a, b) < 0 ? [a, b] : [b, a];
  return sha256(Buffer.concat(ordered));
}

// ion-hash-js takes any hasher; this one is node:crypto's, not the library's own
// provider. ion-hash reuses a hasher after digest(), so digest() starts a new hash.
const nodeSha256: HasherProvider = () => {
  let hash = createHash('sha256');
  return {
    update: (bytes: Uint8Array) => {
      hash.update(bytes);
    },
    digest: () => {
      const digest = new Uint8Array(hash.digest());
      hash = createHash('sha256');
      return digest;
    },
  };
};

function ionHash(write: (writer: ion.Writer) => void): Uint8Array {
  const writer = makeHashWriter(ion.makeBinaryWriter(), nodeSha256);
  write(writer);
  return new Uint8Array(writer.digest());
}

// A JSON number as the Ion text reader sees the JSON text of it: digits only is an
// int, a fraction without exponent is a decimal, an exponent makes a float.
function writeNumber(writer: ion.Writer, value: number): void {
  const text = JSON.stringify(value);
  if (/[eE]/.test(text)) writer.writeFloat64(value);
  else if (text.includes('.')) writer.writeDecimal(new ion.Decimal(text));
  else writer.writeInt(BigInt(text));
}

/** Writes a JSON value (as parsed by JSON.parse) with Ion writer calls, no text parsing. */
export function writeJson(writer: ion.Writer, value: unknown): void {
  if (value === null) writer.writeNull(ion.IonTypes.NULL);
  else if (typeof value === 'boolean') writer.writeBoolean(value);
  else if (typeof value === 'number') writeNumber(writer, value);
  else if (typeof value === 'string') writer.writeString(value);
  else if (Array.isArray(value)) {
    writer.stepIn(ion.IonTypes.LIST);
    for (const item of value) writeJson(writer, item);
    writer.stepOut();
  } else if (typeof value === 'object') {
    writer.stepIn(ion.IonTypes.STRUCT);
    for (const [name, field] of Object.entries(value)) {
      writer.writeFieldName(name);
      writeJson(writer, field);
    }
    writer.stepOut();
  } else throw new TypeError(`not a JSON value: ${typeof value}`);
}

/** The Ion hash of the single value in Ion binary or text, read with ion-js's reader. */
export function ionHashOfIonBytes(bytes: Uint8Array): Uint8Array {
  const value = ion.load(bytes);
  if (value === null) throw new TypeError('no Ion value');
  return ionHash((writer) => value.writeTo(writer));
}

/** The Ion hash of a JSON value. */
export function ionHashOfJson(value: unknown): Uint8Array {
  return ionHash((writer) => writeJson(writer, value));
}

/** QLDB's revision metadata; `txTime` becomes an Ion timestamp with millisecond precision in UTC. */
export interface IndependentMetadata {
  id: string;
  version: number;
  txTime: Date;
  txId: string;
}

function ionTimestamp(time: Date): ion.Timestamp {
  const seconds = `${time.getUTCSeconds()}.${String(time.getUTCMilliseconds()).padStart(3, '0')}`;
  return new ion.Timestamp(
    0,
    time.getUTCFullYear(),
    time.getUTCMonth() + 1,
    time.getUTCDate(),
    time.getUTCHours(),
    time.getUTCMinutes(),
    new ion.Decimal(seconds),
  );
}

/** The Ion hash of `{id, version, txTime, txId}`. */
export function metadataHash(metadata: IndependentMetadata): Uint8Array {
  return ionHash((writer) => {
    writer.stepIn(ion.IonTypes.STRUCT);
    writer.writeFieldName('id');
    writer.writeString(metadata.id);
    writer.writeFieldName('version');
    writer.writeInt(metadata.version);
    writer.writeFieldName('txTime');
    writer.writeTimestamp(ionTimestamp(metadata.txTime));
    writer.writeFieldName('txId');
    writer.writeString(metadata.txId);
    writer.stepOut();
  });
}

/** A revision's hash: dot(ionHash(metadata), ionHash(data)). */
export function revisionHashOf(metadata: IndependentMetadata, data: unknown): Uint8Array {
  return dot(metadataHash(metadata), ionHashOfJson(data));
}

/** Folds a proof onto a leaf hash, left to right, as QLDB's client does. */
export function foldProof(leaf: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  return proof.reduce<Uint8Array>((accumulated, hash) => dot(accumulated, hash), leaf);
}

/** True when the revision's recomputed hash, folded with `proof`, is `digest`. */
export function verifyRevisionIndependently(
  revision: { metadata: IndependentMetadata; data: unknown },
  proof: readonly Uint8Array[],
  digest: Uint8Array,
): boolean {
  return Buffer.from(foldProof(revisionHashOf(revision.metadata, revision.data), proof)).equals(
    Buffer.from(digest),
  );
}

/** The Merkle root of a list: pairs neighbours level by level, carrying an odd last node up. */
export function merkleRootOf(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return new Uint8Array(0);
  let level = leaves.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1];
      next.push(right === undefined ? (level[i] as Uint8Array) : dot(level[i] as Uint8Array, right));
    }
    level = next;
  }
  return level[0] as Uint8Array;
}

/** The sibling hashes of leaf `index` read off the same level-by-level tree (none where carried up). */
export function siblingPathOf(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  const path: Uint8Array[] = [];
  let level = leaves.slice();
  let position = index;
  while (level.length > 1) {
    const sibling = position % 2 === 0 ? level[position + 1] : level[position - 1];
    if (sibling !== undefined) path.push(sibling);
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1];
      next.push(right === undefined ? (level[i] as Uint8Array) : dot(level[i] as Uint8Array, right));
    }
    level = next;
    position = Math.floor(position / 2);
  }
  return path;
}

/** A bytea column as either driver returns it. */
export function byteaOf(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  throw new TypeError(`expected bytea, got ${typeof value}`);
}

/** A `ledger.revisions` row read with SQL, mapped without src's row code. */
export function revisionOfRow(row: Record<string, unknown>) {
  const txTime = row.tx_time instanceof Date ? row.tx_time : new Date(String(row.tx_time));
  return {
    metadata: {
      id: String(row.document_id),
      version: Number(row.version),
      txTime,
      txId: String(row.tx_id),
    },
    data: row.data,
    storedHash: byteaOf(row.hash),
  };
}

/** A block's entries by its format, from its revisions' hashes and its transaction info's hash. */
export function entriesByFormat(format: number, revisionHashes: Uint8Array[], infoHash: Uint8Array) {
  switch (format) {
    case 1:
      return [infoHash, ...revisionHashes];
    case 2:
      return [...revisionHashes, infoHash];
    case 3:
      return [merkleRootOf(revisionHashes), infoHash];
    default:
      throw new Error(`no block format ${format}`);
  }
}

/**
 * A block's hashes recomputed from its SQL row and its revision rows (ordered by entry
 * index), by the block's format: 3 (QLDB's), the Merkle root of the revisions' hashes
 * then the Ion transaction info's hash; 2, each revision's hash then the Ion transaction
 * info's; 1, the JSON transaction info's hash then each revision's.
 */
export function recomputeBlock(
  block: Record<string, unknown>,
  revisionRows: ReadonlyArray<Record<string, unknown>>,
) {
  const revisionHashes = revisionRows.map((row) => {
    const revision = revisionOfRow(row);
    return revisionHashOf(revision.metadata, revision.data);
  });
  const format = Number(block.format);
  const infoHash =
    format === 1
      ? ionHashOfJson(block.transaction_info)
      : ionHashOfIonBytes(byteaOf(block.transaction_info_ion));
  const entries = entriesByFormat(format, revisionHashes, infoHash);
  const entriesHash = merkleRootOf(entries);
  return {
    revisionHashes,
    entries,
    entriesHash,
    blockHash: dot(entriesHash, byteaOf(block.previous_block_hash)),
  };
}
