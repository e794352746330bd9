import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/backends/viewer.ts';
import { createVerificationCache, processVerificationCache } from '../../src/server/verificationCache.ts';

const T = 1_000_000;

function viewerOf(id: string): Viewer {
  return {
    kind: 'user',
    id,
    email: null,
    cohort: null,
    claims: { sub: id, app_metadata: { roles: ['reader'] } },
    token: `token-${id}`,
  };
}

const always = { now: T, validFrom: -Infinity, validUntil: Infinity };

describe('createVerificationCache', () => {
  it('answers inside an entry’s window only, and drops an entry read outside it', () => {
    const cache = createVerificationCache({ maxEntries: 10, maxAgeMs: 60_000 });
    const scope = cache.scope();
    const viewer = viewerOf('a');
    scope.set('t', viewer, { now: T, validFrom: T + 1000, validUntil: T + 5000 });
    expect(scope.get('t', T + 999)).toBeUndefined();
    expect(cache.size).toBe(0);
    scope.set('t', viewer, { now: T, validFrom: T + 1000, validUntil: T + 5000 });
    expect(scope.get('t', T + 1000)).toBe(viewer);
    expect(scope.get('t', T + 4999)).toBe(viewer);
    expect(scope.get('t', T + 5000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('cuts an entry at maxAgeMs after it was stored', () => {
    const cache = createVerificationCache({ maxEntries: 10, maxAgeMs: 60_000 });
    const scope = cache.scope();
    scope.set('t', viewerOf('a'), always);
    expect(scope.get('t', T + 59_999)).toBeDefined();
    expect(scope.get('t', T + 60_000)).toBeUndefined();
  });

  it('keeps the scopes apart', () => {
    const cache = createVerificationCache({ maxEntries: 10, maxAgeMs: 60_000 });
    const first = cache.scope();
    const second = cache.scope();
    first.set('t', viewerOf('a'), always);
    expect(second.get('t', T)).toBeUndefined();
    second.set('t', viewerOf('b'), always);
    expect(first.get('t', T)).toMatchObject({ id: 'a' });
    expect(second.get('t', T)).toMatchObject({ id: 'b' });
    expect(cache.size).toBe(2);
  });

  it('evicts the oldest stored entry across scopes when full, and counts a stored-again token once', () => {
    const cache = createVerificationCache({ maxEntries: 3, maxAgeMs: 60_000 });
    const first = cache.scope();
    const second = cache.scope();
    first.set('t1', viewerOf('1'), always);
    second.set('t2', viewerOf('2'), always);
    first.set('t3', viewerOf('3'), always);
    first.set('t1', viewerOf('1'), always);
    expect(cache.size).toBe(3);
    second.set('t4', viewerOf('4'), always);
    expect(cache.size).toBe(3);
    expect(second.get('t2', T)).toBeUndefined();
    expect(first.get('t1', T)).toBeDefined();
    expect(first.get('t3', T)).toBeDefined();
    expect(second.get('t4', T)).toBeDefined();
    for (let i = 0; i < 1000; i++) first.set(`many-${i}`, viewerOf(String(i)), always);
    expect(cache.size).toBe(3);
  });

  it('freezes what it stores, nested claims included', () => {
    const scope = createVerificationCache({ maxEntries: 10, maxAgeMs: 60_000 }).scope();
    scope.set('t', viewerOf('a'), always);
    const viewer = scope.get('t', T);
    if (viewer?.kind !== 'user') throw new Error('expected the stored user');
    expect(Object.isFrozen(viewer)).toBe(true);
    expect(Object.isFrozen(viewer.claims)).toBe(true);
    const appMetadata = viewer.claims.app_metadata as { roles: string[] };
    expect(Object.isFrozen(appMetadata)).toBe(true);
    expect(() => appMetadata.roles.push('admin')).toThrow(TypeError);
  });

  it('refuses settings that would make it unbounded or useless, naming them', () => {
    expect(() => createVerificationCache({ maxEntries: 0, maxAgeMs: 60_000 })).toThrow(/maxEntries/);
    expect(() => createVerificationCache({ maxEntries: 1.5, maxAgeMs: 60_000 })).toThrow(/maxEntries/);
    expect(() => createVerificationCache({ maxEntries: 10, maxAgeMs: 0 })).toThrow(/maxAgeMs/);
    expect(() => createVerificationCache({ maxEntries: 10, maxAgeMs: Number.NaN })).toThrow(/maxAgeMs/);
  });
});

describe('processVerificationCache', () => {
  it('is bounded', () => {
    const scope = processVerificationCache.scope();
    for (let i = 0; i < 10_050; i++) scope.set(`bound-${i}`, viewerOf(String(i)), always);
    expect(processVerificationCache.size).toBe(10_000);
  });
});
