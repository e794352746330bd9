import { describe, expect, it } from 'vitest';
import type { Stage } from '../../src/core/stage.ts';
import { eventually } from '../support/eventually.ts';
import {
  COMMITMENT,
  change,
  type FakeState,
  hubOver,
  open,
  request,
  USER,
  userViewer,
} from './hubFixture.ts';

describe('the subscription hub', () => {
  it('refuses a subscription asked for while it completes the others for shutdown', async () => {
    const { hub } = hubOver({ members: [USER], documents: [] }, { now: 'legacy' });
    const first = await open(hub);
    const completing = hub.completeAll(5_000);
    const late = await hub.open(request());
    expect('errors' in late && late.errors?.[0]?.message).toMatch(/shutting down/);
    await completing;
    await first.reading;
    expect(hub.active).toBe(0);
  });

  it("refuses legacy's events when legacy is reached through PostgREST, and serves the ledger's", async () => {
    const stage = { now: 'legacy' as Stage };
    const { hub } = hubOver({ members: [USER], documents: [] }, stage, false);
    const refused = await hub.open(request());
    expect('errors' in refused && refused.errors?.[0]?.message).toMatch(/SUPABASE_DB_URL/);
    stage.now = 'complete';
    const served = await hub.open(request());
    expect('next' in served).toBe(true);
    await hub.completeAll(1_000);
  });

  it('keeps the side a subscription opened with: a cohort moved mid-stream is not told the change twice', async () => {
    const stage = { now: 'shadow' as Stage };
    const { hub, publish } = hubOver({ members: [USER], documents: [] }, stage);
    const subscription = await open(hub);
    publish(change(`legacy:100:${COMMITMENT}`, 'legacy'));
    await eventually(
      async () => subscription.received.length,
      (count) => count === 1,
      5_000,
    );
    stage.now = 'live';
    // The ledger's copy of the same change, then a change of legacy's that still reaches it.
    publish(change(`target:${COMMITMENT}:7`, 'target'));
    publish(change(`legacy:101:${COMMITMENT}`, 'legacy'));
    await eventually(
      async () => subscription.received.length,
      (count) => count === 2,
      5_000,
    );
    await subscription.stream.return(undefined);
    expect(subscription.received).toHaveLength(2);
  });

  it('drops a queued event when a later batch shows the subscriber was removed', async () => {
    const state: FakeState = { members: [USER], documents: ['before.pdf'] };
    const { hub, publish } = hubOver(state, { now: 'legacy' });
    const stream = await hub.open(request());
    if (!('next' in stream)) throw new Error('refused');
    const first = stream.next(); // the client is busy with its first event
    publish(change(`legacy:1:${COMMITMENT}`, 'legacy'));
    publish(change(`legacy:2:${COMMITMENT}`, 'legacy'));
    expect((await first).value?.data).toEqual({ documents: ['before.pdf'], root: true });
    state.members = [];
    state.documents.push('after-removal.pdf');
    publish(change(`legacy:3:${COMMITMENT}`, 'legacy'));
    await eventually(
      async () => state.partyReads,
      (reads) => reads === 2,
      5_000,
    );
    // The queued second event is dropped: the next one told is a later change, once
    // the subscriber is seated again.
    const next = stream.next();
    state.members = [USER];
    state.documents = ['seated-again.pdf'];
    publish(change(`legacy:4:${COMMITMENT}`, 'legacy'));
    expect((await next).value?.data).toEqual({ documents: ['seated-again.pdf'], root: true });
    await stream.return(undefined);
  });

  it('tells a change told again to a subscription opened since, once, and not again to the others', async () => {
    const { hub, publish } = hubOver({ members: [USER], documents: [] }, { now: 'legacy' });
    const early = await open(hub);
    publish(change(`legacy:5:${COMMITMENT}`, 'legacy'));
    await eventually(
      async () => early.received.length,
      (count) => count === 1,
      5_000,
    );
    const late = await open(hub);
    publish(change(`legacy:5:${COMMITMENT}`, 'legacy'));
    await eventually(
      async () => late.received.length,
      (count) => count === 1,
      5_000,
    );
    publish(change(`legacy:6:${COMMITMENT}`, 'legacy'));
    await eventually(
      async () => late.received.length,
      (count) => count === 2,
      5_000,
    );
    expect(early.received).toHaveLength(2);
    await hub.completeAll(1_000);
  });

  it('refuses one subscription more than a socket may have, alone: the socket and its others go on', async () => {
    const { hub, publish } = hubOver({ members: [USER], documents: [] }, { now: 'legacy' }, true, {
      socketLimit: 3,
    });
    const socket = {};
    const opened: Array<Awaited<ReturnType<typeof open>>> = [];
    for (let n = 0; n < 3; n += 1)
      opened.push(await open(hub, request('commitmentChanged', userViewer(), socket)));
    const refused = await hub.open(request('commitmentChanged', userViewer(), socket));
    expect('errors' in refused && refused.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect('errors' in refused && refused.errors?.[0]?.message).toMatch(/3 subscriptions open/);
    // Another socket is not limited by this one's.
    const elsewhere = await open(hub, request('commitmentChanged', userViewer(), {}));
    publish(change(`legacy:9:${COMMITMENT}`, 'legacy'));
    await eventually(
      async () => [...opened, elsewhere].map((subscription) => subscription.received.length),
      (counts) => counts.every((count) => count === 1),
      5_000,
    );
    // Once one of them completes, the socket may open another.
    await opened[0]?.stream.return(undefined);
    expect('next' in (await hub.open(request('commitmentChanged', userViewer(), socket)))).toBe(true);
    await hub.completeAll(1_000);
  });
});
