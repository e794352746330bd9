import { cryptoHasherProvider, makeHashWriter } from 'ion-hash-js';
import * as ion from 'ion-js';

// The reference the ledger's own Ion hasher (src/backends/ledger/ionHashWriter.ts,
// ionHashJson.ts) must match byte for byte: Amazon's ion-hash-js over ion-js, which
// the ledger used to hash with and which passes the Ion Hash specification's tests.

/** The Ion hash (SHA-256) ion-hash-js gives the value that `write` writes. */
export function referenceIonHash(write: (writer: ion.Writer) => void): Uint8Array {
  const writer = makeHashWriter(ion.makeBinaryWriter(), cryptoHasherProvider('sha256'));
  write(writer);
  return new Uint8Array(writer.digest());
}

/**
 * The Ion hash ion-hash-js gives the value the Ion text reader reads from `text`: how
 * the ledger hashed a document (`JSON.stringify(data)`, JSON being Ion text) before it
 * had its own hasher.
 */
export function referenceIonHashOfText(text: string): Uint8Array {
  const value = ion.load(text);
  if (value === null) throw new Error('referenceIonHashOfText: empty Ion text');
  return referenceIonHash((writer) => value.writeTo(writer));
}

export { seededRandom } from '../../../harness/seededRandom.ts';

/** Random draws built on a seeded source. */
export function draws(random: () => number) {
  const integer = (below: number) => Math.floor(random() * below);
  const pick = <T>(items: readonly T[]): T => items[integer(items.length)] as T;
  // Characters around every UTF-8 length boundary, the bytes Ion Hash escapes (0x0B,
  // 0x0C, 0x0E), control characters JSON escapes, and pairs outside the BMP.
  const characters = [
    'a',
    'Z',
    '0',
    ' ',
    '"',
    '\\',
    '/',
    '\u0000',
    '\t',
    '\n',
    '\u000b',
    '\u000c',
    '\u000e',
    '\u001f',
    '\u007f',
    '\u0080',
    'é',
    'ß',
    '\u07ff',
    '\u0800',
    '€',
    '中',
    '\u2028',
    '\ud7ff',
    '\ue000',
    '\uffff',
    '😀',
    '\u{10ffff}',
    '\u{10000}',
  ];
  const text = (maxLength: number) =>
    Array.from({ length: integer(maxLength + 1) }, () => pick(characters)).join('');
  return { integer, pick, text };
}
