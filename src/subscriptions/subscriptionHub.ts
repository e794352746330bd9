import { GraphQLError } from 'graphql';
import type { EventReads } from '../backends/connectLoaders.ts';
import type { CommitmentChange } from '../core/changeEvents.ts';
import { readSide, type Side, shadowSide } from '../core/stage.ts';
import { ErrorCode } from '../errors.ts';
import { changesToOffer, mayHaveMissed } from './changesToOffer.ts';
import {
  type BatchFacts,
  type BatchReads,
  createBatchReads,
  type EventFacts,
  factsKey,
  mayView,
  readEventFacts,
  sharedReadsFor,
} from './eventFacts.ts';
import { payloadsOf, sameResultKey, versionOf } from './eventPayloads.ts';
import { RecentFacts } from './recentFacts.ts';
import { RecentIds } from './recentIds.ts';
import { refusal, refuseSubscription } from './refuseSubscription.ts';
import { SharedResults } from './sharedResults.ts';
import { readAsSubscribers } from './subscriberFacts.ts';
import { FIELDS, type Subscription, SubscriptionRegistry } from './subscriptionRegistry.ts';
import { type PendingEvent, SubscriptionStream } from './subscriptionStream.ts';
import type { SubscriptionComparison, SubscriptionHub, SubscriptionHubOptions } from './subscriptionTypes.ts';

export type { SubscriptionHub, SubscriptionHubOptions } from './subscriptionTypes.ts';

const SIDES = ['legacy', 'target'] as const;

/**
 * The subscription hub of one instance: hears every change on the bus, reads each
 * changed commitment once per side and batch (service_role, shared by all
 * subscribers), and offers it to the subscriptions that asked for it. Each one gets
 * the events of the side its stage reads (fixed when it opened), when the subscriber
 * may see the commitment on that side now (a target read as each subscriber, the target
 * services, decides that itself: readAsSubscribers); its payload's fields read the shared
 * loaders only of the sides where the subscriber may see it, and is dropped if a later batch
 * shows the subscriber lost that right before it was sent. A change told twice is sent
 * once; a stale ledger version is not sent for `commitmentChanged` and is sent late for
 * `myCommitmentActivity` (its activities are not in the newer one). Each socket's queue
 * is bounded (a subscriber that falls further behind is cut off), and so is its number of
 * subscriptions (one more is refused alone).
 */
export function createSubscriptionHub(options: SubscriptionHubOptions): SubscriptionHub {
  const { metrics, logger } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const socketLimit = options.socketLimit ?? 100;
  const registry = new SubscriptionRegistry({ queueLimit: options.queueLimit, metrics, logger });
  const recent = new RecentFacts();
  const offered = new RecentIds(10_000);
  // Batches started so far, and the newest subscription's `openedIn`.
  let batches = 0;
  let lastOpened = 0;
  const ended = new Set<() => void>();
  let batch: CommitmentChange[] = [];
  let delivering: Promise<void> = Promise.resolve();
  let closing = false;

  const unsubscribe = options.bus.subscribe((changes) => {
    if (registry.size === 0) return;
    const startBatch = batch.length === 0;
    batch.push(...changes);
    // Changes heard in one tick are read together; batches are delivered in order.
    if (!startBatch) return;
    setImmediate(() => {
      delivering = delivering.then(deliverBatch).catch((error: unknown) => {
        logger.error({ err: error }, 'delivering subscription events failed');
      });
    });
  });

  async function deliverBatch() {
    // A side no subscription takes (the ledger's copies of legacy's changes, while
    // everyone reads legacy) is not read at all.
    batches += 1;
    const { changes, offeredIn } = changesToOffer(batch, offered, lastOpened, (side) => registry.takes(side));
    batch = [];
    if (changes.length === 0) return;
    const reads = createBatchReads(options.stores);
    // Subscribers who would get the same payload (one user's tabs and devices with one
    // operation) share one execution per event.
    const results = new SharedResults();
    const facts: BatchFacts = new Map();
    const unreadable = new Set<Side>();
    for (const side of await readEventFacts(reads, changes, timeoutMs)) {
      if ('error' in side) {
        unreadable.add(side.side);
        logger.warn({ err: side.error, side: side.side }, 'subscription events: reading a side failed');
      } else for (const [key, value] of side.facts) facts.set(key, value);
    }
    // A target the gateway cannot read as service_role is read as each subscriber.
    const { target, targetReadAs } = options.stores;
    const own =
      target !== null && targetReadAs === 'subscriber'
        ? await readAsSubscribers(target, registry.list(), changes, { facts, reads }, timeoutMs)
        : null;
    recent.remember(facts);
    if (own !== null) recent.remember(own.visible);
    for (const change of changes) {
      if (own !== null && change.source === 'target') {
        offered.add(change.id, batches);
        for (const heard of own.concerning(change.commitmentId)) {
          if ('error' in heard) metrics.subscriptionEventsLost.inc({ reason: 'unreadable' });
          else if (mayHaveMissed(heard.subscription, change, offeredIn))
            offer(heard.subscription, change, heard.told, heard.facts, heard.reads, results);
        }
        continue;
      }
      const told = facts.get(factsKey(change.source, change.commitmentId));
      if (unreadable.has(change.source)) {
        // The changed commitment cannot be read: its events cannot be checked, so none is sent.
        metrics.subscriptionEventsLost.inc({ reason: 'unreadable' });
        continue;
      }
      offered.add(change.id, batches);
      if (told === null || told === undefined) continue;
      for (const subscription of registry.interested(change.commitmentId, told.members))
        if (mayHaveMissed(subscription, change, offeredIn))
          offer(subscription, change, told, facts, reads, results);
    }
  }

  function offer(
    subscription: Subscription,
    change: CommitmentChange,
    told: EventFacts,
    facts: BatchFacts,
    reads: BatchReads,
    results: SharedResults,
  ) {
    const { stage, request } = subscription;
    const role =
      change.source === readSide(stage)
        ? 'control'
        : change.source === shadowSide(stage)
          ? 'candidate'
          : null;
    if (role === null || !mayView(request.viewer, told)) return;
    if (!subscription.seen.add(change.id)) return;
    const version = versionOf(change);
    // A commitmentChanged payload is the commitment read now, so an older version adds
    // nothing to a newer one; an activity does, so myCommitmentActivity tells every version
    // once (one arriving late, from another instance, after a newer one).
    if (version !== null && subscription.field === 'commitmentChanged') {
      const newest = subscription.versions.get(change.commitmentId) ?? -1;
      if (version <= newest) {
        metrics.subscriptionEventsLost.inc({ reason: 'stale' });
        return;
      }
      subscription.versions.delete(change.commitmentId);
      subscription.versions.set(change.commitmentId, version);
      // Bounded: the commitments told longest ago are forgotten first.
      for (const oldest of subscription.versions.keys()) {
        if (subscription.versions.size <= 1024) break;
        subscription.versions.delete(oldest);
      }
    }
    const shared = sharedReadsFor(request.viewer, change.commitmentId, facts, reads);
    const payloads = payloadsOf(subscription, change, told);
    if (role === 'candidate') {
      // The candidate's events are only run for a sampled comparison; nobody receives them.
      const comparison = comparisonOf(subscription);
      if (comparison === null) return;
      for (const { key, root } of payloads) {
        void run(subscription, root, shared, change.source).then((result) =>
          comparison.candidate(stage, { key, change, result }),
        );
      }
      return;
    }
    for (const { key, root } of payloads) {
      const expected = sameResultKey(request, change, key, shared);
      results.expect(expected);
      const event: PendingEvent = {
        run: async () => {
          // A later batch may show the subscriber lost the right to see it meanwhile.
          if (!recent.allows(request.viewer, change.source, change.commitmentId)) {
            if (shadowSide(stage) !== null)
              comparisonOf(subscription)?.withdraw(stage, { key, change, result: {} });
            return null;
          }
          for (const side of SIDES)
            if (!recent.allows(request.viewer, side, change.commitmentId)) delete shared[side];
          const same = sameResultKey(request, change, key, shared);
          const result = await results.take(expected, same, () => run(subscription, root, shared));
          if (shadowSide(stage) !== null) comparisonOf(subscription)?.control(stage, { key, change, result });
          return result;
        },
        sent: () => sent(subscription, change.source, change.at),
      };
      subscription.stream.push(event);
    }
    registry.limitQueue(request.socket);
  }

  function comparisonOf(subscription: Subscription): SubscriptionComparison | null {
    if (subscription.comparison === undefined) {
      subscription.comparison =
        options.shadow?.forSubscription(subscription.unit, subscription.request.facts) ?? null;
    }
    return subscription.comparison;
  }

  async function run(
    subscription: Subscription,
    root: Record<string, unknown>,
    reads: EventReads,
    side?: Side,
  ) {
    try {
      return await subscription.request.execute(root, reads, side);
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

  function remove(subscription: Subscription) {
    if (!registry.remove(subscription)) return;
    subscription.comparison?.close();
    for (const wake of ended) wake();
  }

  const SHUTTING_DOWN = 'This gateway is shutting down: subscribe again, on another instance.';

  return {
    async open(request) {
      const field = FIELDS.find((name) => name === request.field);
      if (field === undefined)
        return refusal(ErrorCode.BAD_REQUEST, `Subscription.${request.field} is not served.`);
      if (closing) return refusal(ErrorCode.BACKEND_UNAVAILABLE, SHUTTING_DOWN);
      const unit = `Subscription.${field}`;
      const stage = options.stageOf(request.viewer, unit);
      const refused = await refuseSubscription(request, stage, options.stores);
      if (refused !== null) return refused;
      if (closing) return refusal(ErrorCode.BACKEND_UNAVAILABLE, SHUTTING_DOWN);
      if (registry.isCut(request.socket)) return refusal(ErrorCode.BAD_REQUEST, 'This socket was cut off.');
      if (registry.openOn(request.socket) >= socketLimit)
        return refusal(
          ErrorCode.BAD_REQUEST,
          `This socket has ${socketLimit} subscriptions open, the most one may have: complete one first, or open another socket.`,
        );
      const subscription: Subscription = {
        unit,
        field,
        stage,
        commitmentId: field === 'commitmentChanged' ? String(request.args.id) : null,
        request,
        stream: new SubscriptionStream(() => remove(subscription)),
        seen: new RecentIds(),
        versions: new Map(),
        comparison: undefined,
        openedIn: batches + 1,
      };
      registry.add(subscription);
      lastOpened = subscription.openedIn;
      return subscription.stream;
    },
    async completeAll(waitMs = 5_000) {
      closing = true;
      for (const subscription of registry.list()) subscription.stream.end(true);
      if (registry.size === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          ended.delete(check);
          let dropped = 0;
          for (const subscription of registry.list()) dropped += subscription.stream.end(false);
          if (dropped > 0) metrics.subscriptionEventsLost.inc({ reason: 'shutdown' }, dropped);
          resolve();
        }, waitMs);
        const check = () => {
          if (registry.size > 0) return;
          clearTimeout(timer);
          ended.delete(check);
          resolve();
        };
        ended.add(check);
      });
    },
    get active() {
      return registry.size;
    },
    close() {
      unsubscribe();
    },
  };
}
