import { watchLedgerChanges } from '../backends/ledger/ledgerChangeEvents.ts';
import type { Ledger } from '../backends/ledger/openLedger.ts';
import type { Logger } from '../core/logger.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import { type ChangeBus, createChangeBus } from '../subscriptions/changeBus.ts';

/** What a process that publishes its ledger's changes counts: events lost, and whether Redis is connected. */
export type LedgerFeedMetrics = Pick<GatewayMetrics, 'subscriptionEventsLost' | 'subscriptionFanOut'>;

/** The change events of one process's ledger appends, published on the Redis channel the gateways hear. */
export interface LedgerFeed {
  bus: ChangeBus;
  /** Stops watching the ledger and closes the bus. */
  close(): Promise<void>;
}

/**
 * Publishes the change event of each commitment revision that `ledger` (when given)
 * commits in this process (watchLedgerChanges) on a change bus over `redisUrl`, the
 * channel `figway:changes`, so that every gateway with the same REDIS_URL tells its
 * subscribers; the bus is also the publisher for legacy's changes a worker claims. An
 * append whose change cannot be read is counted in `subscriptionEventsLost{reason="unreadable"}`
 * and logged; a Redis that is down is the bus's to count and retry.
 */
export async function publishLedgerChanges(
  redisUrl: string,
  ledger: Ledger | null,
  metrics: LedgerFeedMetrics,
  logger: Logger,
): Promise<LedgerFeed> {
  const bus = await createChangeBus({ redisUrl, metrics, logger });
  const unwatch =
    ledger === null
      ? () => {}
      : watchLedgerChanges(ledger, bus, (error) => {
          metrics.subscriptionEventsLost.inc({ reason: 'unreadable' });
          logger.warn({ err: error }, 'a ledger change could not be told to subscribers');
        });
  return {
    bus,
    async close() {
      unwatch();
      await bus.close();
    },
  };
}
