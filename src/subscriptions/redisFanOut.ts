import { Redis, type RedisOptions } from 'ioredis';
import type { CommitmentChange } from '../core/changeEvents.ts';
import type { Logger } from '../core/logger.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import { createRateLimitedLog, type RateLimitedLog } from '../reports/rateLimitedLog.ts';
import { decodeChangeMessage, encodeChangeMessage } from './changeMessage.ts';
import { createFanOutStatus, type FanOutState, type FanOutStatus } from './fanOutStatus.ts';

/** Options of {@link openRedisFanOut}. */
export interface RedisFanOutOptions {
  /** A redis:// or rediss:// URL. */
  url: string;
  channel: string;
  /** This instance's id: its own messages are ignored on receipt. */
  instanceId: string;
  metrics: Pick<GatewayMetrics, 'subscriptionEventsLost' | 'subscriptionFanOut'>;
  logger: Logger;
  /** Told the changes each other instance published, in the order they arrive; must not throw. */
  onChanges(changes: readonly CommitmentChange[]): void;
}

/** Changes sent to and received from the other instances over Redis pub/sub. */
export interface RedisFanOut {
  readonly state: FanOutState;
  /** Sends the changes to the other instances; never throws: a failure is counted and logged. */
  publish(changes: readonly CommitmentChange[]): void;
  /** Quits both connections; idempotent. */
  close(): Promise<void>;
}

/** Longest wait between two connection attempts while Redis is down. */
const MAX_BACKOFF_MS = 2_000;
/** Longest start-up wait for the first connection before starting disconnected. */
const START_WAIT_MS = 5_000;

const CONNECTION_OPTIONS: RedisOptions = {
  // A publish while Redis is down fails at once, to be counted as lost, rather than
  // queueing in memory for as long as the outage lasts and arriving out of date.
  enableOfflineQueue: false,
  // A command in flight when the connection drops fails at once too, and is not sent
  // again after the reconnect: a change is never late, lost (and counted) at worst.
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  // The subscriber subscribes on each `ready` itself, so the fan-out is only reported
  // connected once Redis has confirmed the subscription (ioredis's own resubscription
  // is not awaitable, and a change published in between would be missed unseen).
  autoResubscribe: false,
  connectTimeout: START_WAIT_MS,
  retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), MAX_BACKOFF_MS),
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Where a Redis URL points, without its credentials, for logs. */
function describeRedis(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/** Subscribes to the channel on each `ready` and tells `status` whether the subscription holds. */
function followSubscription(
  subscriber: Redis,
  channel: string,
  status: FanOutStatus,
  rateLimited: RateLimitedLog,
): void {
  // Each connection is an epoch: a subscription confirmed after its connection closed says nothing.
  let epoch = 0;
  subscriber.on('ready', () => {
    if (status.closed) return;
    const subscribedIn = epoch;
    subscriber.subscribe(channel).then(
      () => {
        if (subscribedIn === epoch) status.set('subscription', true);
      },
      (error: unknown) => {
        // The connection dropped (the next `ready` subscribes again) or Redis refused
        // the channel (an ACL), which an operator must hear about.
        rateLimited.log(
          'subscribe',
          'error',
          { err: messageOf(error) },
          'change bus: could not subscribe to the changes channel',
        );
      },
    );
  });
  subscriber.on('close', () => {
    epoch += 1;
    status.set('subscription', false);
  });
}

/**
 * Tells `options.onChanges` each other instance's message; logs and drops a malformed
 * one. A gap in an instance's sequence numbers is messages Redis never brought here
 * (this connection was down, or Redis dropped it): counted as `missed`, since the
 * publisher saw its publish succeed.
 */
function receiveChanges(
  subscriber: Redis,
  options: RedisFanOutOptions,
  status: FanOutStatus,
  rateLimited: RateLimitedLog,
): void {
  const lastSeq = new Map<string, number>();
  subscriber.on('message', (from: string, text: string) => {
    if (from !== options.channel || status.closed) return;
    const decoded = decodeChangeMessage(text);
    switch (decoded.kind) {
      case 'malformed':
        rateLimited.log(
          'malformed',
          'warn',
          { channel: from, reason: decoded.reason, bytes: text.length },
          'change bus: ignored a malformed message on the changes channel',
        );
        return;
      case 'message': {
        const { instanceId, seq, changes } = decoded.message;
        if (instanceId === options.instanceId) return;
        const last = lastSeq.get(instanceId);
        lastSeq.set(instanceId, seq);
        if (last !== undefined && seq > last + 1) {
          options.metrics.subscriptionEventsLost.inc({ reason: 'missed' }, seq - last - 1);
          rateLimited.log(
            'missed',
            'warn',
            { from: instanceId, messages: seq - last - 1 },
            "change bus: another instance's changes never arrived here",
          );
        }
        options.onChanges(changes);
        return;
      }
    }
  });
}

/** Logs each connection's errors, rate limited (every retry fails while Redis is down); resolves at the first. */
function logConnectionErrors(
  clients: Record<'publisher' | 'subscriber', Redis>,
  rateLimited: RateLimitedLog,
): Promise<void> {
  return new Promise((resolve) => {
    for (const [role, client] of Object.entries(clients)) {
      client.on('error', (error: Error) => {
        rateLimited.log(
          `connection:${role}`,
          'warn',
          { connection: role, err: error.message },
          'change bus: Redis connection failed; retrying',
        );
        resolve();
      });
    }
  });
}

/** Resolves when the fan-out first connects, at the first connection error, or after 5 s. */
async function settleStart(status: FanOutStatus, firstError: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, START_WAIT_MS);
  });
  await Promise.race([status.connected, firstError, timeout]);
  clearTimeout(timer);
}

/** Ends a connection: QUIT when it is up (pending replies first), else at once; stops reconnecting. */
async function quit(client: Redis, logger: Logger): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch (error) {
      // The connection dropped under the QUIT: disconnect below stops the reconnects.
      logger.debug({ err: messageOf(error) }, 'change bus: QUIT failed');
    }
  }
  client.disconnect();
}

/**
 * Opens the publisher and subscriber connections. Resolves once both are up and the
 * channel subscribed, or at the first failure to connect (or after 5 s): then it logs a
 * warning and starts `disconnected`, connecting in the background; start-up never fails
 * for want of Redis. Reconnects forever, waiting at most 2 s between attempts.
 */
export async function openRedisFanOut(options: RedisFanOutOptions): Promise<RedisFanOut> {
  const { channel, instanceId, metrics, logger } = options;
  const fields = { redis: describeRedis(options.url), channel };
  const rateLimited = createRateLimitedLog({ logger: logger.child(fields) });
  const status = createFanOutStatus({ metrics, logger, fields });
  const publisher = new Redis(options.url, {
    ...CONNECTION_OPTIONS,
    connectionName: `figway-pub-${instanceId}`,
  });
  const subscriber = new Redis(options.url, {
    ...CONNECTION_OPTIONS,
    connectionName: `figway-sub-${instanceId}`,
  });
  const firstError = logConnectionErrors({ publisher, subscriber }, rateLimited);
  publisher.on('ready', () => status.set('publisher', true));
  publisher.on('close', () => status.set('publisher', false));
  followSubscription(subscriber, channel, status, rateLimited);
  receiveChanges(subscriber, options, status, rateLimited);

  await settleStart(status, firstError);
  if (status.state !== 'connected') {
    logger.warn(
      fields,
      'change bus: could not connect to Redis at start; starting with changes in this process only, connecting in the background',
    );
  }

  const lost = (count: number, error: unknown) => {
    metrics.subscriptionEventsLost.inc({ reason: 'redis' }, count);
    rateLimited.log(
      'publish',
      'warn',
      { changes: count, err: messageOf(error) },
      'change bus: changes not sent to the other instances',
    );
  };
  let closing: Promise<void> | null = null;
  let published = 0;
  return {
    get state() {
      return status.state;
    },
    publish(changes) {
      if (status.closed || changes.length === 0) return;
      try {
        published += 1;
        publisher
          .publish(channel, encodeChangeMessage(instanceId, published, changes))
          .catch((error: unknown) => {
            lost(changes.length, error);
          });
      } catch (error) {
        lost(changes.length, error);
      }
    },
    close() {
      if (closing === null) {
        status.close();
        closing = Promise.all([quit(publisher, logger), quit(subscriber, logger)]).then(() => {});
      }
      return closing;
    },
  };
}
