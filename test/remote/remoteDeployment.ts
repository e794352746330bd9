import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Stage } from '../../src/core/stage.ts';
import { readCatalogue, writeDefinitions } from '../../src/routing/flagFiles.ts';
import { UNSET } from '../services/serviceProcess.ts';
import { eventually } from '../support/eventually.ts';
import { type ServeProcess, startServe } from '../support/figwayProcess.ts';
import type { ProductionDatabases } from '../support/productionDatabases.ts';
import { flagsWith, unitsAt } from '../support/stageFlags.ts';

/** A GraphQL answer of the gateway, with the routes it reports in development mode. */
export interface GatewayAnswer {
  status: number;
  data: Record<string, unknown> | null;
  errors: Array<{ message: string; path?: unknown[]; extensions?: Record<string, unknown> }>;
  routes: Record<string, { stage: Stage; backend: 'legacy' | 'target' }>;
  fallbacks: Array<{ unit: string; error: string }>;
}

/** Posts `query` to a gateway as the holder of `token`. */
export async function ask(
  url: string,
  query: string,
  token: string,
  variables: Record<string, unknown> = {},
): Promise<GatewayAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as {
    data?: Record<string, unknown> | null;
    errors?: GatewayAnswer['errors'];
    extensions?: { figway?: { routes?: GatewayAnswer['routes']; fallbacks?: GatewayAnswer['fallbacks'] } };
  };
  return {
    status: response.status,
    data: body.data ?? null,
    errors: body.errors ?? [],
    routes: body.extensions?.figway?.routes ?? {},
    fallbacks: body.extensions?.figway?.fallbacks ?? [],
  };
}

/** The `data` of an answer; throws, with its errors, when it has none. */
export function dataOf(answer: GatewayAnswer): Record<string, unknown> {
  if (answer.data === null) throw new Error(`no data: ${JSON.stringify(answer.errors)}`);
  return answer.data;
}

/** The GraphQL requests a target service answered so far (`figway_service_requests_total`, all labels). */
export async function serviceRequests(serviceUrl: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', serviceUrl))).text();
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('figway_service_requests_total{'))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

/** One query on one of the deployment's databases, over a connection of its own. */
export async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The gateway side of a deployment with remote targets: a flags file every read unit
 * and every mutation unit takes its stage from, a catalogue in which Query.commitmentTypes
 * falls back to legacy, and `figway serve` processes reaching the targets only through
 * their services (no target database URL).
 */
export interface RemoteGateways {
  /** Starts a gateway whose target services are at `services`, with `env` added (REDIS_URL, say). */
  start(services: { ledger: string; oltp: string }, env?: Record<string, string>): Promise<ServeProcess>;
  /** Starts a gateway over the target databases in process, on the same flags, running no appliers. */
  startInProcess(): Promise<ServeProcess>;
  /** Moves every read unit to `reads` and every mutation unit to `writes`, and waits until `gateway` serves them so. */
  stage(gateway: ServeProcess, token: string, reads: Stage, writes?: Stage): Promise<void>;
  close(): Promise<void>;
}

/**
 * Prepares the flags file and catalogue of {@link RemoteGateways} over `databases`, signing
 * with `secretEnv`; the subscription units stay at legacy unless `subscriptions` names their stage.
 */
export async function remoteGateways(
  databases: ProductionDatabases,
  secretEnv: Record<string, string>,
  options: { subscriptions?: Stage } = {},
): Promise<RemoteGateways> {
  const dir = await mkdtemp(join(tmpdir(), 'figway-remote-'));
  const flagsPath = join(dir, 'flags.json');
  const cataloguePath = join(dir, 'catalogue.json');
  const units = (await readCatalogue()).map((entry) =>
    entry.unit === 'Query.commitmentTypes' ? { ...entry, fallback: 'legacy' } : entry,
  );
  await writeFile(cataloguePath, JSON.stringify({ units }));
  const writeStages = async (reads: Stage, writes: Stage) =>
    writeDefinitions(
      flagsPath,
      await flagsWith({
        ...(await unitsAt(['Query.*', 'Commitment.*', 'Profile.*'], reads)),
        ...(await unitsAt(['Mutation.*'], writes)),
        ...(options.subscriptions === undefined
          ? {}
          : await unitsAt(['Subscription.*'], options.subscriptions)),
      }),
    );
  await writeStages('live', 'live');
  const started: ServeProcess[] = [];
  const serve = async (targets: Record<string, string>) => {
    const gateway = await startServe({
      ...UNSET,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      SUPABASE_DB_URL: databases.urls.legacy,
      OBSERVATIONS_DATABASE_URL: databases.urls.observations,
      ...targets,
      ...secretEnv,
      FIGWAY_FLAGS_FILE: flagsPath,
      FIGWAY_FLAGS_POLL_MS: '50',
      FIGWAY_CATALOGUE_FILE: cataloguePath,
      FIGWAY_SHADOW_SALT: randomBytes(16).toString('hex'),
      FIGWAY_MAX_QUERY_COST: '1000000',
    });
    started.push(gateway);
    return gateway;
  };
  return {
    start: (services, env = {}) =>
      serve({ LEDGER_SERVICE_URL: services.ledger, OLTP_SERVICE_URL: services.oltp, ...env }),
    startInProcess: () =>
      serve({
        LEDGER_DATABASE_URL: databases.urls.ledger,
        OLTP_DATABASE_URL: databases.urls.oltp,
        FIGWAY_SYNC_APPLIER: 'off',
      }),
    async stage(gateway, token, reads, writes = 'live') {
      await writeStages(reads, writes);
      await eventually(
        () => ask(gateway.url, '{ me { username } }', token),
        (answer) => answer.routes['Query.me']?.stage === reads,
        10_000,
      );
    },
    async close() {
      for (const gateway of started) if (gateway.child.exitCode === null) await gateway.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
