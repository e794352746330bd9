import type { ConnectStore } from '../backends/connectStore.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../core/logger.ts';
import type { Backends } from '../server/openBackends.ts';
import type { EventStores, LegacyFeed, TargetFeed } from '../subscriptions/eventFacts.ts';
import type { TargetSide } from './openTargetSide.ts';

/** What of the opened backends decides how subscriptions read and hear events. */
export type SubscriptionBackends = Pick<Backends, 'legacy' | 'legacyDb' | 'captureInstalled' | 'targets'>;

function targetFeedOf(config: Config): TargetFeed {
  // The QLDB driver tells no changes.
  if (config.targets.kind === 'qldb') return 'qldbDriver';
  // Units write through the ledger service, whose changes travel only over Redis.
  if (config.targetServices !== null && config.redisUrl === null) return 'servicesWithoutRedis';
  return 'told';
}

// Legacy's changes are told by the processes that run the mirror's appliers (the fast
// path at each NOTIFY, and each claim). The cases follow startSync's: where it leaves
// the mirror to `figway sync` workers, or starts no appliers, only Redis brings them.
function legacyFeedOf(config: Config, backends: SubscriptionBackends): LegacyFeed {
  if (backends.legacyDb === null) return 'noDirectConnection';
  if (config.redisUrl !== null) return 'told';
  // No target databases to apply changes with: the mirror is left to the workers.
  const workersOnly =
    config.targets.kind === 'qldb' || (backends.targets === null && config.targetServices !== null);
  if (backends.targets === null && !workersOnly) return 'noTargets';
  if (!backends.captureInstalled) return 'noCapture';
  return workersOnly || !config.sync.applier ? 'workersWithoutRedis' : 'told';
}

// Said once at start, for each setup whose subscriptions are refused a side.
function warnUntold(legacyFeed: LegacyFeed, targetFeed: TargetFeed, logger: Logger) {
  if (targetFeed === 'servicesWithoutRedis')
    logger.warn(
      'REDIS_URL is not set: writes made through the ledger service reach no subscriber of this gateway, so subscriptions that read the target are refused',
    );
  switch (legacyFeed) {
    case 'told':
    case 'noDirectConnection':
      return;
    case 'workersWithoutRedis':
      logger.warn(
        "REDIS_URL is not set: legacy's changes are told by the processes that run the mirror's appliers, here figway sync workers, and reach this gateway only over Redis, so subscriptions that read legacy are refused",
      );
      return;
    case 'noTargets':
      logger.warn(
        "no targets are configured, so nothing captures and tells legacy's changes: subscriptions that read legacy are refused",
      );
      return;
    case 'noCapture':
      logger.warn(
        'change capture is not installed on the legacy database, so subscriptions that read legacy are refused until figway restarts after figway legacy setup',
      );
      return;
  }
}

/**
 * The stores a gateway's subscriptions read events from, and how: legacy as service_role
 * unless it is reached through PostgREST; the target databases in process as
 * service_role; with only the target services, the remote target store, read as each
 * subscriber with their token (the gateway holds no service_role token for the services).
 * Subscriptions are refused a side whose changes do not reach this gateway (said at
 * start): the target over the QLDB driver, or with the target services but no
 * REDIS_URL; legacy where this gateway runs no appliers and has no REDIS_URL, where no
 * target is configured, or where change capture is not installed.
 */
export function subscriptionStores(
  config: Config,
  backends: SubscriptionBackends,
  targetSide: TargetSide,
  logger: Logger,
): EventStores {
  const { legacy, targets } = backends;
  const remoteOnly = targets === null && config.targetServices !== null;
  const targetFeed = targetFeedOf(config);
  const legacyFeed = legacyFeedOf(config, backends);
  warnUntold(legacyFeed, targetFeed, logger);
  const store: ConnectStore | null = targets?.store ?? (remoteOnly ? targetSide.store : null);
  return {
    legacy,
    target: store,
    legacyAsService: config.legacy.transport !== 'rest',
    targetReadAs: remoteOnly ? 'subscriber' : 'service',
    targetFeed,
    legacyFeed,
  };
}
