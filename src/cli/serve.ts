import { createConnectApp } from '../../resolvers/createConnectApp.ts';
import { resolvers } from '../../resolvers/index.ts';
import { createBackendFailureLog } from '../backends/backendFailureLog.ts';
import type { Config } from '../config.ts';
import { loadConfig, requireJwtIssuer, requireShadowSalt } from '../config.ts';
import type { Logger } from '../core/logger.ts';
import { createLogger } from '../core/logger.ts';
import { claimEmbeddedData } from '../embedded/gatewayLock.ts';
import { createGatewayMetrics, type GatewayMetrics } from '../reports/gatewayMetrics.ts';
import { unitThresholds } from '../reports/unitThresholds.ts';
import { createPromotionCheck } from '../routing/checkPromotion.ts';
import type { Routing } from '../routing/createRouting.ts';
import { createRouting } from '../routing/createRouting.ts';
import { ensureFlagsFile } from '../routing/ensureFlagsFile.ts';
import { migratedUnits } from '../routing/migrate.ts';
import { type AdminRoutes, createAdminRoutes } from '../server/adminRoutes.ts';
import { createVerifierFromConfig } from '../server/createVerifierFromConfig.ts';
import { type Backends, openBackends } from '../server/openBackends.ts';
import { createShadowApiRoutes } from '../server/shadowApiRoutes.ts';
import { createShadowPageRoutes } from '../server/shadowPageRoutes.ts';
import { startGateway } from '../server/startGateway.ts';
import { createSyncRoutes } from '../server/syncRoutes.ts';
import type { BearerVerifier } from '../server/verifyBearer.ts';
import {
  createDiscardingObservationWriter,
  createObservationWriter,
  type DropReason,
} from '../shadow/observationWriter.ts';
import { pruneObservations } from '../shadow/pruneObservations.ts';
import { createInternalErrorReporter } from '../shadow/reportInternalError.ts';
import { createShadowRunner } from '../shadow/shadowRunner.ts';
import { createSubscriptionShadow } from '../subscriptions/compareEventStreams.ts';
import { startSubscriptions } from '../subscriptions/startSubscriptions.ts';
import { BACKFILL_JOBS } from '../writes/backfill/backfillTypes.ts';
import { runBackfill } from '../writes/backfill/runBackfill.ts';
import { recordMirrorFailures } from '../writes/recordMirrorFailures.ts';
import type { Sync } from '../writes/sync/createSync.ts';
import { demoUserName } from './demoUserName.ts';
import { createOpenResources, type OpenResources } from './openResources.ts';
import { openTargetSide } from './openTargetSide.ts';
import { startSync } from './startSync.ts';
import { subscriptionStores } from './subscriptionStores.ts';
import { welcome } from './welcome.ts';

// The embedded default gives every target the demo data: the backfill is
// idempotent, so later starts only append what legacy gained meanwhile.
async function backfillEmbedded(backends: Backends, logger: Logger) {
  const { legacyDb, targets } = backends;
  if (legacyDb === null || targets === null) return;
  for (const job of BACKFILL_JOBS) {
    const { failures: _failures, ...summary } = await runBackfill(job, {
      legacy: legacyDb,
      ledger: targets.ledger,
      oltp: targets.oltp,
    });
    logger.info(summary, `backfilled ${job}`);
  }
}

// Shadow reads record into the observations store; without one they still run and
// count in the metrics, and every observation is reported lost.
function startShadow(
  config: Config,
  backends: Backends,
  metrics: GatewayMetrics,
  routing: Routing,
  logger: Logger,
) {
  const db = backends.observationsDb;
  if (db === null)
    logger.warn('no observation store: set OBSERVATIONS_DATABASE_URL to keep shadow observations');
  // Failures inside the shadow machinery: counted by unit and step, logged at most once a minute per unit and step.
  const onInternalError = createInternalErrorReporter({ metrics, log: logger });
  const onDrop = (reason: DropReason, count: number) => metrics.observationsLost.inc({ reason }, count);
  // Without a store every observation is lost on arrival (warned above), never held.
  const writer =
    db === null
      ? createDiscardingObservationWriter(onDrop)
      : createObservationWriter({ db, onDrop, onInternalError });
  const runner = createShadowRunner({
    catalogue: routing.catalogue,
    writer,
    metrics,
    salt: requireShadowSalt(config),
    maxInFlight: config.shadow.maxInFlight,
    maxWaitMs: config.shadow.maxWaitMs,
    onInternalError,
  });
  const prune = () => {
    if (db !== null)
      pruneObservations(db, config.shadow.retentionDays).catch((error: unknown) =>
        logger.warn({ err: error }, 'pruning observations failed'),
      );
  };
  prune();
  const timer = setInterval(prune, 3_600_000);
  timer.unref();
  return {
    runner,
    writer,
    // The two sides' event streams of sampled subscriptions in shadow and live, compared as reads are.
    subscriptions: createSubscriptionShadow({
      catalogue: routing.catalogue,
      writer,
      metrics,
      salt: requireShadowSalt(config),
      onInternalError,
    }),
    async close() {
      clearInterval(timer);
      await runner.idle();
      await writer.close();
    },
  };
}

// The shadow-diff page and JSON API, then the CLI's routes (backfill, verify, reconcile).
function adminRoutesFor(
  config: Config,
  backends: Backends,
  routing: Routing,
  verifyBearer: BearerVerifier,
  sync: Sync | null,
): AdminRoutes {
  const cli = createAdminRoutes(backends, verifyBearer, routing);
  const syncRoutes = sync === null ? null : createSyncRoutes(sync, verifyBearer);
  const db = backends.observationsDb;
  const thresholdsFor = unitThresholds([...routing.catalogue.values()]);
  const shadow =
    db === null
      ? null
      : createShadowApiRoutes({
          db,
          development: config.development,
          verifyBearer,
          thresholdsFor,
          checkPromotion: createPromotionCheck(routing, db, {
            salt: config.shadow.salt,
            ...(config.legacy.transport === 'embedded' ? { userNames: demoUserName } : {}),
          }),
        });
  const page = createShadowPageRoutes({ development: config.development, verifyBearer });
  return async (request, response, pathname) =>
    (await page(request, response, pathname)) ||
    (shadow !== null && (await shadow(request, response, pathname))) ||
    (syncRoutes !== null && (await syncRoutes(request, response, pathname))) ||
    cli(request, response, pathname);
}

// Opens what `figway serve` runs, the gateway last, adding each to `opened` as soon as it is open.
async function startServing(config: Config, logger: Logger, opened: OpenResources, started: number) {
  const metrics = createGatewayMetrics();
  const routing = await createRouting({
    flags: config.flags,
    catalogueFile: config.catalogueFile,
    resolverUnits: migratedUnits(resolvers),
    targetsAvailable: config.targets.kind !== 'none' || config.targetServices !== null,
    metrics,
    logger,
  });
  opened.add('routing', () => routing.close());
  const claim = config.legacy.transport === 'embedded' ? await claimEmbeddedData(config.dataDir) : null;
  if (claim !== null) opened.add('the claim on the embedded data', () => claim.release());
  // Every backend failure is counted on /metrics and logged, at most one line per backend per 10 s.
  const backendFailures = createBackendFailureLog({
    logger,
    countFailure: (backend, code) => metrics.backendFailures.inc({ backend, code }),
    countTimeout: (backend) => metrics.backendTimeouts.inc({ backend }),
  });
  const backends = await openBackends(config, { eventsOf: backendFailures.eventsOf });
  opened.add('the backends', () => backends.close());
  if (config.legacy.transport === 'embedded') await backfillEmbedded(backends, logger);
  const { legacy, targets } = backends;
  // The target side of every unit: the target databases in process, or the target services.
  const targetSide = await openTargetSide(config, targets, { eventsOf: backendFailures.eventsOf, logger });
  opened.add('the target side', () => targetSide.close());
  const shadow = startShadow(config, backends, metrics, routing, logger);
  opened.add('the shadow runner', () => shadow.close());
  // Subscriptions hear the change feed: the ledger's appends (made here, by figway sync
  // workers or by the ledger service), and legacy's changes as the appliers claim them,
  // through Redis across instances when REDIS_URL is set.
  const subscriptions = await startSubscriptions({
    // Over PostgREST figway holds no service key: legacy is read with each caller's token.
    // The target services are read as each subscriber. A side whose changes do not reach
    // this gateway is refused: the target over the QLDB driver or the services without
    // Redis; legacy where no appliers run here and there is no Redis (warned at start).
    stores: subscriptionStores(config, backends, targetSide, logger),
    ledger: targets?.ledger ?? null,
    stageOf: (viewer, unit) => routing.routerFor(viewer).stageOf(unit),
    redisUrl: config.redisUrl,
    queueLimit: config.subscriptionQueueLimit,
    socketLimit: config.subscriptionSocketLimit,
    shadow: shadow.subscriptions,
    metrics,
    logger,
  });
  opened.add('the subscriptions', () => subscriptions.close());
  // Writes reach both sides: each write's own mirror, and the background appliers
  // unless separate `figway sync` workers run them.
  const { sync, mirror } = await startSync(
    config,
    backends,
    metrics,
    logger,
    shadow.writer,
    config.sync.applier,
    subscriptions.bus,
  );
  if (sync !== null) opened.add('the mirror', () => sync.stop());
  const verifyBearer = await createVerifierFromConfig(config.auth, logger);
  const gateway = await startGateway({
    host: config.host,
    port: config.port,
    development: config.development,
    introspection: config.introspection,
    metricsAccess: config.metrics,
    maxBodyBytes: config.maxBodyBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    queryLimits: config.queryLimits,
    // The gateway serves the Connect app from resolvers/; a write the mirror cannot
    // apply at once stays queued, is counted and logged, and never fails a committed write.
    app: await createConnectApp({
      legacy,
      target: targetSide.store,
      ledger:
        targets === null ? targetSide.ledger : { ledger: targets.ledger, commitments: targets.commitments },
      mirror: recordMirrorFailures(mirror, { failures: metrics.mirrorFailures, logger }),
    }),
    routing,
    shadow: shadow.runner,
    subscriptions: subscriptions.hub,
    metrics,
    health: { legacy, ...targetSide.health },
    verifyBearer,
    admin: adminRoutesFor(config, backends, routing, verifyBearer, sync),
    logger,
  });
  // Closed first on shutdown: in-flight requests drain while the rest is still open.
  opened.add('the gateway', () => gateway.stop());
  await claim?.publish(gateway.url);
  if (config.legacy.transport === 'embedded')
    process.stdout.write(welcome(gateway.url, gateway.schemaVersion, config.dataDir, config.flags));
  logger.info(
    {
      url: gateway.url,
      metrics: gateway.metricsUrl,
      schemaVersion: gateway.schemaVersion,
      legacy: legacy.name,
      startupMs: Math.round(performance.now() - started),
    },
    'figway is listening',
  );
}

/** `figway serve`: starts the gateway from the environment and runs until SIGTERM or SIGINT. */
export async function serve(): Promise<void> {
  const started = performance.now();
  const config = loadConfig();
  // Production settings that have no safe default stop start-up before anything opens.
  requireShadowSalt(config);
  requireJwtIssuer(config.auth);
  const logger = createLogger(config.logLevel);
  // Flags first: a malformed flags file or catalogue stops start-up before any database opens.
  if (config.flags.kind === 'file') await ensureFlagsFile(config.flags.path);
  const opened = createOpenResources(logger);
  try {
    await startServing(config, logger, opened, started);
  } catch (error) {
    // A start that fails half-way (the port is taken) would otherwise leave the mirror's
    // timers and LISTEN connections running, and the process would never exit.
    await opened.closeAll();
    throw error;
  }

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'draining in-flight requests, then stopping');
    // Each failure to close is logged by name; the rest still close.
    const closed = await opened.closeAll();
    if (closed) logger.info('stopped');
    process.exitCode = closed ? 0 : 1;
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}
