import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { TEST_POSTGRES_URL, testEngines } from '../../harness/databases.ts';

/** A real Unleash server on its own fresh PostgreSQL database, with an admin and a client token. */
export interface UnleashServer {
  /** The API URL, ending in /api, as figway's UNLEASH_URL takes it. */
  url: string;
  /** An admin token for every project and environment. */
  adminToken: string;
  /** A client (backend) token of project `default`, environment `development`. */
  clientToken: string;
  /** The web UI's address (the server's root, ending in /). */
  uiUrl: string;
  /** The admin user who signs in to the web UI. */
  adminUser: { username: string; password: string };
  /** Calls the admin API (`path` under /api, e.g. `/admin/projects/default/features`); throws on a non-2xx answer. */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  /** Stops the server and drops its database. */
  stop(): Promise<void>;
}

/**
 * True when an Unleash server can run here, that is when the test PostgreSQL answers.
 * Under `CI=true` a PostgreSQL that does not answer throws instead (through
 * {@link testEngines}), so a missing service fails the run rather than skipping it.
 */
export async function unleashAvailable(): Promise<boolean> {
  const engines = await testEngines();
  return engines.some((engine) => engine.name === 'postgres');
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port to listen on');
  return address.port;
}

async function onTestPostgres(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const silent = { debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

// The process's uncaughtException and unhandledRejection handlers now; removeAdded takes
// off those added since.
function processErrorHandlers() {
  const uncaught = new Set(process.listeners('uncaughtException'));
  const unhandled = new Set(process.listeners('unhandledRejection'));
  return {
    removeAdded() {
      for (const listener of process.listeners('uncaughtException'))
        if (!uncaught.has(listener)) process.removeListener('uncaughtException', listener);
      for (const listener of process.listeners('unhandledRejection'))
        if (!unhandled.has(listener)) process.removeListener('unhandledRejection', listener);
    },
  };
}

interface PoolCounts {
  numUsed(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
}

// The connection pool (tarn) of the knex instance a store of Unleash holds as `db`.
function poolOf(store: object): PoolCounts {
  const pool = Reflect.get(Reflect.get(Reflect.get(store, 'db') ?? {}, 'client') ?? {}, 'pool');
  if (typeof pool?.numUsed !== 'function') throw new Error("unleash-server's store has no knex pool");
  return pool as PoolCounts;
}

/**
 * Resolves once Unleash's connection pool has stayed idle for 100 ms (within 10 s).
 * Unleash goes on writing after it has answered (the onboarding and lifecycle events of a
 * flag it created or moved), and destroying its pool under those writes rejects them,
 * unhandled, failing the run.
 */
async function untilPoolIdle(store: object): Promise<void> {
  const pool = poolOf(store);
  const deadline = Date.now() + 10_000;
  let idleSince: number | null = null;
  while (Date.now() < deadline) {
    const busy = pool.numUsed() + pool.numPendingAcquires() + pool.numPendingCreates();
    idleSince = busy > 0 ? null : (idleSince ?? Date.now());
    if (idleSince !== null && Date.now() - idleSince >= 100) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("unleash-server's connection pool was still busy after 10 s");
}

/**
 * Starts unleash-server in this process on a free port over a fresh database
 * `unleash_test_<hex>` of the test PostgreSQL; `stop` drops the database again.
 */
export async function startUnleashServer(): Promise<UnleashServer> {
  const database = `unleash_test_${randomBytes(6).toString('hex')}`;
  await onTestPostgres(`create database ${database}`);
  const postgres = new URL(TEST_POSTGRES_URL);
  const port = await freePort();
  const adminToken = `*:*.${randomBytes(16).toString('hex')}`;
  const clientToken = `default:development.${randomBytes(16).toString('hex')}`;
  // Unleash checks a password's strength only when a user changes it; this one would pass anyway.
  const adminUser = { username: 'admin', password: `Figway-${randomBytes(9).toString('base64url')}!7` };
  // Loaded here, not at the top, so a file whose suite is skipped never pays for it.
  const { ApiTokenType, IAuthType, start } = await import('unleash-server');
  let unleash: Awaited<ReturnType<typeof start>>;
  const handlers = processErrorHandlers();
  try {
    unleash = await start({
      db: {
        host: postgres.hostname,
        port: Number(postgres.port || 5432),
        user: decodeURIComponent(postgres.username || 'postgres'),
        password: decodeURIComponent(postgres.password),
        database,
        ssl: false,
      },
      server: { port, host: '127.0.0.1' },
      // No calls home from a test run.
      versionCheck: { enable: false },
      telemetry: false,
      authentication: {
        type: IAuthType.OPEN_SOURCE,
        createAdminUser: true,
        initialAdminUser: adminUser,
        initApiTokens: [
          {
            environment: '*',
            projects: ['*'],
            secret: adminToken,
            type: ApiTokenType.ADMIN,
            tokenName: 'admin',
          },
          {
            environment: 'development',
            projects: ['default'],
            secret: clientToken,
            type: ApiTokenType.BACKEND,
            tokenName: 'client',
          },
        ],
      },
      getLogger: () => silent,
    });
  } catch (error) {
    await onTestPostgres(`drop database if exists ${database} with (force)`);
    throw error;
  } finally {
    // Its migrator (db-migrate) ends the process on any uncaught error in it, with Unleash's
    // logger silent: taken off, such an error reaches vitest, which reports it with its stack.
    handlers.removeAdded();
  }
  const url = `http://127.0.0.1:${port}/api`;
  return {
    url,
    adminToken,
    clientToken,
    uiUrl: `http://127.0.0.1:${port}/`,
    adminUser,
    async admin(method, path, body) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: adminToken, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`Unleash answered ${response.status} to ${method} ${path}: ${text}`);
      return text === '' ? null : (JSON.parse(text) as unknown);
    },
    async stop() {
      try {
        // No job starts from here on; those running, and the writes they set off, finish.
        unleash.services.schedulerService.stop();
        await untilPoolIdle(unleash.stores.settingStore);
      } finally {
        await unleash.stop();
        await onTestPostgres(`drop database if exists ${database} with (force)`);
      }
    },
  };
}
