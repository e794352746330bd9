import { cryptoHasherProvider, makeHashReader } from 'ion-hash-js';
import * as ion from 'ion-js';
import { describe, expect, it } from 'vitest';
import { IonHashWriter } from '../../../src/backends/ledger/ionHashWriter.ts';
import { ionHashOfIon, ionHashOfString } from '../../../src/backends/ledger/ionValueHash.ts';
import { referenceIonHash, seededRandom } from './ionHashReference.ts';
import { type IonModel, ionValues, writeReference } from './ionValues.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** What ion-hash-js's hash reader gives once it has read the top-level value of `bytes`. */
function referenceOfBytes(bytes: Uint8Array): string {
  const reader = makeHashReader(ion.makeReader(bytes), cryptoHasherProvider('sha256'));
  reader.next();
  reader.next();
  return hex(reader.digest());
}

/** `model` as ion-js's binary or text writer writes it. */
function encode(model: IonModel, form: 'binary' | 'text'): Uint8Array {
  const writer = form === 'binary' ? ion.makeBinaryWriter() : ion.makeTextWriter();
  writeReference(writer, model);
  writer.close();
  return writer.getBytes();
}

const text = (source: string) => new TextEncoder().encode(source);

function readable(source: Uint8Array): boolean {
  try {
    ion.loadAll(source);
    return true;
  } catch (error) {
    // ion-js refused its own text; the caller checks that value as binary only.
    if (!(error instanceof Error)) throw error;
    return false;
  }
}

/** The kinds of value `model` holds: its types, typed nulls, annotated values, 32-bit floats, depth. */
function kindsIn(model: IonModel, depth = 0, kinds = new Set<string>()): Set<string> {
  kinds.add(model.type === 'null' ? `null.${model.of}` : model.type);
  kinds.add(`depth ${depth}`);
  if (model.annotations !== undefined) kinds.add(`annotated ${model.type}`);
  if (model.type === 'float' && model.bits === 32) kinds.add('float32');
  if (model.type === 'list' || model.type === 'sexp')
    for (const item of model.items) kindsIn(item, depth + 1, kinds);
  if (model.type === 'struct') for (const [, field] of model.fields) kindsIn(field, depth + 1, kinds);
  return kinds;
}

// Values where reading, rather than writing, has a case of its own: ion-js's reader
// gives back what its writer wrote, so these come as Ion text.
const TEXTS = [
  'null',
  'null.clob',
  'a::null.sexp',
  "''",
  "''::''::0",
  '-0d0',
  '0d-5',
  '-0.000',
  '1.50',
  '123456789012345678901234567890d-40',
  '-1d1048576',
  '1e0',
  '-0e0',
  '+inf',
  'nan',
  '2024T',
  '2024-02T',
  '2024-02-29',
  '2024-02-29T23:59-00:00',
  '2024-02-29T23:59:58.000Z',
  '0001-01-02T00:00:00.000000001+23:59',
  '9999-12-30T23:59:59.9-23:59',
  '{{ "\\x00\\x0b\\x0c\\x0e" }}',
  '{{ AAsMDg== }}',
  "('+' a::b (c::[]))",
  '{a: 1, a: 1, b: {c: [d::e::{}]}}',
  'top::{"": null.struct, s: sym, t: "str"}',
];

describe('ionHashOfIon', () => {
  it.each(TEXTS)('gives the hash ion-hash-js gives to %s, as text and as binary', (source) => {
    const binary = ion.dumpBinary(ion.load(source));
    expect(hex(ionHashOfIon(text(source)))).toBe(referenceOfBytes(text(source)));
    expect(hex(ionHashOfIon(binary))).toBe(referenceOfBytes(binary));
    expect(hex(ionHashOfIon(binary))).toBe(hex(ionHashOfIon(text(source))));
  });

  it('gives the hash ion-hash-js gives to 2,000 generated values of every type, annotated and nested up to 4 deep, as binary and as text', () => {
    let texts = 0;
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 2000; seed++) {
      const model = ionValues(seededRandom(seed)).value(4);
      kindsIn(model, 0, kinds);
      const binary = encode(model, 'binary');
      const expected = referenceOfBytes(binary);
      expect(hex(ionHashOfIon(binary)), `seed ${seed}, binary`).toBe(expected);
      // The value the writer's calls hash is the value read back.
      expect(hex(referenceIonHash((writer) => writeReference(writer, model))), `seed ${seed}`).toBe(expected);
      const source = encode(model, 'text');
      // ion-js's text writer leaves an operator symbol ('/') unquoted when it annotates a
      // value in a sexp, which its own reader refuses; such a value is checked as binary.
      if (seed % 4 !== 0 || !readable(source)) continue;
      expect(hex(ionHashOfIon(source)), `seed ${seed}, text`).toBe(expected);
      texts += 1;
    }
    expect(texts).toBeGreaterThan(480);
    const types = ['bool', 'int', 'float', 'decimal', 'timestamp', 'symbol', 'string', 'clob', 'blob'];
    const containers = ['list', 'sexp', 'struct'];
    for (const kind of [
      ...[...types, ...containers],
      ...['null', ...types, ...containers].map((type) => `null.${type}`),
      ...[...types, ...containers].map((type) => `annotated ${type}`),
      'float32',
      'depth 4',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
  });

  it('hashes a timestamp of .9995 s or more as written, where ion-js rounds it into the next minute', () => {
    const written = '2024-01-01T00:00:59.9995+01:00';
    const writer = new IonHashWriter();
    writer.writeTimestamp({
      precision: 'second',
      offset: 60,
      year: 2024,
      month: 1,
      day: 1,
      hour: 0,
      minute: 0,
      second: 59,
      fraction: '9995',
    });
    const asWritten = hex(writer.digest());
    expect(hex(ionHashOfIon(text(written)))).toBe(asWritten);
    expect(referenceOfBytes(text(written))).not.toBe(asWritten);
  });

  it('hashes every one-bit change of a document differently, or refuses it, unless ion-js reads the same value', () => {
    const bytes = encode(ionValues(seededRandom(5)).value(4), 'binary');
    const value = ion.dumpText(...ion.loadAll(bytes));
    const original = hex(ionHashOfIon(bytes));
    let changed = 0;
    for (let at = 0; at < bytes.length; at++) {
      for (let bit = 0; bit < 8; bit++) {
        const flipped = new Uint8Array(bytes);
        flipped[at] = (flipped[at] as number) ^ (1 << bit);
        let hash: string;
        try {
          hash = hex(ionHashOfIon(flipped));
        } catch (error) {
          // Refused: a verifier reports it as tampering.
          if (!(error instanceof Error)) throw error;
          changed += 1;
          continue;
        }
        if (hash !== original) changed += 1;
        // A length or an annotation wrapper ion-js does not check: the same value.
        else expect(ion.dumpText(...ion.loadAll(flipped)), `byte ${at} bit ${bit}`).toBe(value);
      }
    }
    expect(changed).toBeGreaterThan(bytes.length * 6);
  });

  it('refuses bytes that hold no value, more than one, or no Ion', () => {
    expect(() => ionHashOfIon(new Uint8Array(0))).toThrow(/no value/);
    expect(() => ionHashOfIon(Uint8Array.from([0xe0, 0x01, 0x00, 0xea]))).toThrow(/no value/);
    expect(() => ionHashOfIon(text('1 2'))).toThrow(/more than one/);
    expect(() => ionHashOfIon(ion.dumpBinary(1, 2))).toThrow(/more than one/);
    expect(() => ionHashOfIon(text('{a: '))).toThrow();
    expect(() => ionHashOfIon(Uint8Array.from([0xe0, 0x01, 0x00, 0xea, 0x8e]))).toThrow();
  });

  it('hashes value after value the same, the shared writer left empty by a failure', () => {
    const bytes = encode(ionValues(seededRandom(11)).value(3), 'binary');
    const first = hex(ionHashOfIon(bytes));
    expect(() => ionHashOfIon(text('[1, {a: '))).toThrow();
    expect(hex(ionHashOfIon(bytes))).toBe(first);
  });
});

describe('ionHashOfString', () => {
  it('gives the hash ion-hash-js gives to an Ion string', () => {
    for (const value of ['', 'SELECT * FROM t WHERE a = ?', '\u000b\u000c\u000e', 'é中😀']) {
      expect(hex(ionHashOfString(value))).toBe(hex(referenceIonHash((writer) => writer.writeString(value))));
    }
  });
});
