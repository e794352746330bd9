import type { ConnectStore } from '../backends/connectStore.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../core/logger.ts';
import type { Targets } from '../server/openBackends.ts';
import type { EventStores, TargetFeed } from '../subscriptions/eventFacts.ts';
import type { TargetSide } from './openTargetSide.ts';

function targetFeedOf(config: Config): TargetFeed {
  // The QLDB driver tells no changes.
  if (config.targets.kind === 'qldb') return 'qldbDriver';
  // Units write through the ledger service, whose changes travel only over Redis.
  if (config.targetServices !== null && config.redisUrl === null) return 'servicesWithoutRedis';
  return 'told';
}

/**
 * The stores a gateway's subscriptions read events from, and how: legacy as service_role
 * unless it is reached through PostgREST; the target databases in process as
 * service_role; with only the target services, the remote target store, read as each
 * subscriber with their token (the gateway holds no service_role token for the services).
 * Subscriptions that read the target are refused where its changes do not reach this
 * gateway: over the QLDB driver, and with the target services but no REDIS_URL (said at start).
 */
export function subscriptionStores(
  config: Config,
  legacy: ConnectStore,
  targets: Targets | null,
  targetSide: TargetSide,
  logger: Logger,
): EventStores {
  const remoteOnly = targets === null && config.targetServices !== null;
  const targetFeed = targetFeedOf(config);
  if (targetFeed === 'servicesWithoutRedis')
    logger.warn(
      'REDIS_URL is not set: writes made through the ledger service reach no subscriber of this gateway, so subscriptions that read the target are refused',
    );
  return {
    legacy,
    target: targets?.store ?? (remoteOnly ? targetSide.store : null),
    legacyAsService: config.legacy.transport !== 'rest',
    targetReadAs: remoteOnly ? 'subscriber' : 'service',
    targetFeed,
  };
}
