import { isDeepStrictEqual } from 'node:util';
import * as ion from 'ion-js';
import { describe, expect, it } from 'vitest';
import { ionToJson } from '../../../src/backends/ledger/ionToJson.ts';
import { generatedDocument, ionBinary } from './ionDocumentFixture.ts';

const json = (text: string) => ionToJson(ionBinary(text));

describe('ionToJson', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['null.struct', null],
    ['a::null.timestamp', null],
    ['true', true],
    ['42', 42],
    ['-9007199254740991', -9007199254740991],
    ['9007199254740993', '9007199254740993'],
    ['1180591620717411303424', '1180591620717411303424'],
    ['1000000000000000000000', 1e21],
    ['1.5e0', 1.5],
    ['-0e0', 0],
    ['nan', 'nan'],
    ['+inf', '+inf'],
    ['-inf', '-inf'],
    ['12.50', 12.5],
    ['0.1', 0.1],
    ['-0.0', 0],
    ['-1d-3', -0.001],
    ['12345678901234567890.5', '12345678901234567890.5'],
    ['1d400', `1${'0'.repeat(400)}`],
    ['12d1001', '12e1001'],
    ['-5d-2000', '-5e-2000'],
    ['1d-400', `0.${'0'.repeat(399)}1`],
    ['2024T', '2024'],
    ['2024-02T', '2024-02'],
    ['2024-02-29', '2024-02-29'],
    ['2024-02-29T23:59-00:00', '2024-02-29T23:59-00:00'],
    ['2024-02-29T23:59:58.120Z', '2024-02-29T23:59:58.120Z'],
    ['2024-02-29T23:59:58.000001+05:30', '2024-02-29T23:59:58.000001+05:30'],
    ['sym', 'sym'],
    ['"a\\0b"', 'a\ufffdb'],
    ['{{ aGVsbG8= }}', 'aGVsbG8='],
    ['{{ "hi" }}', 'aGk='],
    ['a::b::[1, c::(x 2)]', [1, ['x', 2]]],
    ['{a: 1, a: 2, "": {}}', { a: 2, '': {} }],
    ['{"__proto__": 1}', JSON.parse('{"__proto__": 1}')],
  ])('converts %s', (text, expected) => {
    expect(isDeepStrictEqual(json(text), expected), JSON.stringify(json(text))).toBe(true);
  });

  it('converts Ion text and Ion binary alike', () => {
    const text = '{a: [1.50, 2024-01-01T00:00Z, {{ AA== }}], b: x::sym}';
    expect(ionToJson(new TextEncoder().encode(text))).toEqual(json(text));
  });

  it('gives JSON that comes back the same from JSON text, for 500 generated documents', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const converted = ionToJson(generatedDocument(seed));
      expect(isDeepStrictEqual(JSON.parse(JSON.stringify(converted)), converted), `seed ${seed}`).toBe(true);
    }
  });

  it('gives a number only when its JSON text is the exact value', () => {
    for (const text of ['0.3', '123.456', '1d-7', '1d21', '9007199254740992', '5d-324']) {
      const converted = json(text);
      expect(typeof converted, text).toBe('number');
      const written = ion.Decimal.parse(String(converted).replace('e', 'd'));
      expect(written?.compareTo(ion.Decimal.parse(text) ?? ion.Decimal.ZERO), text).toBe(0);
    }
    expect(json('4.9d-324')).toBe(`0.${'0'.repeat(323)}49`);
  });

  it('refuses bytes that hold no value or more than one', () => {
    expect(() => ionToJson(new Uint8Array(0))).toThrow(/no value/);
    expect(() => ionToJson(ion.dumpBinary(1, 2))).toThrow(/more than one/);
  });
});
