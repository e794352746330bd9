import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/backends/viewer.ts';
import { type CatalogueEntry, DEFAULT_SHADOW } from '../../src/core/catalogue.ts';
import type { CommitmentChange } from '../../src/core/changeEvents.ts';
import type { Observation } from '../../src/core/observation.ts';
import { createGatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import type { ObservationWriter } from '../../src/shadow/observationWriter.ts';
import { createSubscriptionShadow } from '../../src/subscriptions/compareEventStreams.ts';
import { eventually } from '../support/eventually.ts';

const UNIT = 'Subscription.commitmentChanged';
const viewer: Viewer = { kind: 'user', id: 'alice', email: null, cohort: null, claims: {}, token: 't' };

function setup(lagWindowMs: number) {
  const stored: Observation[] = [];
  const writer: ObservationWriter = {
    reserve: () => true,
    release: () => {},
    pressure: 0,
    record: (observation) => void stored.push(observation),
    flush: async () => {},
    close: async () => {},
    queued: 0,
  };
  const entry: CatalogueEntry = {
    unit: UNIT,
    flag: `figway.${UNIT}`,
    owner: 'commitments',
    description: 'events about one commitment',
    fallback: 'none',
    shadow: { ...DEFAULT_SHADOW, lagWindowMs },
  };
  const shadow = createSubscriptionShadow({
    catalogue: new Map([[UNIT, entry]]),
    writer,
    metrics: createGatewayMetrics(),
    salt: 'salt',
    random: () => 0,
  });
  // Each call is one more subscription, observed into the same `stored`.
  const subscribe = () => {
    const comparison = shadow.forSubscription(UNIT, {
      viewer,
      operationName: null,
      clientName: null,
      clientVersion: null,
      query: 'subscription { commitmentChanged(id: "c1") { title } }',
      variables: null,
    });
    if (comparison === null) throw new Error('not sampled');
    return comparison;
  };
  return { comparison: subscribe(), stored, subscribe };
}

function event(source: CommitmentChange['source'], title: string) {
  const change: CommitmentChange = {
    id: `${source}:1`,
    source,
    commitmentId: 'c1',
    activities: [],
    actorId: null,
    at: new Date().toISOString(),
  };
  return { key: 'c1', change, result: { data: { commitmentChanged: { title } } } };
}

describe("comparing a shadowed subscription's two event streams", () => {
  it('records a pair as matched, or as mismatched at the path that differs', () => {
    const { comparison, stored } = setup(60_000);
    comparison.control('shadow', event('legacy', 'same'));
    comparison.candidate('shadow', event('target', 'same'));
    comparison.control('shadow', event('legacy', 'legacy title'));
    comparison.candidate('shadow', event('target', 'ledger title'));
    expect(stored.map((observation) => observation.outcome)).toEqual(['matched', 'mismatched']);
    expect(stored[1]?.diffs.map((diff) => diff.path)).toEqual(['commitmentChanged.title']);
    comparison.close();
  });

  it('compares the root field under the alias the client gave it', () => {
    const { comparison, stored } = setup(60_000);
    const aliased = (source: CommitmentChange['source'], title: string) => {
      const told = event(source, title);
      return { ...told, result: { data: { c: told.result.data.commitmentChanged } } };
    };
    comparison.control('shadow', aliased('legacy', 'legacy title'));
    comparison.candidate('shadow', aliased('target', 'ledger title'));
    expect(stored.map((observation) => observation.outcome)).toEqual(['mismatched']);
    expect(stored[0]?.diffs.map((diff) => diff.path)).toEqual(['c.title']);
    comparison.close();
  });

  it('records an event the candidate never told, once its lag window has passed', async () => {
    const { comparison, stored } = setup(50);
    comparison.control('shadow', event('legacy', 'alone'));
    await eventually(
      async () => stored.length,
      (count) => count === 1,
      5_000,
    );
    expect(stored[0]).toMatchObject({ outcome: 'mismatched', controlError: null });
    expect(stored[0]?.diffs[0]?.candidate).toMatch(/no event within 50 ms/);
  });

  it('judges nothing for an event that was withdrawn (never sent): its candidate pairs with it silently', async () => {
    const { comparison, stored } = setup(50);
    comparison.withdraw('shadow', event('legacy', 'withdrawn'));
    comparison.candidate('shadow', event('target', 'withdrawn'));
    comparison.withdraw('shadow', { ...event('legacy', 'withdrawn, alone'), key: 'c2' });
    // Registered after it with the same window: once this one expires, the withdrawn one has too.
    comparison.control('shadow', { ...event('legacy', 'alone'), key: 'c3' });
    await eventually(
      async () => stored.length,
      (count) => count >= 1,
      5_000,
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]?.diffs[0]?.control).toBe('an event for c3');
    comparison.close();
  });

  it('judges nothing that arrives after the subscription ended (an execution finishing late)', async () => {
    const { comparison, stored, subscribe } = setup(50);
    comparison.close();
    comparison.candidate('shadow', event('target', 'executed after the end'));
    comparison.control('shadow', { ...event('legacy', 'taken after the end'), key: 'c2' });
    // Another subscription's event, registered after them with the same window: once it
    // expires, theirs would have too.
    const open = subscribe();
    open.control('shadow', { ...event('legacy', 'alone'), key: 'c3' });
    await eventually(
      async () => stored.length,
      (count) => count >= 1,
      5_000,
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]?.diffs[0]?.control).toBe('an event for c3');
    open.close();
  });
});
