import { type Config, ConfigError, loadConfig } from '../config.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { claimEmbeddedData } from '../embedded/gatewayLock.ts';
import { createGatewayMetrics } from '../reports/gatewayMetrics.ts';
import { openBackends } from '../server/openBackends.ts';
import { serveMetrics, startMetricsListener } from '../server/serveMetrics.ts';
import type { DirectionStatus, Sync, SyncStatus } from '../writes/sync/createSync.ts';
import { callGateway, type GatewayClient, GatewayRefusal, runningGateway } from './gatewayClient.ts';
import { createOpenResources, type OpenResources } from './openResources.ts';
import { publishLedgerChanges } from './publishLedgerChanges.ts';
import { startSync } from './startSync.ts';

const USAGE = `usage: figway sync                 run the mirror's appliers alone (a worker), until SIGTERM
       figway sync status [--json]   what waits to be mirrored each way, the lag, dead letters, conflicts
       figway sync retry <id>        put a dead letter (legacy-<n> or target-<n>) back in its queue
`;

// Opens the configured backends with a mirror whose appliers do not run, calls `use`,
// and closes everything; the embedded data is claimed so no gateway starts meanwhile.
async function withLocalSync<T>(use: (sync: Sync) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const claim = config.legacy.transport === 'embedded' ? await claimEmbeddedData(config.dataDir) : null;
  const backends = await openBackends(config);
  try {
    const { sync } = await startSync(
      config,
      backends,
      createGatewayMetrics(),
      createLogger('warn'),
      null,
      false,
    );
    if (sync === null)
      throw new ConfigError(
        'figway sync needs the legacy database (SUPABASE_DB_URL) and the targets (LEDGER_DATABASE_URL, OLTP_DATABASE_URL).',
      );
    return await use(sync);
  } finally {
    await backends.close();
    await claim?.release();
  }
}

function seconds(value: number | null): string {
  if (value === null) return '-';
  return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(1)} s`;
}

function printDirection(title: string, prefix: string, status: DirectionStatus) {
  const out = process.stdout;
  out.write(`${title}\n`);
  out.write(
    `  pending ${status.pending} (retrying ${status.retrying}), oldest waiting ${seconds(status.oldestPendingSeconds)}\n`,
  );
  out.write(
    status.lag === null
      ? '  lag: nothing applied lately by this process\n'
      : `  lag p50 ${seconds(status.lag.p50)}, p99 ${seconds(status.lag.p99)} over the last ${status.lag.samples} changes\n`,
  );
  if (status.deadLetters.length === 0) out.write('  dead letters: none\n');
  for (const dead of status.deadLetters) {
    out.write(
      `  dead letter ${prefix}-${dead.id}: commitment/entity ${dead.entityId}, ${dead.attempts} attempts, last error: ${dead.lastError ?? '-'}\n`,
    );
  }
}

function print(status: SyncStatus) {
  printDirection('legacy -> targets (captured changes)', 'legacy', status.toTarget);
  printDirection('target -> legacy (outbox)', 'target', status.toLegacy);
  const out = process.stdout;
  out.write(`conflicts open: ${status.conflicts.open}\n`);
  for (const conflict of status.conflicts.recent)
    out.write(`  #${conflict.id} ${conflict.entity} ${conflict.entityId}: ${conflict.detail}\n`);
  const dead = status.toTarget.deadLetters.length + status.toLegacy.deadLetters.length;
  if (dead > 0)
    out.write(
      '\nFix the cause (the error above), then `figway sync retry <id>`; `figway reconcile` checks the result.\n',
    );
  if (status.conflicts.open > 0)
    out.write('\nConflicts: `figway reconcile commitments --repair` rewrites the non-authoritative side.\n');
}

async function status(args: readonly string[]): Promise<number> {
  const json = args.includes('--json');
  const config = loadConfig();
  const client = config.legacy.transport === 'embedded' ? await runningGateway(config.dataDir) : null;
  const result =
    client === null
      ? await withLocalSync((sync) => sync.status())
      : ((await (await callGateway(client, 'GET', '/admin/sync/status')).json()) as SyncStatus);
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else print(result);
  const dead = result.toTarget.deadLetters.length + result.toLegacy.deadLetters.length;
  return dead > 0 || result.conflicts.open > 0 ? 1 : 0;
}

async function retry(id: string): Promise<number> {
  if (!/^(legacy|target)-\d+$/.test(id)) {
    process.stderr.write(`figway sync retry: "${id}" is not a dead letter id (legacy-<n> or target-<n>).\n`);
    return 2;
  }
  const config = loadConfig();
  const client = config.legacy.transport === 'embedded' ? await runningGateway(config.dataDir) : null;
  const refusal = client === null ? await retryLocally(id) : await retryThroughGateway(client, id);
  if (refusal !== null) {
    process.stderr.write(`figway sync retry: ${refusal}\n`);
    return 1;
  }
  process.stdout.write(`${id} is back in its queue.\n`);
  return 0;
}

// Each returns null when the dead letter is back in its queue, otherwise why not.
async function retryLocally(id: string): Promise<string | null> {
  return (await withLocalSync((sync) => sync.retry(id))) ? null : `no dead letter ${id}.`;
}

async function retryThroughGateway(client: GatewayClient, id: string): Promise<string | null> {
  try {
    await callGateway(client, 'POST', `/admin/sync/retry/${id}`);
    return null;
  } catch (error) {
    if (!(error instanceof GatewayRefusal)) throw error;
    return error.status === 404 ? `no dead letter ${id}.` : error.message;
  }
}

// Opens what the worker runs, adding each to `opened` as soon as it is open.
async function startWorker(config: Config, logger: Logger, opened: OpenResources) {
  const metrics = createGatewayMetrics();
  const backends = await openBackends(config);
  opened.add('the backends', () => backends.close());
  // With REDIS_URL the worker tells the gateways' subscribers what it mirrors: legacy's
  // changes as it claims them and its own ledger appends. Without it nobody would hear them.
  const feed =
    config.redisUrl === null
      ? null
      : await publishLedgerChanges(config.redisUrl, backends.targets?.ledger ?? null, metrics, logger);
  if (feed !== null) opened.add('the change feed', () => feed.close());
  const { sync } = await startSync(config, backends, metrics, logger, null, true, feed?.bus);
  if (sync === null)
    throw new ConfigError('figway sync needs SUPABASE_DB_URL, LEDGER_DATABASE_URL and OLTP_DATABASE_URL.');
  opened.add('the mirror', () => sync.stop());
  const listen = config.metrics.listen;
  const listener =
    listen === null
      ? null
      : await startMetricsListener(
          listen,
          (request, response) => serveMetrics(request, response, metrics.registry, config.metrics.token),
          (error) => logger.error({ err: error }, 'serving /metrics failed'),
        );
  if (listener !== null) opened.add('the /metrics listener', () => listener.close());
  logger.info({ metrics: listener?.url ?? null }, 'figway sync is mirroring');
}

// The worker: the appliers of `figway serve`, without the gateway, until a signal.
async function worker(): Promise<number> {
  const config = loadConfig();
  if (config.legacy.transport === 'embedded')
    throw new ConfigError(
      'figway sync runs against hosted databases; the embedded gateway mirrors by itself.',
    );
  const logger = createLogger(config.logLevel);
  const opened = createOpenResources(logger);
  try {
    await startWorker(config, logger, opened);
  } catch (error) {
    // A start that fails half-way (the /metrics port is taken) would otherwise leave the
    // appliers' timers and LISTEN connections running, and the process would never exit.
    await opened.closeAll();
    throw error;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  const closed = await opened.closeAll();
  if (closed) logger.info('stopped');
  return closed ? 0 : 1;
}

/** `figway sync [status|retry <id>]`. */
export async function syncCommand(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case undefined:
      return worker();
    case 'status':
      return status(rest);
    case 'retry':
      if (rest[0] === undefined) break;
      return retry(rest[0]);
    default:
      break;
  }
  process.stderr.write(USAGE);
  return 2;
}
