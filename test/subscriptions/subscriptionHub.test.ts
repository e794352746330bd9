import type { ExecutionResult } from 'graphql';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { EventReads } from '../../src/backends/connectLoaders.ts';
import type { ConnectStore } from '../../src/backends/connectStore.ts';
import type { Viewer } from '../../src/backends/viewer.ts';
import type { ChangeListener, CommitmentChange } from '../../src/core/changeEvents.ts';
import type { Stage } from '../../src/core/stage.ts';
import { createGatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { createSubscriptionHub } from '../../src/subscriptions/subscriptionHub.ts';
import type { SubscriptionRequest } from '../../src/subscriptions/subscriptionTypes.ts';
import { eventually } from '../support/eventually.ts';

const COMMITMENT = 'c0000000-0000-4000-8000-000000000015';
const USER = 'a0000000-0000-4000-8000-000000000001';
const CREATOR = 'a0000000-0000-4000-8000-000000000002';

/** What the fake side holds now: who is seated, which documents are attached. */
interface FakeState {
  members: string[];
  documents: string[];
  /** How many times the parties were read: once per side and batch. */
  partyReads?: number;
}

function unsupported(): never {
  throw new Error('the hub never writes: not in this fake');
}

// A fake ConnectStore answering the reads the hub makes from `state`, as service_role sees it.
function fakeStore(state: FakeState): ConnectStore {
  return {
    name: 'fake',
    async commitmentsByIds(_viewer, ids) {
      return ids.map((id) => ({
        id,
        title: 'a commitment',
        description: '',
        typeId: 'type',
        status: 'ACTIVE' as const,
        terms: '',
        version: 1,
        createdBy: CREATOR,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      }));
    },
    async partiesByCommitmentIds(_viewer, ids) {
      state.partyReads = (state.partyReads ?? 0) + 1;
      return ids.flatMap((id) =>
        state.members.map((profileId, index) => ({
          id: `party-${index}`,
          commitmentId: id,
          profileId,
          role: 'PARTICIPANT' as const,
          joinedAt: '2026-01-01T00:00:00.000Z',
        })),
      );
    },
    async documentsByCommitmentIds(_viewer, ids) {
      return ids.flatMap((id) =>
        state.documents.map((name, index) => ({
          id: `document-${index}`,
          commitmentId: id,
          name,
          url: 'https://example.com/d',
          version: 1,
          uploadedBy: null,
          uploadedAt: '2026-01-01T00:00:00.000Z',
        })),
      );
    },
    profilesByIds: async () => [],
    commitmentTypesByIds: async () => [],
    listCommitmentTypes: async () => [],
    listCommitments: async () => [],
    createCommitment: unsupported,
    updateCommitmentStatus: unsupported,
    addParty: unsupported,
    attachDocument: unsupported,
    ping: async () => {},
    close: async () => {},
  };
}

function hubOver(state: FakeState, stage: { now: Stage }, legacyAsService = true) {
  const listeners = new Set<ChangeListener>();
  const hub = createSubscriptionHub({
    bus: {
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    stores: { legacy: fakeStore(state), target: fakeStore(state), legacyAsService },
    stageOf: () => stage.now,
    queueLimit: 100,
    metrics: createGatewayMetrics(),
    logger: pino({ level: 'silent' }),
  });
  const publish = (...changes: CommitmentChange[]) => {
    for (const listener of listeners) listener(changes);
  };
  return { hub, publish };
}

const viewer: Viewer = { kind: 'user', id: USER, email: null, cohort: null, claims: {}, token: 'token' };

// The payload lists the documents the event's legacy reads give: shared ones, or none as the subscriber.
function request(): SubscriptionRequest {
  return {
    socket: {},
    viewer,
    field: 'commitmentChanged',
    args: { id: COMMITMENT },
    facts: {
      viewer,
      operationName: null,
      clientName: null,
      clientVersion: null,
      query: 'q',
      variables: null,
    },
    async execute(root: Record<string, unknown>, reads: EventReads): Promise<ExecutionResult> {
      const documents = (await reads.legacy?.documents.load(COMMITMENT)) ?? [];
      return {
        data: {
          documents: documents.map((document) => document.name),
          root: root.commitmentChanged !== undefined,
        },
      };
    },
    cutOff: () => {},
  };
}

function change(id: string, source: CommitmentChange['source']): CommitmentChange {
  return {
    id,
    source,
    commitmentId: COMMITMENT,
    activities: [],
    actorId: null,
    at: new Date().toISOString(),
  };
}

async function open(hub: ReturnType<typeof hubOver>['hub']) {
  const stream = await hub.open(request());
  if (!('next' in stream)) throw new Error(`refused: ${JSON.stringify(stream.errors)}`);
  const received: ExecutionResult[] = [];
  const reading = (async () => {
    for await (const result of stream) received.push(result);
  })();
  return { stream, received, reading };
}

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
});
