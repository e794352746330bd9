import type { Logger } from '../core/logger.ts';
import { readSide, type Side, type Stage, shadowSide } from '../core/stage.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import type { RecentIds } from './recentIds.ts';
import type { SubscriptionStream } from './subscriptionStream.ts';
import type { SubscriptionComparison, SubscriptionRequest } from './subscriptionTypes.ts';

/** The root subscription fields the hub serves. */
export const FIELDS = ['commitmentChanged', 'myCommitmentActivity'] as const;
/** One of {@link FIELDS}. */
export type Field = (typeof FIELDS)[number];

/** One open subscription, as the hub keeps it. */
export interface Subscription {
  unit: string;
  field: Field;
  /** Fixed when it opens: a side's events cannot be told apart from the other's copies of them. */
  stage: Stage;
  commitmentId: string | null;
  request: SubscriptionRequest;
  stream: SubscriptionStream;
  seen: RecentIds;
  /** The newest ledger version told per commitment (`commitmentChanged`): an older one arriving late is stale. */
  versions: Map<string, number>;
  /** undefined until the first shadowed event decides whether it is sampled. */
  comparison: SubscriptionComparison | null | undefined;
  /**
   * The number of the first of the hub's batches that started after it opened: a change
   * offered in an earlier batch may have been offered before it opened, so it is offered
   * to it when told again (and dropped by `seen` if it was not missed after all); one
   * offered in this batch or later is not.
   */
  openedIn: number;
}

interface Socket {
  subscriptions: Set<Subscription>;
  cut: boolean;
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

// The sides whose events a subscription takes: the one it reads, and the one compared with it.
function sidesOf(subscription: Subscription): Side[] {
  const candidate = shadowSide(subscription.stage);
  return candidate === null ? [readSide(subscription.stage)] : [readSide(subscription.stage), candidate];
}

function memberOf(subscription: Subscription): string | null {
  const { viewer } = subscription.request;
  return subscription.field === 'myCommitmentActivity' && viewer.kind !== 'anonymous' ? viewer.id : null;
}

/** What the registry counts and logs with. */
export interface RegistryOptions {
  queueLimit: number;
  metrics: Pick<
    GatewayMetrics,
    'subscriptionsActive' | 'subscriptionEventsLost' | 'subscriptionSocketsClosed'
  >;
  logger: Logger;
}

/**
 * The open subscriptions of one instance: by commitment (`commitmentChanged`), by
 * member (`myCommitmentActivity`) and by socket, whose queue it bounds.
 */
export class SubscriptionRegistry {
  readonly #byCommitment = new Map<string, Set<Subscription>>();
  readonly #byMember = new Map<string, Set<Subscription>>();
  // Weak: a socket that was cut off stays marked for as long as it lives, and no longer.
  readonly #sockets = new WeakMap<object, Socket>();
  readonly #all = new Set<Subscription>();
  readonly #takers: Record<Side, number> = { legacy: 0, target: 0 };
  readonly #options: RegistryOptions;

  constructor(options: RegistryOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#all.size;
  }

  /** Every open subscription, as a copy. */
  list(): Subscription[] {
    return [...this.#all];
  }

  /** Whether any subscription takes `side`'s events: if none does, they need not even be read. */
  takes(side: Side): boolean {
    return this.#takers[side] > 0;
  }

  /** How many subscriptions are open on the socket. */
  openOn(socket: object): number {
    return this.#sockets.get(socket)?.subscriptions.size ?? 0;
  }

  /** Whether the socket was cut off as too slow. */
  isCut(socket: object): boolean {
    return this.#sockets.get(socket)?.cut === true;
  }

  add(subscription: Subscription): void {
    const key = subscription.request.socket;
    const socket = this.#sockets.get(key) ?? { subscriptions: new Set(), cut: false };
    this.#sockets.set(key, socket);
    socket.subscriptions.add(subscription);
    this.#all.add(subscription);
    for (const side of sidesOf(subscription)) this.#takers[side] += 1;
    this.#options.metrics.subscriptionsActive.inc({ unit: subscription.unit });
    if (subscription.commitmentId !== null)
      addTo(this.#byCommitment, subscription.commitmentId, subscription);
    const member = memberOf(subscription);
    if (member !== null) addTo(this.#byMember, member, subscription);
  }

  /** Forgets a subscription whose stream ended; false when it was already gone. */
  remove(subscription: Subscription): boolean {
    if (!this.#all.delete(subscription)) return false;
    for (const side of sidesOf(subscription)) this.#takers[side] -= 1;
    this.#options.metrics.subscriptionsActive.dec({ unit: subscription.unit });
    if (subscription.commitmentId !== null)
      removeFrom(this.#byCommitment, subscription.commitmentId, subscription);
    const member = memberOf(subscription);
    if (member !== null) removeFrom(this.#byMember, member, subscription);
    const key = subscription.request.socket;
    const socket = this.#sockets.get(key);
    socket?.subscriptions.delete(subscription);
    if (socket?.subscriptions.size === 0 && !socket.cut) this.#sockets.delete(key);
    return true;
  }

  /** The subscriptions a change to `commitmentId` may concern, given who is a member of it. */
  interested(commitmentId: string, members: Iterable<string>): Set<Subscription> {
    const found = new Set(this.#byCommitment.get(commitmentId));
    for (const member of members) for (const s of this.#byMember.get(member) ?? []) found.add(s);
    return found;
  }

  /**
   * Cuts the socket off when its subscriptions hold more than the queue limit: ends
   * them, counts what was dropped, and has the socket closed.
   */
  limitQueue(key: object): void {
    const socket = this.#sockets.get(key);
    if (socket === undefined || socket.cut) return;
    let queued = 0;
    for (const subscription of socket.subscriptions) queued += subscription.stream.queued;
    const { queueLimit, metrics, logger } = this.#options;
    if (queued <= queueLimit) return;
    socket.cut = true;
    // Ending the streams removes them from the socket: keep one to close the socket with.
    const subscriptions = [...socket.subscriptions];
    let dropped = 0;
    for (const subscription of subscriptions) dropped += subscription.stream.end(false);
    metrics.subscriptionEventsLost.inc({ reason: 'slow_consumer' }, dropped);
    metrics.subscriptionSocketsClosed.inc({ reason: 'slow_consumer' });
    logger.warn({ queued, limit: queueLimit }, 'a subscriber too slow to keep up was cut off');
    subscriptions[0]?.request.cutOff(queued);
  }
}
