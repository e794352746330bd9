import type { ExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import type { EventReads } from '../backends/connectLoaders.ts';
import { isUuid } from '../backends/connectStore.ts';
import type { Viewer } from '../backends/viewer.ts';
import type { ChangeListener, CommitmentChange } from '../core/changeEvents.ts';
import type { Logger } from '../core/logger.ts';
import { readSide, type Side, type Stage, shadowSide } from '../core/stage.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import {
  createEventReads,
  type EventFacts,
  type EventStores,
  factsKey,
  mayView,
  readEventFacts,
} from './eventFacts.ts';
import { RecentIds } from './recentIds.ts';
import { type PendingEvent, SubscriptionStream } from './subscriptionStream.ts';
import type { SubscriptionComparison, SubscriptionRequest, SubscriptionShadow } from './subscriptionTypes.ts';

/** The root subscription fields the hub serves. */
const FIELDS = ['commitmentChanged', 'myCommitmentActivity'] as const;
type Field = (typeof FIELDS)[number];

/** Options of {@link createSubscriptionHub}. */
export interface SubscriptionHubOptions {
  /** Where changes are heard: the change bus. */
  bus: { subscribe(listener: ChangeListener): () => void };
  stores: EventStores;
  /** The unit's stage for the viewer now: read per event, so a cohort moved mid-stream moves its subscribers. */
  stageOf(viewer: Viewer, unit: string): Stage;
  /** Events queued per socket before the subscriber is cut off as too slow. */
  queueLimit: number;
  /** Compares the two sides' event streams of subscriptions in shadow and live stages. */
  shadow?: SubscriptionShadow;
  metrics: Pick<
    GatewayMetrics,
    | 'subscriptionsActive'
    | 'subscriptionDeliveries'
    | 'subscriptionLatency'
    | 'subscriptionEventsLost'
    | 'subscriptionSocketsClosed'
  >;
  logger: Logger;
}

/** Serves the subscriptions of one gateway instance from the change feed. */
export interface SubscriptionHub {
  /** Opens a subscription: its event stream, or the errors that refused it. */
  open(request: SubscriptionRequest): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult>;
  /**
   * Completes every subscription (graphql-ws sends `complete`) once its queued events
   * are sent, waiting at most `timeoutMs` before dropping what a stuck socket holds.
   */
  completeAll(timeoutMs?: number): Promise<void>;
  /** Subscriptions open now. */
  readonly active: number;
  /** Stops hearing the bus. */
  close(): void;
}

interface Subscription {
  unit: string;
  field: Field;
  commitmentId: string | null;
  request: SubscriptionRequest;
  stream: SubscriptionStream;
  seen: RecentIds;
  /** undefined until the first shadowed event decides whether it is sampled. */
  comparison: SubscriptionComparison | null | undefined;
}

interface Socket {
  subscriptions: Set<Subscription>;
  cut: boolean;
}

function refusal(code: ErrorCode, message: string): ExecutionResult {
  return { errors: [new GraphQLError(message, { originalError: new FigwayError(code, message) })] };
}

function addTo<K, V>(index: Map<K, Set<V>>, key: K, value: V) {
  const set = index.get(key) ?? new Set<V>();
  set.add(value);
  index.set(key, set);
}

function removeFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V) {
  const set = index.get(key);
  set?.delete(value);
  if (set?.size === 0) index.delete(key);
}

/** The payloads one change makes for a subscription, each with the key its comparison pairs it by. */
function payloadsOf(subscription: Subscription, change: CommitmentChange, facts: EventFacts) {
  const { commitment } = facts;
  if (subscription.field === 'commitmentChanged')
    return [{ key: change.commitmentId, root: { commitmentChanged: commitment } }];
  return change.activities.map((activity) => ({
    key: `${change.commitmentId}:${activity.kind}:${activity.profileId ?? ''}`,
    root: {
      myCommitmentActivity: { kind: activity.kind, commitment, actorId: change.actorId, at: change.at },
    },
  }));
}

/**
 * The subscription hub of one instance: hears every change on the bus, reads each
 * changed commitment once per side and batch (service_role, shared by all
 * subscribers), and offers it to the subscriptions that asked for it. For each, the
 * unit's stage now picks the side whose events it gets; the subscriber's right to see
 * the commitment now is checked on that side; a change told twice is sent once. Each
 * socket's queue is bounded: a subscriber that falls further behind is cut off.
 */
export function createSubscriptionHub(options: SubscriptionHubOptions): SubscriptionHub {
  const { metrics, logger } = options;
  const byCommitment = new Map<string, Set<Subscription>>();
  const byMember = new Map<string, Set<Subscription>>();
  // Weak: a socket that was cut off stays marked for as long as it lives, and no longer.
  const sockets = new WeakMap<object, Socket>();
  const all = new Set<Subscription>();
  let batch: CommitmentChange[] = [];
  let delivering: Promise<void> = Promise.resolve();
  const ended = new Set<() => void>();

  const unsubscribe = options.bus.subscribe((changes) => {
    if (all.size === 0) return;
    const startBatch = batch.length === 0;
    batch.push(...changes);
    // Changes heard in one tick are read together; batches are delivered in order.
    if (startBatch) setImmediate(() => (delivering = delivering.then(deliverBatch)));
  });

  async function deliverBatch() {
    const changes = batch;
    batch = [];
    if (changes.length === 0 || all.size === 0) return;
    const reads = createEventReads(options.stores);
    let facts: Map<string, EventFacts>;
    try {
      facts = await readEventFacts(reads, changes);
    } catch (error) {
      // The changed commitments cannot be read: their events cannot be checked, so none is sent.
      metrics.subscriptionEventsLost.inc({ reason: 'unreadable' }, changes.length);
      logger.warn(
        { err: error, changes: changes.length },
        'subscription events dropped: reading them failed',
      );
      return;
    }
    const stages = new Map<Viewer, Map<string, Stage>>();
    const stageOf = (viewer: Viewer, unit: string) => {
      const known = stages.get(viewer) ?? new Map<string, Stage>();
      stages.set(viewer, known);
      const stage = known.get(unit) ?? options.stageOf(viewer, unit);
      known.set(unit, stage);
      return stage;
    };
    for (const change of changes) {
      const found = facts.get(factsKey(change.source, change.commitmentId));
      if (found === undefined) continue;
      const interested = new Set(byCommitment.get(change.commitmentId));
      for (const member of found.members) for (const s of byMember.get(member) ?? []) interested.add(s);
      for (const subscription of interested) {
        offer(subscription, change, found, reads, stageOf(subscription.request.viewer, subscription.unit));
      }
    }
  }

  function offer(
    subscription: Subscription,
    change: CommitmentChange,
    facts: EventFacts,
    reads: EventReads,
    stage: Stage,
  ) {
    const role =
      change.source === readSide(stage)
        ? 'control'
        : change.source === shadowSide(stage)
          ? 'candidate'
          : null;
    if (role === null || !mayView(subscription.request.viewer, facts)) return;
    if (!subscription.seen.add(change.id)) return;
    const payloads = payloadsOf(subscription, change, facts);
    if (role === 'candidate') {
      // The candidate's events are only run for a sampled comparison; nobody receives them.
      const comparison = comparisonOf(subscription);
      if (comparison === null) return;
      for (const { key, root } of payloads) {
        void run(subscription, root, reads).then((result) =>
          comparison.candidate(stage, { key, change, result }),
        );
      }
      return;
    }
    for (const { key, root } of payloads) {
      const event: PendingEvent = {
        run: async () => {
          const result = await run(subscription, root, reads);
          if (shadowSide(stage) !== null) comparisonOf(subscription)?.control(stage, { key, change, result });
          return result;
        },
        sent: () => sent(subscription, change.source, change.at),
      };
      subscription.stream.push(event);
    }
    limitQueue(subscription.request.socket);
  }

  function comparisonOf(subscription: Subscription): SubscriptionComparison | null {
    if (subscription.comparison === undefined) {
      subscription.comparison =
        options.shadow?.forSubscription(subscription.unit, subscription.request.facts) ?? null;
    }
    return subscription.comparison;
  }

  async function run(subscription: Subscription, root: Record<string, unknown>, reads: EventReads) {
    try {
      return await subscription.request.execute(root, reads);
    } catch (error) {
      logger.error({ err: error, unit: subscription.unit }, 'a subscription event failed to execute');
      return { errors: [new GraphQLError('Internal server error.', { originalError: error as Error })] };
    }
  }

  function sent(subscription: Subscription, source: Side, at: string) {
    metrics.subscriptionDeliveries.inc({ unit: subscription.unit, source });
    const lag = (Date.now() - Date.parse(at)) / 1000;
    if (Number.isFinite(lag)) metrics.subscriptionLatency.observe({ source }, Math.max(0, lag));
  }

  function limitQueue(key: object) {
    const socket = sockets.get(key);
    if (socket === undefined || socket.cut) return;
    let queued = 0;
    for (const subscription of socket.subscriptions) queued += subscription.stream.queued;
    if (queued <= options.queueLimit) return;
    socket.cut = true;
    // The first subscription's request closes the socket they all share. Taken before the
    // streams end: ending one removes it from the socket, which left none to close it with.
    const [first] = socket.subscriptions;
    let dropped = 0;
    for (const subscription of [...socket.subscriptions]) dropped += subscription.stream.end(false);
    metrics.subscriptionEventsLost.inc({ reason: 'slow_consumer' }, dropped);
    metrics.subscriptionSocketsClosed.inc({ reason: 'slow_consumer' });
    logger.warn({ queued, limit: options.queueLimit }, 'a subscriber too slow to keep up was cut off');
    first?.request.cutOff(queued);
  }

  function remove(subscription: Subscription) {
    if (!all.delete(subscription)) return;
    metrics.subscriptionsActive.dec({ unit: subscription.unit });
    if (subscription.commitmentId !== null) removeFrom(byCommitment, subscription.commitmentId, subscription);
    const viewer = subscription.request.viewer;
    if (subscription.field === 'myCommitmentActivity' && viewer.kind !== 'anonymous' && viewer.id !== null)
      removeFrom(byMember, viewer.id, subscription);
    const socket = sockets.get(subscription.request.socket);
    socket?.subscriptions.delete(subscription);
    if (socket?.subscriptions.size === 0 && !socket.cut) sockets.delete(subscription.request.socket);
    subscription.comparison?.close();
    for (const wake of ended) wake();
  }

  async function refusalOf(request: SubscriptionRequest, unit: string): Promise<ExecutionResult | null> {
    const { viewer } = request;
    if (viewer.kind === 'anonymous')
      return refusal(ErrorCode.UNAUTHENTICATED, 'Sign in to subscribe: send connectionParams.authorization.');
    if (request.field === 'myCommitmentActivity') {
      return viewer.id === null
        ? refusal(ErrorCode.BAD_USER_INPUT, 'myCommitmentActivity needs a token with a user (sub).')
        : null;
    }
    const id = String(request.args.id);
    if (!isUuid(id)) return refusal(ErrorCode.BAD_USER_INPUT, `Commitment id ${id} is not a UUID.`);
    // The commitment must be visible now, on the side the unit reads, as a query would see it.
    const side = readSide(options.stageOf(viewer, unit));
    const store = options.stores[side] ?? options.stores.legacy;
    const [visible] = await store.commitmentsByIds(viewer, [id]);
    return visible === undefined
      ? refusal(ErrorCode.NOT_FOUND, `Commitment ${id} does not exist or you are not a party to it.`)
      : null;
  }

  return {
    async open(request) {
      const field = FIELDS.find((name) => name === request.field);
      if (field === undefined)
        return refusal(ErrorCode.BAD_REQUEST, `Subscription.${request.field} is not served.`);
      const unit = `Subscription.${field}`;
      const refused = await refusalOf(request, unit);
      if (refused !== null) return refused;
      const socket = sockets.get(request.socket) ?? { subscriptions: new Set(), cut: false };
      if (socket.cut) return refusal(ErrorCode.BAD_REQUEST, 'This socket was cut off.');
      sockets.set(request.socket, socket);
      const subscription: Subscription = {
        unit,
        field,
        commitmentId: field === 'commitmentChanged' ? String(request.args.id) : null,
        request,
        stream: new SubscriptionStream(() => remove(subscription)),
        seen: new RecentIds(),
        comparison: undefined,
      };
      all.add(subscription);
      socket.subscriptions.add(subscription);
      metrics.subscriptionsActive.inc({ unit });
      if (subscription.commitmentId !== null) addTo(byCommitment, subscription.commitmentId, subscription);
      else if (request.viewer.kind !== 'anonymous' && request.viewer.id !== null)
        addTo(byMember, request.viewer.id, subscription);
      return subscription.stream;
    },
    async completeAll(timeoutMs = 5_000) {
      for (const subscription of [...all]) subscription.stream.end(true);
      if (all.size === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          ended.delete(check);
          let dropped = 0;
          for (const subscription of [...all]) dropped += subscription.stream.end(false);
          if (dropped > 0) metrics.subscriptionEventsLost.inc({ reason: 'shutdown' }, dropped);
          resolve();
        }, timeoutMs);
        const check = () => {
          if (all.size > 0) return;
          clearTimeout(timer);
          ended.delete(check);
          resolve();
        };
        ended.add(check);
      });
    },
    get active() {
      return all.size;
    },
    close() {
      unsubscribe();
    },
  };
}
