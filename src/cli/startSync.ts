import type { Config } from '../config.ts';
import type { ChangePublisher } from '../core/changeEvents.ts';
import type { Logger } from '../core/logger.ts';
import type { Observation } from '../core/observation.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import type { Backends } from '../server/openBackends.ts';
import { createSync, type Sync } from '../writes/sync/createSync.ts';
import { observeMirroredWrite } from '../writes/sync/observeMirroredWrite.ts';
import type { WriteMirror } from '../writes/writeMirror.ts';

/** Where observations of mirrored writes go (the shadow observation writer), and the counter they count in. */
export interface WriteObservations {
  record(observation: Observation): void;
}

// Behind PostgREST figway has no connection of its own to legacy: nothing can be
// captured or applied there, and every mirrored write says so (counted and logged).
const NO_DIRECT_LEGACY: WriteMirror = {
  async mirror() {
    throw new Error(
      'writes cannot be mirrored: figway needs a direct connection to the legacy database (SUPABASE_DB_URL)',
    );
  },
};

const NO_CAPTURE: WriteMirror = {
  async mirror() {
    throw new Error('writes cannot be mirrored: change capture is not installed on the legacy database');
  },
};

// Remote targets without their databases: this gateway cannot apply changes to the
// targets or their outbox to legacy. Each write's change is durable in its queue (legacy's
// capture table, or the outbox row the ledger service commits with the write) and waits
// for a `figway sync` worker that has the databases; nothing is lost, nothing fails.
const LEFT_TO_WORKERS: WriteMirror = {
  async mirror() {},
};

/**
 * The mirror for this process: its write path always, and with `applier` its
 * background appliers too. Null mirror work (no targets) leaves `sync` null. With
 * `publish`, legacy's commitment changes are told to the change feed as they are claimed.
 */
export async function startSync(
  config: Config,
  backends: Backends,
  metrics: GatewayMetrics,
  logger: Logger,
  observations: WriteObservations | null,
  applier: boolean,
  publish?: ChangePublisher,
): Promise<{ sync: Sync | null; mirror: WriteMirror }> {
  const { legacyDb, targets } = backends;
  if (targets === null && config.targetServices !== null && legacyDb !== null) {
    logger.warn(
      'writes are mirrored by figway sync workers: this gateway reaches its targets through their services and has no LEDGER_DATABASE_URL and OLTP_DATABASE_URL to apply changes with',
    );
    return { sync: null, mirror: LEFT_TO_WORKERS };
  }
  if (config.targets.kind === 'qldb' && legacyDb !== null) {
    logger.warn(
      "writes are mirrored by figway sync workers: this gateway reaches the ledger through the QLDB driver and has no LEDGER_DATABASE_URL to apply changes with (run figway sync next to the ledger's database)",
    );
    return { sync: null, mirror: LEFT_TO_WORKERS };
  }
  if (targets === null) return { sync: null, mirror: NO_DIRECT_LEGACY };
  if (legacyDb === null) {
    logger.warn(
      'writes are not mirrored: set SUPABASE_DB_URL so that figway can capture and apply changes on legacy',
    );
    return { sync: null, mirror: NO_DIRECT_LEGACY };
  }
  if (!backends.captureInstalled) {
    logger.warn(
      'writes are not mirrored: the legacy database has no Connect tables yet (figway legacy setup), so change capture is not installed; restart figway once it is set up',
    );
    return { sync: null, mirror: NO_CAPTURE };
  }
  const sync = createSync(
    { legacyDb, ledger: targets.ledger, oltp: targets.oltp },
    {
      metrics,
      logger,
      pollMs: config.sync.pollMs,
      leaseMs: config.sync.leaseMs,
      retry: { maxAttempts: config.sync.maxAttempts },
      publish,
      onMirrored: (outcome) => {
        if (observations === null) return;
        observeMirroredWrite({ legacyDb, ledger: targets.ledger }, outcome)
          .then((observation) => {
            if (observation === null) return;
            metrics.observations.inc({
              unit: observation.unit,
              stage: observation.stage,
              outcome: observation.outcome,
            });
            observations.record(observation);
          })
          .catch((error: unknown) => {
            metrics.shadowInternalErrors.inc({ unit: outcome.write.unit, step: 'observe' });
            logger.warn({ err: error, unit: outcome.write.unit }, 'could not observe a mirrored write');
          });
      },
    },
  );
  if (applier) await sync.start();
  return { sync, mirror: sync.mirror };
}
