import { describe, expect, it } from 'vitest';
import type { Stage } from '../../src/core/stage.ts';
import { eventually } from '../support/eventually.ts';
import { COMMITMENT, change, hubOver, open, request, USER, userViewer } from './hubFixture.ts';

const OTHER_USER = 'a0000000-0000-4000-8000-000000000009';

function commitmentNumber(n: number) {
  return `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

// The next tick: changes published in separate ticks are delivered in separate batches.
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the subscription hub, telling each change once', () => {
  it('tells a bulk change told again (the appliers after the fast path) to its earlier subscribers once', async () => {
    const { hub, publish } = hubOver({ members: [USER], documents: [] }, { now: 'legacy' }, true, {
      queueLimit: 5_000,
    });
    const activity = await open(hub, request('myCommitmentActivity'));
    // One legacy transaction changed 600 commitments the subscriber is a party to: the fast path tells them all.
    const bulk = Array.from({ length: 600 }, (_, n) =>
      change(
        `legacy:77:${commitmentNumber(n + 1)}`,
        'legacy',
        [{ kind: 'STATUS_CHANGED' }],
        commitmentNumber(n + 1),
      ),
    );
    publish(...bulk);
    await eventually(
      async () => activity.received.length,
      (count) => count === 600,
      10_000,
    );
    // Someone else subscribes (to a commitment they cannot see, and are told nothing of); then
    // the appliers tell the same changes again, a claim of 100 at a time.
    await open(hub, request('commitmentChanged', userViewer(OTHER_USER)));
    for (let claim = 0; claim < 600; claim += 100) {
      publish(...bulk.slice(claim, claim + 100));
      await nextTick();
    }
    // A later change: once it is received, everything told before it was offered.
    publish(change(`legacy:78:${COMMITMENT}`, 'legacy', [{ kind: 'DOCUMENT_ATTACHED' }]));
    await eventually(
      async () => activity.received.at(-1)?.data?.kind,
      (kind) => kind === 'DOCUMENT_ATTACHED',
      10_000,
    );
    expect(activity.received).toHaveLength(601);
    await hub.completeAll(1_000);
  });

  it("tells an older ledger version's activity that arrives after a newer one, and a version told twice once", async () => {
    const stage = { now: 'complete' as Stage };
    const { hub, publish } = hubOver({ members: [USER], documents: [] }, stage);
    const activity = await open(hub, request('myCommitmentActivity'));
    const changed = await open(hub, request('commitmentChanged'));
    // Another gateway's v5 arrives (over Redis) after this gateway's own v6.
    publish(change(`target:${COMMITMENT}:6`, 'target', [{ kind: 'STATUS_CHANGED' }]));
    await eventually(
      async () => activity.received.length,
      (count) => count === 1,
      5_000,
    );
    publish(change(`target:${COMMITMENT}:5`, 'target', [{ kind: 'PARTY_ADDED', profileId: USER }]));
    await nextTick();
    publish(change(`target:${COMMITMENT}:6`, 'target', [{ kind: 'STATUS_CHANGED' }]));
    await nextTick();
    publish(change(`target:${COMMITMENT}:7`, 'target', [{ kind: 'DOCUMENT_ATTACHED' }]));
    await eventually(
      async () => activity.received.at(-1)?.data?.kind,
      (kind) => kind === 'DOCUMENT_ATTACHED',
      5_000,
    );
    expect(activity.received.map((event) => event.data?.kind)).toEqual([
      'STATUS_CHANGED',
      'PARTY_ADDED',
      'DOCUMENT_ATTACHED',
    ]);
    // commitmentChanged re-reads the commitment: a stale version adds nothing, and is not told.
    await eventually(
      async () => changed.received.length,
      (count) => count === 2,
      5_000,
    );
    await hub.completeAll(1_000);
    expect(changed.received).toHaveLength(2);
  });
});
