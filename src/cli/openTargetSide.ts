import type { LedgerAccess } from '../../resolvers/gatewayContext.ts';
import type { ConnectStore } from '../backends/connectStore.ts';
import type { Config } from '../config.ts';
import type { BackendEvents } from '../core/database.ts';
import type { Logger } from '../core/logger.ts';
import type { HealthTarget } from '../server/checkHealth.ts';
import type { Targets } from '../server/openBackends.ts';

/** What the gateway's target side reads and writes through, and what /healthz pings for it. */
export interface TargetSide {
  /** The Connect port of the target side of every unit; null when no target is configured. */
  store: ConnectStore | null;
  /** The target backends /healthz reports, by name. */
  health: Record<string, HealthTarget>;
  /**
   * The ledger for history and verification when this side reaches it without its
   * database (through the QLDB driver, or the ledger service when LEDGER_DATABASE_URL is
   * not set); null when they read the ledger's database or there is no ledger.
   */
  ledger: LedgerAccess | null;
  close(): Promise<void>;
}

function databaseHealth(targets: Targets, suffix = ''): Record<string, HealthTarget> {
  return {
    [`ledger${suffix}`]: {
      name: `ledger (${targets.ledger.db.engine})`,
      ping: async () => void (await targets.ledger.db.query('select 1')),
    },
    [`oltp${suffix}`]: { name: `oltp (${targets.oltp.db.engine})`, ping: targets.oltp.ping },
  };
}

/**
 * Opens the gateway's target side: the target databases' store, in process (the
 * embedded default and LEDGER_DATABASE_URL/OLTP_DATABASE_URL); with LEDGER_QLDB_ENDPOINT,
 * the ledger through the QLDB driver and the OLTP database (openDriverTargetSide); or, with
 * LEDGER_SERVICE_URL and OLTP_SERVICE_URL, a store over the remote target services
 * (HTTP, batched per request and turn), which also answer history and verification when
 * the ledger's database is not set. The remote code is imported only then, so an
 * in-process target side never loads it.
 */
export async function openTargetSide(
  config: Config,
  targets: Targets | null,
  options: { eventsOf: (backend: 'ledger' | 'oltp') => BackendEvents; logger: Logger },
): Promise<TargetSide> {
  if (config.targets.kind === 'qldb') {
    // Loaded on demand: the QLDB driver's side only when LEDGER_QLDB_ENDPOINT is set.
    const { openDriverTargetSide } = await import('./openDriverTargetSide.ts');
    return openDriverTargetSide(config.targets, options);
  }
  const services = config.targetServices;
  if (services === null) {
    return {
      store: targets?.store ?? null,
      health: targets === null ? {} : databaseHealth(targets),
      ledger: null,
      close: async () => {},
    };
  }
  const { openRemoteTargets } = await import('../backends/remote/openRemoteTargets.ts');
  const remote = await openRemoteTargets({
    ledger: { ...services.ledger, serviceKey: config.serviceKey },
    oltp: { ...services.oltp, serviceKey: config.serviceKey },
    events: { ledger: options.eventsOf('ledger'), oltp: options.eventsOf('oltp') },
  });
  options.logger.info(
    { ledger: services.ledger.url, oltp: services.oltp.url, serviceKey: config.serviceKey !== null },
    'the target side is remote: units reach their targets through the target services',
  );
  return {
    store: remote.store,
    health: {
      ledger: { name: `ledger service (${services.ledger.url})`, ping: remote.ping.ledger },
      oltp: { name: `oltp service (${services.oltp.url})`, ping: remote.ping.oltp },
      // The mirror, history and verification still read the databases when they are set.
      ...(targets === null ? {} : databaseHealth(targets, ' database')),
    },
    ledger: targets === null ? remote.ledger : null,
    close: () => remote.close(),
  };
}
