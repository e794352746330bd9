import { createConnectLoaders } from '../backends/connectLoaders.ts';
import type { ConnectStore } from '../backends/connectStore.ts';
import type { Viewer } from '../backends/viewer.ts';
import type { CommitmentChange } from '../core/changeEvents.ts';
import { readSide, shadowSide } from '../core/stage.ts';
import { type BatchFacts, type BatchReads, type EventFacts, factsKey, readSideFacts } from './eventFacts.ts';
import type { Subscription } from './subscriptionRegistry.ts';

/**
 * One subscription a target change may be told to, with what its subscriber's own reads
 * showed: the changed commitment's facts, the batch's facts and reads to run its payload
 * with (legacy's shared, the target's its own), or the error that kept them unread.
 */
export type SubscriberTold =
  | { subscription: Subscription; told: EventFacts; facts: BatchFacts; reads: BatchReads }
  | { subscription: Subscription; error: unknown };

/** A batch's target changes as each subscriber who takes the target's events read them. */
export interface SubscriberFacts {
  /** The facts some subscriber could read: a commitment's creator and every party, as the target holds them. */
  visible: BatchFacts;
  /** The subscriptions a change to `commitmentId` is told to: those whose subscriber sees it, or whose reads failed. */
  concerning(commitmentId: string): SubscriberTold[];
}

type Own = { facts: BatchFacts; reads: BatchReads } | { error: unknown };

function takesTarget(subscription: Subscription): boolean {
  return readSide(subscription.stage) === 'target' || shadowSide(subscription.stage) === 'target';
}

function concerns(subscription: Subscription, commitmentId: string): boolean {
  return subscription.field === 'myCommitmentActivity' || subscription.commitmentId === commitmentId;
}

/**
 * Reads the target's changed commitments of a batch as each subscriber who takes the
 * target's events and may be concerned by them (a `commitmentChanged` of one of them, any
 * `myCommitmentActivity`), for a target the gateway cannot read as service_role (the
 * target services): one read of the commitments and their parties per subscriber and
 * batch, with the subscriber's token, so that the target decides who hears of what. A
 * commitment the subscriber does not see is not told to it. `shared` is the batch's
 * service_role facts and reads of legacy, kept for each subscriber's payload.
 */
export async function readAsSubscribers(
  store: ConnectStore,
  subscriptions: readonly Subscription[],
  changes: readonly CommitmentChange[],
  shared: { facts: BatchFacts; reads: BatchReads },
  timeoutMs: number,
): Promise<SubscriberFacts> {
  const changed = [...new Set(changes.filter((c) => c.source === 'target').map((c) => c.commitmentId))];
  const takers = subscriptions.filter(
    (subscription) => takesTarget(subscription) && changed.some((id) => concerns(subscription, id)),
  );
  // One read per viewer (a socket's subscriptions share theirs), of the ids its subscriptions concern.
  const wanted = new Map<Viewer, Set<string>>();
  for (const subscription of takers) {
    const ids = wanted.get(subscription.request.viewer) ?? new Set<string>();
    for (const id of changed) if (concerns(subscription, id)) ids.add(id);
    wanted.set(subscription.request.viewer, ids);
  }
  const visible: BatchFacts = new Map();
  const own = new Map<Viewer, Own>();
  await Promise.all(
    [...wanted].map(async ([viewer, ids]) => {
      const loaders = createConnectLoaders(store, viewer);
      const read = await readSideFacts('target', loaders, [...ids], timeoutMs);
      if ('error' in read) {
        own.set(viewer, { error: read.error });
        return;
      }
      for (const [key, value] of read.facts) if (value !== null) visible.set(key, value);
      own.set(viewer, {
        facts: new Map([...shared.facts, ...read.facts]),
        reads: { legacy: shared.reads.legacy, target: loaders },
      });
    }),
  );
  return {
    visible,
    concerning(commitmentId) {
      const told: SubscriberTold[] = [];
      for (const subscription of takers) {
        if (!concerns(subscription, commitmentId)) continue;
        const mine = own.get(subscription.request.viewer);
        if (mine === undefined) continue;
        if ('error' in mine) {
          told.push({ subscription, error: mine.error });
          continue;
        }
        const facts = mine.facts.get(factsKey('target', commitmentId));
        if (facts !== null && facts !== undefined) told.push({ subscription, told: facts, ...mine });
      }
      return told;
    },
  };
}
