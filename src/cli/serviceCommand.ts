import type { Ledger } from '../backends/ledger/openLedger.ts';
import { ConfigError, loadConfig, requireJwtIssuer } from '../config.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { createVerifierFromConfig } from '../server/createVerifierFromConfig.ts';
import { createLedgerService } from '../services/ledgerService.ts';
import { createOltpService } from '../services/oltpService.ts';
import { createServiceMetrics, type ServiceMetrics } from '../services/serviceMetrics.ts';
import { serviceQueryLimits } from '../services/serviceQueryLimits.ts';
import { startTargetService } from '../services/startTargetService.ts';
import { TARGET_SERVICE_KINDS, type TargetServiceKind } from '../services/targetContract.ts';
import { createOpenResources } from './openResources.ts';
import {
  openServiceStores,
  SERVICE_DATABASE_SETTING,
  type ServiceStores,
  serviceEnvironment,
} from './openServiceStores.ts';
import { type LedgerFeed, publishLedgerChanges } from './publishLedgerChanges.ts';

const DEFAULT_PORTS: Readonly<Record<TargetServiceKind, number>> = { ledger: 4010, oltp: 4020 };

const USAGE = `usage: figway service ledger|oltp [--port N] [--host H]
  run one target as a GraphQL service of its own, built from schema/targets/<target>.graphql
  (default ports: ledger ${DEFAULT_PORTS.ledger}, oltp ${DEFAULT_PORTS.oltp}; host 127.0.0.1), with /healthz and /metrics.
  Its database: LEDGER_DATABASE_URL or OLTP_DATABASE_URL, else the embedded default's
  (which one process holds at a time). Tokens are verified as the gateway verifies them.
  With REDIS_URL the ledger service publishes its writes' change events for the gateways' subscribers.
`;

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index < 0 ? undefined : args[index + 1];
}

function isKind(value: string | undefined): value is TargetServiceKind {
  return TARGET_SERVICE_KINDS.some((kind) => kind === value);
}

function serviceOver(stores: ServiceStores, metrics: ServiceMetrics) {
  const onBatch = (field: string, keys: number) => metrics.batchKeys.observe({ field }, keys);
  switch (stores.kind) {
    case 'ledger':
      return createLedgerService({ ledger: stores.ledger, commitments: stores.commitments, onBatch });
    case 'oltp':
      return createOltpService({ oltp: stores.oltp, onBatch });
  }
}

// The ledger service's appends reach subscribers only through Redis: the gateways that
// serve the subscriptions run in other processes.
async function publishServiceChanges(
  redisUrl: string | null,
  ledger: Ledger,
  metrics: ServiceMetrics,
  logger: Logger,
): Promise<LedgerFeed | null> {
  if (redisUrl !== null) return publishLedgerChanges(redisUrl, ledger, metrics, logger);
  logger.warn(
    'REDIS_URL is not set: the writes made through this ledger service reach no subscriber (set the same REDIS_URL on it and on the gateways)',
  );
  return null;
}

/** `figway service ledger|oltp`: one target as its own GraphQL service, until SIGINT or SIGTERM. */
export async function serviceCommand(args: readonly string[]): Promise<number> {
  const [kind, ...rest] = args;
  if (!isKind(kind)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const portText = option(rest, '--port');
  const port = portText === undefined ? DEFAULT_PORTS[kind] : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`figway service ${kind}: --port must be a port number, not "${portText}".\n`);
    return 2;
  }
  const env = serviceEnvironment(kind, process.env);
  const config = loadConfig(env);
  const embedded = config.targets.kind === 'embedded';
  // Settings with no safe default stop start-up before anything opens. The embedded
  // default's local secret verifies only tokens signed on this machine.
  if (!embedded && config.auth.kind === 'embedded') {
    throw new ConfigError(
      `figway service ${kind} on ${SERVICE_DATABASE_SETTING[kind]} needs SUPABASE_JWT_SECRET or ` +
        "SUPABASE_JWKS_URL: the settings the gateway verifies its users' tokens with.",
    );
  }
  requireJwtIssuer(config.auth);
  const logger = createLogger(config.logLevel);
  const metrics = createServiceMetrics();
  const opened = createOpenResources(logger);
  try {
    const verifyBearer = await createVerifierFromConfig(config.auth, logger);
    const { stores, publish } = await openServiceStores(kind, config, metrics, logger);
    opened.add(`the ${kind} store`, () => stores.close());
    if (stores.kind === 'ledger') {
      const feed = await publishServiceChanges(config.redisUrl, stores.ledger, metrics, logger);
      if (feed !== null) opened.add('the change feed', () => feed.close());
    }
    const target = await serviceOver(stores, metrics);
    const service = await startTargetService({
      service: target,
      host: option(rest, '--host') ?? '127.0.0.1',
      port,
      // On its own database a service is in production unless told otherwise, whatever legacy is.
      development: embedded ? config.development : env.NODE_ENV === 'development',
      maxBodyBytes: config.maxBodyBytes,
      requestTimeoutMs: config.requestTimeoutMs,
      queryLimits: serviceQueryLimits(env, config.queryLimits),
      introspection: env.FIGWAY_INTROSPECTION !== 'false',
      metrics,
      metricsToken: config.metrics.token,
      serviceKey: config.serviceKey,
      verifyBearer,
      logger,
    });
    opened.add(`the ${kind} service`, () => service.stop());
    await publish(service.url);
    logger.info(
      { target: kind, url: service.url, contractVersion: target.version },
      'figway service is listening',
    );
  } catch (error) {
    await opened.closeAll();
    throw error;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info({ signal, target: kind }, 'draining in-flight requests, then stopping');
  return (await opened.closeAll()) ? 0 : 1;
}
