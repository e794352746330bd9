import type { ConnectStore } from '../src/backends/connectStore.ts';
import type { QueryLimits } from '../src/config.ts';
import type { CatalogueEntry } from '../src/core/catalogue.ts';
import type { Database, Queryable } from '../src/core/database.ts';
import type { Logger } from '../src/core/logger.ts';
import type { FlagDefinitions } from '../src/routing/flagFiles.ts';
import type { StageSource } from '../src/routing/stageSource.ts';
import type { GatewayOptions } from '../src/server/startGateway.ts';
import type { SyncOptions } from '../src/writes/sync/createSync.ts';
import type { WriteMirror } from '../src/writes/writeMirror.ts';

/**
 * What a test may ask of the gateway `startTestGateway` starts: its settings, target
 * stores, flags, write mirroring, shadow reads and subscriptions. Everything is optional;
 * left out, the gateway serves a seeded legacy database alone with the shipped flags.
 */
export interface TestGatewayOptions {
  development?: boolean;
  maxBodyBytes?: number;
  /** Query limits that differ from the defaults (e.g. a lower depth). */
  queryLimits?: Partial<QueryLimits>;
  wrapStore?: (store: ConnectStore) => ConnectStore;
  wrapDatabase?: (db: Database) => Database;
  /** Also open a ledger and an OLTP store, backfilled from legacy, as the target side. */
  targets?: boolean;
  /** Flag definitions to route by, written to a flags file the gateway watches; default: flags/. */
  flags?: FlagDefinitions;
  /** Route by this stage source instead (e.g. one reading a real Unleash server); `flags` is then unused. */
  stageSource?: StageSource;
  /** Observe or break the target store the gateway uses. */
  wrapTarget?: (store: ConnectStore) => ConnectStore;
  /** Where committed writes are mirrored; default: NO_MIRROR, or the real mirror with `sync`. */
  mirror?: WriteMirror;
  /**
   * Mirror writes for real (needs `targets`): change capture on legacy, the outbox, and
   * the appliers, with these settings. `applier: false` leaves the background appliers off.
   */
  sync?: Partial<Pick<SyncOptions, 'pollMs' | 'retry' | 'leaseMs' | 'mirrorWaitMs' | 'onMirrored'>> & {
    applier?: boolean;
  };
  /** Replace the flag catalogue (e.g. to give a unit a fallback policy). */
  catalogue?: CatalogueEntry[];
  /** Run shadow reads, recording observations in the legacy test database (or `observationsDb`). */
  shadow?: { random?: () => number; maxInFlight?: number; observationsDb?: Queryable };
  /**
   * Serve subscriptions from the change feed (the ledger's appends; legacy's changes
   * need `sync` too, whose appliers publish them), over Redis when `redisUrl` is set.
   */
  subscriptions?: { queueLimit?: number; redisUrl?: string | null; shadow?: { random?: () => number } };
  /** Log here instead of nowhere (e.g. to assert what the operator sees). */
  logger?: Logger;
  /** Production settings passed to the gateway as they are (introspection, /metrics access). */
  gateway?: Pick<GatewayOptions, 'introspection' | 'metricsAccess'>;
}
