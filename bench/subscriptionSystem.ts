import type { ChildServer } from './childServer.ts';
import type { SocketPlan } from './driveSubscribers.ts';
import type { ChangeAnswer } from './paceChanges.ts';

/** A commitment the changes go to, and the token its subscribers connect with (null: no authorization). */
export interface SubscriptionTarget {
  id: string;
  token: string | null;
}

/** The gateways' own account of their deliveries (figway's metrics, both instances summed). */
export interface DeliveryCounters {
  /** `figway_subscription_deliveries_total`. */
  sent: number;
  /** `figway_subscription_events_lost_total` by reason. */
  lost: Record<string, number>;
  /** `figway_subscription_latency_seconds` (commit to send) cumulative buckets. */
  sendLatency: Array<{ le: number; count: number }>;
  /** `figway_mirror_lag_seconds{to="target"}` cumulative buckets: legacy's changes applied to the ledger. */
  mirrorLag: Array<{ le: number; count: number }>;
}

/** Two running instances of a subscription server that fan out through Redis; changes enter through the first. */
export interface RunningSystem {
  /** The commitments to change and subscribe to. */
  targets: SubscriptionTarget[];
  /** The GraphQL endpoint of each instance, A first (http://; its WebSocket is the same path over ws://). */
  urls: [string, string];
  /** The process of each instance, A first, started with --inspect (to read its heap). */
  processes: [ChildServer, ChildServer];
  /** Subscriptions open on each instance now, A first. */
  active(): Promise<[number, number]>;
  /** Makes one change to target `index` through instance A. */
  change(index: number): Promise<ChangeAnswer>;
  /** The instances' own delivery counters, or null when they keep none (the baseline). */
  counters(): Promise<DeliveryCounters | null>;
  stop(): Promise<void>;
}

/** A subscription server under test: figway, or the bare graphql-ws baseline. */
export interface SubscriptionSystem {
  name: 'figway' | 'baseline';
  /** The subscription operation, with an `$id: ID!` variable. */
  query: string;
  /** Starts both instances (fresh processes) and resolves once both fan out through Redis. */
  start(): Promise<RunningSystem>;
  /** Releases what the system holds between starts (its files). */
  close(): Promise<void>;
}

/** The sockets of a run for each instance, A first, and how many subscriptions each commitment has. */
export interface SocketLayout {
  sockets: [SocketPlan[], SocketPlan[]];
  subscribersOf: Map<string, number>;
}

/**
 * Lays `subscribers` subscriptions over `targets`: subscription j goes to target
 * j mod targets (so every commitment has the same count, give or take one), a
 * socket carries `perSocket` subscriptions of one token's commitments, and sockets
 * alternate between the two instances.
 */
export function layOutSockets(
  targets: readonly SubscriptionTarget[],
  subscribers: number,
  perSocket: number,
): SocketLayout {
  const byToken = new Map<string | null, string[]>();
  const subscribersOf = new Map<string, number>();
  for (let j = 0; j < subscribers; j++) {
    const target = targets[j % targets.length];
    if (target === undefined) throw new Error('the subscriptions benchmark needs at least one target');
    const ids = byToken.get(target.token) ?? [];
    ids.push(target.id);
    byToken.set(target.token, ids);
    subscribersOf.set(target.id, (subscribersOf.get(target.id) ?? 0) + 1);
  }
  const sockets: [SocketPlan[], SocketPlan[]] = [[], []];
  let next = 0;
  for (const [token, ids] of byToken) {
    for (let start = 0; start < ids.length; start += perSocket) {
      sockets[next % 2 === 0 ? 0 : 1].push({ token, commitmentIds: ids.slice(start, start + perSocket) });
      next += 1;
    }
  }
  return { sockets, subscribersOf };
}
