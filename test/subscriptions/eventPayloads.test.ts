import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/backends/viewer.ts';
import type { CommitmentChange } from '../../src/core/changeEvents.ts';
import { sameResultKey, versionOf } from '../../src/subscriptions/eventPayloads.ts';
import type { SubscriptionRequest } from '../../src/subscriptions/subscriptionTypes.ts';

const change: CommitmentChange = {
  id: 'target:c1:3',
  source: 'target',
  commitmentId: 'c1',
  activities: [],
  actorId: null,
  at: '2026-11-29T00:00:00.000Z',
};

function user(
  id: string,
  cohort: string | null = null,
  token = `token-of-${id}`,
  claims: Record<string, unknown> = { sub: id, exp: 1 },
): Viewer {
  return { kind: 'user', id, email: `${id}@example.com`, cohort, claims, token };
}

function request(
  viewer: Viewer,
  query = 'subscription { a }',
  variables: unknown = { id: 'c1' },
): SubscriptionRequest {
  return {
    socket: {},
    viewer,
    field: 'commitmentChanged',
    args: {},
    facts: { viewer, operationName: null, clientName: null, clientVersion: null, query, variables },
    execute: async () => ({}),
    cutOff: () => {},
  };
}

describe('sameResultKey', () => {
  const reads = { legacy: undefined, target: undefined };
  it('is the same for one user on two sockets with one operation', () => {
    expect(sameResultKey(request(user('alice')), change, 'c1', reads)).toBe(
      sameResultKey(
        request(user('alice', null, 'another token', { exp: 2, sub: 'alice', iat: 1 })),
        change,
        'c1',
        reads,
      ),
    );
  });

  it('differs by user, cohort, operation, variables, event and shared sides', () => {
    const base = sameResultKey(request(user('alice')), change, 'c1', reads);
    const others = [
      sameResultKey(request(user('bob')), change, 'c1', reads),
      sameResultKey(request(user('alice', 'beta')), change, 'c1', reads),
      sameResultKey(request(user('alice'), 'subscription { b }'), change, 'c1', reads),
      sameResultKey(request(user('alice'), undefined, { id: 'c2' }), change, 'c1', reads),
      sameResultKey(request(user('alice')), { ...change, id: 'target:c1:4' }, 'c1', reads),
      sameResultKey(request(user('alice')), change, 'c1:CREATED:', reads),
      sameResultKey(request(user('alice')), change, 'c1', { legacy: {} as never }),
      sameResultKey(request(user('alice', null, 'mfa', { sub: 'alice', aal: 'aal2' })), change, 'c1', reads),
    ];
    for (const other of others) expect(other).not.toBe(base);
    expect(new Set(others).size).toBe(others.length);
  });
});

describe('versionOf', () => {
  it("reads a ledger change's version and gives legacy's none", () => {
    expect(versionOf(change)).toBe(3);
    expect(versionOf({ ...change, id: 'legacy:123:c1', source: 'legacy' })).toBeNull();
  });
});
