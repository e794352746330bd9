import { cryptoHasherProvider, makeHashReader } from 'ion-hash-js';
import * as ion from 'ion-js';
import type { LedgerRevision } from '../../../src/backends/ledger/ledgerTypes.ts';
import { dot, metadataHash } from './independentVerifier.ts';
import { seededRandom } from './ionHashReference.ts';
import { ionValues, writeReference } from './ionValues.ts';

/**
 * A document with a value of every Ion type: typed nulls, annotations, a sexp, a
 * clob, a repeated field name, timestamps of every precision with fractions and
 * offsets, decimals with negative zero and large exponents, a NUL in a string.
 */
export const EVERY_TYPE = `vehicle::{
  s: "text", flip: "flip-me", sym: sym, quoted: 'a b', nul: "a\\0b",
  i: 42, neg: -7, big: 123456789012345678901234567890,
  f: 1.5e0, notanumber: nan, inf: +inf, negzero: -0e0,
  d: 12.50, dzero: -0.0, dbig: 1d300, dsmall: -1d-300,
  ts: [2024T, 2024-02T, 2024-02-29, 2024-02-29T23:59-00:00, 2024-02-29T23:59:58Z,
       2024-02-29T23:59:58.120+05:30, 0001-01-02T00:00:00.000000001-23:59],
  blob: {{ aGVsbG8= }}, clob: {{ "hi" }},
  nulls: [null, null.bool, null.int, null.float, null.decimal, null.timestamp, null.symbol,
          null.string, null.clob, null.blob, null.list, null.sexp, null.struct],
  annotated: a::b::{ x: c::1, y: d::[e::"f"] },
  list: [1, [2, [3, []]]], sexp: (+ 1 (* 2 3)),
  nested: { a: { b: { c: {} } } }, dup: 1, dup: 2, '': "empty name"
}`;

/** Ion text or a reader's values as ion-js's binary writer writes them. */
export function ionBinary(text: string): Uint8Array {
  const writer = ion.makeBinaryWriter();
  writer.writeValues(ion.makeReader(text));
  writer.close();
  return writer.getBytes();
}

/** A generated document: `{seed, value}`, the value of every type and annotated now and then. */
export function generatedDocument(seed: number): Uint8Array {
  const writer = ion.makeBinaryWriter();
  writer.stepIn(ion.IonTypes.STRUCT);
  writer.writeFieldName('seed');
  writer.writeInt(seed);
  writer.writeFieldName('value');
  writeReference(writer, ionValues(seededRandom(seed)).value(3));
  writer.stepOut();
  writer.close();
  return writer.getBytes();
}

/** What ion-hash-js's hash reader gives for the top-level value of `bytes`. */
export function referenceIonHashOfBytes(bytes: Uint8Array): Uint8Array {
  const reader = makeHashReader(ion.makeReader(bytes), cryptoHasherProvider('sha256'));
  reader.next();
  reader.next();
  return new Uint8Array(reader.digest());
}

/**
 * A revision's hash recomputed with ion-hash-js alone: dot(metadata hash, Ion hash of
 * its Ion), or the metadata hash alone for a deletion.
 */
export function referenceRevisionHash(revision: LedgerRevision): Uint8Array {
  const { id, version, txTime, txId } = revision.metadata;
  const metadata = metadataHash({ id, version, txTime: new Date(txTime), txId });
  if (revision.deleted === true) return metadata;
  if (revision.ion == null) throw new Error(`revision ${id} v${version} has no Ion`);
  return dot(metadata, referenceIonHashOfBytes(revision.ion));
}

/** Equality of byte arrays, as hex for readable failures. */
export const hex = (bytes: Uint8Array | null | undefined) =>
  bytes == null ? null : Buffer.from(bytes).toString('hex');
