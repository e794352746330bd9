import type { ExecutionResult } from 'graphql';
import pino from 'pino';
import type { EventReads } from '../../src/backends/connectLoaders.ts';
import type { ConnectStore } from '../../src/backends/connectStore.ts';
import type { Viewer } from '../../src/backends/viewer.ts';
import type { Activity, ChangeListener, CommitmentChange } from '../../src/core/changeEvents.ts';
import type { Stage } from '../../src/core/stage.ts';
import { createGatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { createSubscriptionHub } from '../../src/subscriptions/subscriptionHub.ts';
import type {
  SubscriptionHubOptions,
  SubscriptionRequest,
} from '../../src/subscriptions/subscriptionTypes.ts';

export const COMMITMENT = 'c0000000-0000-4000-8000-000000000015';
export const USER = 'a0000000-0000-4000-8000-000000000001';
const CREATOR = 'a0000000-0000-4000-8000-000000000002';

/** What the fake side holds now: who is seated, which documents are attached. */
export interface FakeState {
  members: string[];
  documents: string[];
  /** How many times the parties were read: once per side and batch. */
  partyReads?: number;
}

function unsupported(): never {
  throw new Error('the hub never writes: not in this fake');
}

/** A fake ConnectStore answering the reads the hub makes from `state`, as service_role sees it. */
export function fakeStore(state: FakeState): ConnectStore {
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

/** A hub over a fake bus and fake stores on both sides; `publish` tells it changes in one tick. */
export function hubOver(
  state: FakeState,
  stage: { now: Stage },
  legacyAsService = true,
  options: Partial<Pick<SubscriptionHubOptions, 'queueLimit' | 'socketLimit' | 'shadow'>> = {},
) {
  const listeners = new Set<ChangeListener>();
  const metrics = createGatewayMetrics();
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
    ...options,
    metrics,
    logger: pino({ level: 'silent' }),
  });
  const publish = (...changes: CommitmentChange[]) => {
    for (const listener of listeners) listener(changes);
  };
  return { hub, publish, metrics };
}

/** A signed-in user. */
export function userViewer(id = USER): Viewer {
  return { kind: 'user', id, email: null, cohort: null, claims: {}, token: 'token' };
}

/**
 * A subscription to `field` (of COMMITMENT, for `commitmentChanged`) on a socket of its own
 * unless given one. Its payload lists the documents the event's legacy reads give (shared
 * ones, or none as the subscriber) and, for an activity, its kind.
 */
export function request(
  field: 'commitmentChanged' | 'myCommitmentActivity' = 'commitmentChanged',
  viewer: Viewer = userViewer(),
  socket: object = {},
): SubscriptionRequest {
  return {
    socket,
    viewer,
    field,
    args: field === 'commitmentChanged' ? { id: COMMITMENT } : {},
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
      const activity = root.myCommitmentActivity as { kind: string } | undefined;
      return {
        data: {
          documents: documents.map((document) => document.name),
          root: root.commitmentChanged !== undefined,
          ...(activity === undefined ? {} : { kind: activity.kind }),
        },
      };
    },
    cutOff: () => {},
  };
}

/** One change to `commitmentId` (COMMITMENT unless given), told by `source`. */
export function change(
  id: string,
  source: CommitmentChange['source'],
  activities: Activity[] = [],
  commitmentId = COMMITMENT,
): CommitmentChange {
  return { id, source, commitmentId, activities, actorId: null, at: new Date().toISOString() };
}

/** Opens a subscription and reads every event it is sent into `received`. */
export async function open(hub: ReturnType<typeof hubOver>['hub'], asked: SubscriptionRequest = request()) {
  const stream = await hub.open(asked);
  if (!('next' in stream)) throw new Error(`refused: ${JSON.stringify(stream.errors)}`);
  const received: ExecutionResult[] = [];
  const reading = (async () => {
    for await (const result of stream) received.push(result);
  })();
  return { stream, received, reading };
}
