import { randomUUID } from 'node:crypto';
import type { ChangeListener, ChangePublisher, CommitmentChange } from '../core/changeEvents.ts';
import type { Logger } from '../core/logger.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import { createRateLimitedLog } from '../reports/rateLimitedLog.ts';
import { openRedisFanOut, type RedisFanOut } from './redisFanOut.ts';

/** The Redis channel changes travel on unless told otherwise. */
export const DEFAULT_CHANGE_CHANNEL = 'figway:changes';

/**
 * Where published changes reach: `local`, this process only (no Redis configured);
 * `connected`, every instance on the Redis channel; `disconnected`, this process only
 * until Redis is back.
 */
export type ChangeFanOut = 'local' | 'connected' | 'disconnected';

/**
 * The change feed of one process: every change published here, and with Redis every
 * change published by the other gateway instances and `figway sync` workers, told to
 * each listener once.
 */
export interface ChangeBus extends ChangePublisher {
  /**
   * Tells `listener` every change published from now on, on a later microtask, in the
   * order published here or received from Redis. A listener that throws is logged and the
   * others still hear. Returns the unsubscribe: after it the listener hears nothing more.
   */
  subscribe(listener: ChangeListener): () => void;
  /** Stops delivery and quits the Redis connections; idempotent. */
  close(): Promise<void>;
  /** Where a change published now would reach. */
  readonly fanOut: ChangeFanOut;
}

/** Options of {@link createChangeBus}. */
export interface ChangeBusOptions {
  /** A redis:// or rediss:// URL to share changes across instances, or null for this process only. */
  redisUrl: string | null;
  metrics: Pick<GatewayMetrics, 'subscriptionEventsLost' | 'subscriptionFanOut'>;
  logger: Logger;
  /** This process's id on the channel. @default a random UUID */
  instanceId?: string;
  /** The Redis channel. @default 'figway:changes' */
  channel?: string;
}

/**
 * Creates the change bus. Without Redis, changes stay in the process. With Redis, each
 * publish() is also sent as one message on the channel, and messages of other instances
 * are told to this one's listeners; a Redis that cannot be reached at start does not
 * fail start-up: the bus starts `disconnected` (with a warning) and connects when Redis
 * comes, retrying every 2 s at most. While Redis is down, changes still reach this
 * process's listeners and are counted in `subscriptionEventsLost{reason="redis"}`.
 */
export async function createChangeBus(options: ChangeBusOptions): Promise<ChangeBus> {
  const { logger } = options;
  const rateLimited = createRateLimitedLog({ logger });
  const listeners = new Set<ChangeListener>();
  let closed = false;

  const deliver = (changes: readonly CommitmentChange[]) => {
    if (closed) return;
    // A copy, so a listener that subscribes or unsubscribes others mid-delivery changes
    // the next delivery, not this one; one unsubscribed before its turn is skipped.
    for (const listener of [...listeners]) {
      if (!listeners.has(listener)) continue;
      try {
        listener(changes);
      } catch (error) {
        rateLimited.log(
          'listener',
          'error',
          { err: error, changes: changes.length },
          'change bus: a listener threw; the other listeners still heard the changes',
        );
      }
    }
  };
  // A microtask keeps listeners off the publisher's stack (a write's commit path), and
  // microtasks run in the order queued, so listeners hear changes in publish order.
  const deliverLater = (changes: readonly CommitmentChange[]) => queueMicrotask(() => deliver(changes));

  const redis: RedisFanOut | null =
    options.redisUrl === null
      ? null
      : await openRedisFanOut({
          url: options.redisUrl,
          channel: options.channel ?? DEFAULT_CHANGE_CHANNEL,
          instanceId: options.instanceId ?? randomUUID(),
          metrics: options.metrics,
          logger,
          onChanges: deliverLater,
        });

  return {
    publish(changes) {
      if (closed || changes.length === 0) return;
      try {
        // A copy: the publisher may reuse its array once publish() returns.
        const batch = [...changes];
        deliverLater(batch);
        redis?.publish(batch);
      } catch (error) {
        rateLimited.log('publish', 'error', { err: error }, 'change bus: could not publish changes');
      }
    },
    subscribe(listener) {
      if (closed) return () => {};
      // A wrapper per subscription, so one function subscribed twice is two subscriptions.
      const entry: ChangeListener = (changes) => listener(changes);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    async close() {
      closed = true;
      listeners.clear();
      await redis?.close();
    },
    get fanOut() {
      return redis === null ? 'local' : redis.state;
    },
  };
}
