import { watchLedgerChanges } from '../backends/ledger/ledgerChangeEvents.ts';
import type { Ledger } from '../backends/ledger/openLedger.ts';
import type { Viewer } from '../backends/viewer.ts';
import type { Logger } from '../core/logger.ts';
import type { Stage } from '../core/stage.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import { type ChangeBus, createChangeBus } from './changeBus.ts';
import type { EventStores } from './eventFacts.ts';
import { createSubscriptionHub, type SubscriptionHub } from './subscriptionHub.ts';
import type { SubscriptionShadow } from './subscriptionTypes.ts';

/** What subscriptions are served from. */
export interface SubscriptionsOptions {
  stores: EventStores;
  /** The ledger whose appends feed the target side; null without targets. */
  ledger: Ledger | null;
  stageOf(viewer: Viewer, unit: string): Stage;
  /** Fans changes out across instances; null keeps them in this process. */
  redisUrl: string | null;
  queueLimit: number;
  /** Subscriptions open at once per socket. @default 100 */
  socketLimit?: number;
  shadow?: SubscriptionShadow;
  metrics: GatewayMetrics;
  logger: Logger;
}

/** The subscriptions of one process: its change bus (publish legacy's changes to it) and its hub. */
export interface Subscriptions {
  bus: ChangeBus;
  hub: SubscriptionHub;
  /** Stops watching the ledger and hearing the bus, and closes the bus. */
  close(): Promise<void>;
}

/**
 * Starts the change feed and the hub: the ledger's appends made in this process are
 * published to the bus (legacy's changes are published by the mirror's applier, given
 * `bus` as its publisher), and the hub serves this instance's subscribers from it.
 */
export async function startSubscriptions(options: SubscriptionsOptions): Promise<Subscriptions> {
  const { metrics, logger } = options;
  const bus = await createChangeBus({ redisUrl: options.redisUrl, metrics, logger });
  const unwatch =
    options.ledger === null
      ? () => {}
      : watchLedgerChanges(options.ledger, bus, (error) => {
          metrics.subscriptionEventsLost.inc({ reason: 'unreadable' });
          logger.warn({ err: error }, 'a ledger change could not be told to subscribers');
        });
  const hub = createSubscriptionHub({
    bus,
    stores: options.stores,
    stageOf: options.stageOf,
    queueLimit: options.queueLimit,
    ...(options.socketLimit === undefined ? {} : { socketLimit: options.socketLimit }),
    ...(options.shadow === undefined ? {} : { shadow: options.shadow }),
    metrics,
    logger,
  });
  return {
    bus,
    hub,
    async close() {
      unwatch();
      hub.close();
      await bus.close();
    },
  };
}
