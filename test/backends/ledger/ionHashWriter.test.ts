import { describe, expect, it } from 'vitest';
import { type IonHashType, IonHashWriter } from '../../../src/backends/ledger/ionHashWriter.ts';
import type { IonTimestampValue } from '../../../src/backends/ledger/ionTimestamp.ts';
import { referenceIonHash, referenceIonHashOfText, seededRandom } from './ionHashReference.ts';
import { type IonModel, ionValues, writeOurs, writeReference } from './ionValues.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function ours(model: IonModel): string {
  const writer = new IonHashWriter();
  writeOurs(writer, model);
  return hex(writer.digest());
}

function reference(model: IonModel): string {
  return hex(referenceIonHash((writer) => writeReference(writer, model)));
}

const at = (fields: Partial<IonTimestampValue> & Pick<IonTimestampValue, 'precision'>): IonModel => ({
  type: 'timestamp',
  value: {
    offset: null,
    year: 2024,
    month: 2,
    day: 29,
    hour: 23,
    minute: 59,
    second: 58,
    fraction: '',
    ...fields,
  },
});

// The values where an encoding has a special case.
const EDGES: Array<[string, IonModel]> = [
  ...(
    [
      'null',
      'bool',
      'int',
      'float',
      'decimal',
      'timestamp',
      'symbol',
      'string',
      'clob',
      'blob',
      'list',
      'sexp',
      'struct',
    ] as IonHashType[]
  ).map((of): [string, IonModel] => [`null.${of}`, { type: 'null', of }]),
  ['true', { type: 'bool', value: true }],
  ['false', { type: 'bool', value: false }],
  ['int 0', { type: 'int', value: 0n }],
  ['int -1', { type: 'int', value: -1n }],
  ['int 2^64', { type: 'int', value: 2n ** 64n }],
  ['int -(2^64 - 1)', { type: 'int', value: -(2n ** 64n - 1n) }],
  ['0e0', { type: 'float', value: 0 }],
  ['-0e0', { type: 'float', value: -0 }],
  ['nan', { type: 'float', value: Number.NaN }],
  ['+inf', { type: 'float', value: Infinity }],
  ['-inf', { type: 'float', value: -Infinity }],
  ['0d0', { type: 'decimal', magnitude: 0n, exponent: 0, negative: false }],
  ['-0d0', { type: 'decimal', magnitude: 0n, exponent: 0, negative: true }],
  ['0d-3', { type: 'decimal', magnitude: 0n, exponent: -3, negative: false }],
  ['-0d5', { type: 'decimal', magnitude: 0n, exponent: 5, negative: true }],
  [
    '128d-64 (sign byte, exponent over 6 bits)',
    { type: 'decimal', magnitude: 128n, exponent: -64, negative: false },
  ],
  ['-11d11 (escaped bytes)', { type: 'decimal', magnitude: 11n, exponent: 11, negative: true }],
  ['year', at({ precision: 'year', year: 1 })],
  ['month', at({ precision: 'month', year: 9999, month: 12 })],
  ['day', at({ precision: 'day' })],
  ['minute, unknown offset', at({ precision: 'minute' })],
  ['minute, +23:59', at({ precision: 'minute', offset: 1439 })],
  ['second, -23:59 into the next day', at({ precision: 'second', offset: -1439 })],
  ['second, Z, .000', at({ precision: 'second', offset: 0, fraction: '000' })],
  ['second, +05:30, nine digits', at({ precision: 'second', offset: 330, fraction: '123456789' })],
  ['empty string', { type: 'string', value: '' }],
  ['empty symbol', { type: 'symbol', value: '' }],
  ['empty blob', { type: 'blob', value: new Uint8Array(0) }],
  ['escaped bytes in a blob', { type: 'blob', value: Uint8Array.from([0x0b, 0x0c, 0x0e, 0x0d, 0x0f]) }],
  ['empty clob', { type: 'clob', value: new Uint8Array(0) }],
  ['empty sexp', { type: 'sexp', items: [] }],
  ['an annotated scalar', { type: 'int', value: 1n, annotations: ['a', ''] }],
  ['an annotated null', { type: 'null', of: 'struct', annotations: ['\u000b'] }],
  [
    'annotated containers in an annotated struct field',
    {
      type: 'struct',
      annotations: ['s'],
      fields: [
        ['f', { type: 'list', annotations: ['l'], items: [{ type: 'sexp', items: [], annotations: ['x'] }] }],
      ],
    },
  ],
  ['empty list', { type: 'list', items: [] }],
  ['empty struct', { type: 'struct', fields: [] }],
  [
    'a struct holding an empty struct under the empty name',
    { type: 'struct', fields: [['', { type: 'struct', fields: [] }]] },
  ],
  [
    'a struct with a repeated field name',
    {
      type: 'struct',
      fields: [
        ['a', { type: 'int', value: 1n }],
        ['a', { type: 'int', value: 1n }],
      ],
    },
  ],
];

describe('IonHashWriter', () => {
  it.each(EDGES)('gives the hash ion-hash-js gives: %s', (_, model) => {
    expect(ours(model)).toBe(reference(model));
  });

  it('gives the hash ion-hash-js gives to 3,000 generated values of every type, nested up to 4 deep', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const model = ionValues(seededRandom(seed)).value(4);
      expect(ours(model), `seed ${seed}`).toBe(reference(model));
    }
  });

  it('hashes a value the same once digested, so one writer serves value after value', () => {
    const writer = new IonHashWriter();
    const model = ionValues(seededRandom(7)).value(3);
    writeOurs(writer, model);
    const first = hex(writer.digest());
    writeOurs(writer, model);
    expect(hex(writer.digest())).toBe(first);
    expect(first).toBe(reference(model));
  });

  it('refuses a lone surrogate, as the Ion text reader does', () => {
    for (const text of ['\ud800', 'a\udc00b', '\ud83d']) {
      expect(() => new IonHashWriter().writeString(text)).toThrow(/lone surrogate/);
      expect(() => referenceIonHashOfText(JSON.stringify(text))).toThrow();
    }
  });

  it('refuses a struct value without a field name, a name outside a struct, and a digest inside a container', () => {
    const writer = new IonHashWriter();
    writer.stepIn('struct');
    expect(() => writer.writeInt(1)).toThrow(/field name/);
    expect(() => writer.digest()).toThrow(/still open/);
    writer.reset();
    expect(() => writer.writeFieldName('a')).toThrow(/struct/);
    expect(() => writer.writeInt(2 ** 53)).toThrow(/bigint/);
  });
});
