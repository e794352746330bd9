import { describe, expect, it } from 'vitest';
import { ionHashJson } from '../../../src/backends/ledger/ionHashJson.ts';
import { draws, referenceIonHashOfText, seededRandom } from './ionHashReference.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

// What the ledger hashed before it had its own hasher: the Ion text reader's reading
// of the document's JSON text, hashed by ion-hash-js.
const reference = (value: unknown) => hex(referenceIonHashOfText(JSON.stringify(value) as string));

/** JSON documents of every shape, with the numbers whose JSON text is an int, a decimal or a float. */
function jsonValues(random: () => number) {
  const { integer, pick, text } = draws(random);
  const number = (): number =>
    pick<() => number>([
      () => integer(1000) - 500,
      () => (random() - 0.5) * 10 ** (integer(40) - 15),
      () => 2 ** (53 + integer(20)) + integer(4096),
      () => -(Number.MAX_SAFE_INTEGER + integer(5)),
      () =>
        pick([
          0,
          -0,
          0.1,
          -0.5,
          1e21,
          1e-7,
          5e-324,
          Number.MAX_VALUE,
          12345678901234567000,
          Number.NaN,
          Infinity,
        ]),
    ])();
  const names = ['', 'id', 'status', '__proto__', 'toJSON', '$1', text(6), text(6)];
  const value = (depth: number): unknown => {
    const scalar = pick<() => unknown>([() => text(16), number, () => random() < 0.5, () => null]);
    if (depth === 0 || random() < 0.4) return scalar();
    const size = integer(7);
    if (random() < 0.4) {
      // JSON writes null for undefined and functions in an array, and for its holes.
      return Array.from({ length: size }, () =>
        random() < 0.1 ? pick([undefined, () => 1]) : value(depth - 1),
      );
    }
    const object: Record<string, unknown> = {};
    for (let i = 0; i < size; i++) {
      // An own "__proto__" key, as JSON.parse makes one (JSON leaves undefined fields out).
      const field = random() < 0.1 ? undefined : value(depth - 1);
      Object.defineProperty(object, pick(names), {
        value: field,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
    return object;
  };
  return { value };
}

describe('ionHashJson', () => {
  it('gives the hash of the Ion text reader’s reading of the JSON text for 2,000 generated documents', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const document = jsonValues(seededRandom(seed)).value(4);
      expect(hex(ionHashJson(document)), `seed ${seed}`).toBe(reference(document));
    }
  });

  it.each([
    ['an int', 42],
    ['a negative zero, which JSON writes as 0', -0],
    ['an integer beyond 2^53, whose JSON text is its shortest digits', 12345678901234567000],
    ['1e21, whose JSON text has an exponent', 1e21],
    ['a decimal', -123.456],
    ['a decimal of 17 digits', 0.30000000000000004],
    ['NaN, which JSON writes as null', Number.NaN],
    ['a string', 'hé 😀'],
    ['null', null],
    ['an empty array', []],
    ['an empty object', {}],
    ['a Date, through its toJSON', new Date(Date.UTC(2024, 1, 29, 12))],
    ['an object whose toJSON gets its key', { at: { toJSON: (key: string) => `key ${key}` } }],
    ['boxed primitives', [Object(1.5), Object('s'), Object(false)]],
    ['fields JSON leaves out', { kept: 1, gone: undefined, call: () => 1, symbol: Symbol('s') }],
    [
      'array items JSON writes as null, a hole too',
      Object.assign(new Array(5), { 0: undefined, 1: () => 1, 2: Symbol('s'), 4: 1 }),
    ],
    ['a field whose toJSON returns undefined', { gone: { toJSON: () => undefined }, kept: true }],
  ])('hashes %s as the JSON text reads', (_, value) => {
    expect(hex(ionHashJson(value))).toBe(reference(value));
  });

  it('refuses what JSON.stringify refuses, and what JSON has no value for', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = { back: circular };
    expect(() => ionHashJson({ amount: 10n })).toThrow(TypeError);
    expect(() => JSON.stringify({ amount: 10n })).toThrow(TypeError);
    expect(() => ionHashJson(circular)).toThrow(TypeError);
    expect(() => ionHashJson(undefined)).toThrow(TypeError);
    expect(() => ionHashJson(() => 1)).toThrow(TypeError);
  });

  it('hashes a document again correctly after one that failed halfway', () => {
    const document = { title: 'kept', parties: [{ id: 'a' }] };
    expect(() => ionHashJson({ nested: [{ broken: 10n }] })).toThrow(TypeError);
    expect(hex(ionHashJson(document))).toBe(reference(document));
  });

  it('hashes a document whose toJSON hashes another one (the shared writer is busy)', () => {
    const inner = { inner: [1, 2] };
    let innerHash = '';
    const outer = {
      toJSON() {
        innerHash = hex(ionHashJson(inner));
        return { outer: true };
      },
    };
    expect(hex(ionHashJson(outer))).toBe(reference(outer));
    expect(innerHash).toBe(reference(inner));
  });
});
