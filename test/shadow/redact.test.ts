import { describe, expect, it } from 'vitest';
import { keyedHash, redactDiffs, redactVariables } from '../../src/shadow/redact.ts';

// A value nested `levels` deep, built without recursion.
function nested(levels: number, bottom: unknown = 'bottom'): unknown {
  let value = bottom;
  for (let level = 0; level < levels; level++) value = { inner: value };
  return value;
}

function descend(value: unknown): { depth: number; bottom: unknown } {
  let depth = 0;
  let at = value;
  while (typeof at === 'object' && at !== null && 'inner' in at) {
    at = at.inner;
    depth += 1;
  }
  return { depth, bottom: at };
}

describe('redactVariables', () => {
  it('hashes sensitive keys at any depth, whatever their case, and keeps the rest and its key order', () => {
    const redacted = redactVariables(
      { id: 'x', input: { Email: 'a@b.c', list: [{ token: 't' }, 2] }, last: null },
      'salt',
    );
    expect(redacted).toEqual({
      id: 'x',
      input: { Email: keyedHash('a@b.c', 'salt'), list: [{ token: keyedHash('t', 'salt') }, 2] },
      last: null,
    });
    expect(Object.keys(redacted as object)).toEqual(['id', 'input', 'last']);
  });

  it('keeps a key named __proto__ as data, not as a prototype', () => {
    const redacted = redactVariables(JSON.parse('{"__proto__": {"email": "a@b.c"}}'), 'salt');
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(JSON.stringify(redacted)).toBe(`{"__proto__":{"email":"${keyedHash('a@b.c', 'salt')}"}}`);
  });

  it('summarizes what lies beyond the depth bound of a value nested 200,000 levels, objects and lists', () => {
    const objects = redactVariables({ filter: nested(200_000) }, 'salt') as { filter: unknown };
    const { depth, bottom } = descend(objects.filter);
    expect(bottom).toMatch(/^\(nested deeper than \d+ levels\)$/);
    expect(depth).toBeLessThan(200);
    const lists = JSON.parse(`{"ids": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
    expect(JSON.stringify(redactVariables(lists, 'salt'))).toMatch(/"\(nested deeper than \d+ levels\)"/);
  });

  it('hashes a sensitive value nested 200,000 levels without throwing', () => {
    const redacted = redactVariables({ email: nested(200_000) }, 'salt') as { email: string };
    expect(redacted.email).toMatch(/^hmac:[0-9a-f]{16}$/);
  });
});

describe('keyedHash', () => {
  it('is stable for one salt and differs between salts', () => {
    expect(keyedHash({ a: 1 }, 's')).toBe(keyedHash({ a: 1 }, 's'));
    expect(keyedHash({ a: 1 }, 's')).not.toBe(keyedHash({ a: 1 }, 't'));
    expect(keyedHash(new Date('2026-01-01T00:00:00Z'), 's')).toBe(keyedHash('2026-01-01T00:00:00.000Z', 's'));
  });
});

describe('redactDiffs', () => {
  it('hashes both values of a matching diff, even values nested 200,000 levels', () => {
    const [diff] = redactDiffs(
      [{ path: 'c.terms', control: nested(200_000), candidate: 'x' }],
      ['c.terms'],
      's',
    );
    expect(diff).toEqual({
      path: 'c.terms',
      control: expect.stringMatching(/^hmac:/),
      candidate: keyedHash('x', 's'),
    });
  });
});

describe('redactDiffs around a redacted path', () => {
  const patterns = ['c.terms', 'c.parties[*].email'];
  const redacted = (path: string, control: unknown, candidate: unknown) => ({
    path,
    control: keyedHash(control, 's'),
    candidate: keyedHash(candidate, 's'),
  });

  it('hashes the whole values of a diff that holds a redacted path, and of one inside it', () => {
    const party = { id: 'p', email: 'a@example.com' };
    const diffs = redactDiffs(
      [
        { path: 'c', control: null, candidate: { terms: 'secret' } },
        { path: 'c.parties[id=p]', control: party, candidate: '(missing)' },
        { path: 'c.terms.clause', control: 'secret-a', candidate: 'secret-b' },
        { path: '.', control: 'error: failed', candidate: { c: { terms: 'secret' } } },
      ],
      patterns,
      's',
    );
    expect(diffs).toEqual([
      redacted('c', null, { terms: 'secret' }),
      redacted('c.parties[id=p]', party, '(missing)'),
      redacted('c.terms.clause', 'secret-a', 'secret-b'),
      redacted('.', 'error: failed', { c: { terms: 'secret' } }),
    ]);
  });

  it('keeps the values of a diff beside a redacted path', () => {
    const diffs = [
      { path: 'c.title', control: 'a', candidate: 'b' },
      { path: 'c.parties[id=p].role', control: 'OWNER', candidate: 'SIGNER' },
      { path: 'd', control: null, candidate: { terms: 'not this unit' } },
    ];
    expect(redactDiffs(diffs, patterns, 's')).toEqual(diffs);
  });

  it("hashes the diffs' ids when they are user ids, as the user id is hashed", () => {
    const diffs = [{ path: 'people[*].username', id: 'u-1', control: 'alice', candidate: 'alice!' }];
    expect(redactDiffs(diffs, [], 's', { hashIds: true })).toEqual([
      { ...diffs[0], id: keyedHash('u-1', 's') },
    ]);
    expect(redactDiffs(diffs, [], 's')).toEqual(diffs);
  });
});
