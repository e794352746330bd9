import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_POSTGRES_URL, testEngines } from '../../harness/databases.ts';
import { demoUser, errorCodes, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import type { ConnectStore } from '../../src/backends/connectStore.ts';
import { EMBEDDED_JWT_ISSUER } from '../../src/config.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { FIGWAY_COMMAND } from '../support/figwayProcess.ts';
import { wsConnectionClosed, wsOperation } from '../support/wsClient.ts';

const [pglite] = await testEngines();
if (pglite === undefined) throw new Error('PGlite is always available');

// Tests that start a gateway of their own (a fresh PGlite) get longer than the default 30 s.
const STARTS_A_GATEWAY = 90_000;
const METRICS_TOKEN = 'a-metrics-token-of-32-characters';
const INTROSPECTION = '{ __schema { queryType { name } } }';
const INTERNALS = 'connection to 10.0.0.7 failed: password authentication failed for user "legacy_rw"';

/** A legacy store that answers queries but whose health probe fails with internals in its message. */
function unhealthy(store: ConnectStore): ConnectStore {
  return { ...store, name: store.name, ping: () => Promise.reject(new Error(INTERNALS)) };
}

/**
 * Runs `figway serve` and resolves with its exit code and stderr; a gateway that starts
 * instead of refusing is killed once `deadlineMs` passes and reported with code null.
 */
function serveUntilExit(env: Record<string, string>, deadlineMs = 20_000) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [...FIGWAY_COMMAND, 'serve'],
      { env: { ...process.env, ...env }, timeout: deadlineMs },
      (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

function urlOf(gateway: TestGateway, path: string) {
  return new URL(path, gateway.gateway.url).toString();
}

describe('a gateway in production mode', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(pglite, {
      gateway: { metricsAccess: { token: METRICS_TOKEN, listen: null } },
    });
  });
  afterAll(() => gateway.close());

  it('refuses introspection over HTTP and graphql-ws, naming the setting', async () => {
    const response = await gateway.query(INTROSPECTION, { as: 'alice' });
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors?.[0]?.message).toMatch(/FIGWAY_INTROSPECTION/);
    const outcome = await wsOperation(gateway.gateway.url, '{ __type(name: "Query") { name } }');
    expect(outcome.kind).toBe('failed');
    const errors = (outcome as { error: Array<{ message: string; extensions?: { code?: unknown } }> }).error;
    expect(errors.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(errors[0]?.message).toMatch(/FIGWAY_INTROSPECTION/);
    const typename = await gateway.query('{ __typename }', { as: 'alice' });
    expect(typename.body).toEqual({ data: { __typename: 'Query' }, extensions: expect.any(Object) });
  });

  it('refuses a token whose sub is not a UUID with UNAUTHENTICATED before the database sees it', async () => {
    const token = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setAudience('authenticated')
      .setIssuer(EMBEDDED_JWT_ISSUER)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(gateway.secret));
    const response = await gateway.query('{ me { username } }', { token });
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.errors?.[0]?.message).toMatch(/sub claim must be a UUID/);
  });

  it('answers GET queries that carry an Authorization header, as urql sends them', async () => {
    const response = await fetch(
      `${gateway.gateway.url}?query=${encodeURIComponent('{ me { username } }')}`,
      {
        headers: { authorization: `Bearer ${await gateway.tokenFor('alice')}` },
      },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { me: { username: 'alice' } } });
  });

  it('still refuses a GET without Authorization or a header that forces a preflight (CSRF)', async () => {
    const response = await fetch(`${gateway.gateway.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Cross-Site Request Forgery/);
  });

  it('serves /metrics only to a caller with the metrics token', async () => {
    const metrics = urlOf(gateway, '/metrics');
    expect((await fetch(metrics)).status).toBe(401);
    const wrong = await fetch(metrics, { headers: { authorization: 'Bearer not-the-metrics-token-at-all' } });
    expect(wrong.status).toBe(401);
    const right = await fetch(metrics, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(right.status).toBe(200);
    expect(await right.text()).toMatch(/# TYPE /);
  });

  it('closes a graphql-ws connection with 4401 when its token expires', async () => {
    const token = await signSupabaseToken(demoUser('alice'), gateway.secret, { ttlSeconds: 2 });
    const socket = wsConnectionClosed(gateway.gateway.url, `Bearer ${token}`, 15_000);
    await socket.connected;
    await expect(socket.closed).resolves.toEqual({ code: 4401, reason: 'token expired' });
  });
});

describe('a gateway with introspection enabled, or in development', () => {
  it.each([
    { name: 'FIGWAY_INTROSPECTION=true', options: { gateway: { introspection: true } } },
    { name: 'development', options: { development: true } },
  ])(
    'answers introspection ($name)',
    async ({ options }) => {
      const gateway = await startTestGateway(pglite, options);
      try {
        const response = await gateway.query(INTROSPECTION);
        expect(response.body).toMatchObject({ data: { __schema: { queryType: { name: 'Query' } } } });
        const outcome = await wsOperation(gateway.gateway.url, INTROSPECTION);
        expect(outcome).toEqual({
          kind: 'completed',
          results: [{ data: { __schema: { queryType: { name: 'Query' } } } }],
        });
      } finally {
        await gateway.close();
      }
    },
    STARTS_A_GATEWAY,
  );
});

describe('/healthz of a production gateway whose legacy probe fails', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(pglite, { wrapStore: unhealthy });
  });
  afterAll(() => gateway.close());

  it('shows anonymous callers and users only up or down per backend', async () => {
    for (const token of [undefined, await gateway.tokenFor('alice'), 'forged']) {
      const response = await fetch(urlOf(gateway, '/healthz'), {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body).toEqual({
        status: 'degraded',
        schemaVersion: expect.any(String),
        backends: { legacy: { status: 'down' } },
      });
    }
  });

  it('shows the error to an admin (service_role)', async () => {
    const response = await fetch(urlOf(gateway, '/healthz'), {
      headers: { authorization: `Bearer ${await gateway.tokenFor('admin')}` },
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      backends: { legacy: { status: 'down', name: expect.stringContaining('supabase'), error: INTERNALS } },
    });
  });
});

describe('/metrics on a separate listen address', () => {
  it('is served there and not on the GraphQL port', { timeout: STARTS_A_GATEWAY }, async () => {
    const gateway = await startTestGateway(pglite, {
      gateway: { metricsAccess: { token: null, listen: { host: '127.0.0.1', port: 0 } } },
    });
    try {
      expect((await fetch(urlOf(gateway, '/metrics'))).status).toBe(404);
      const metricsUrl = gateway.gateway.metricsUrl;
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(metricsUrl).not.toContain(`:${gateway.gateway.port}/`);
      const response = await fetch(metricsUrl);
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/# TYPE /);
    } finally {
      await gateway.close();
    }
  });
});

describe('figway serve in production', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'figway-production-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  const production = () => ({
    NODE_ENV: 'production',
    PORT: '0',
    FIGWAY_DATA_DIR: dataDir,
    SUPABASE_DB_URL: TEST_POSTGRES_URL,
    SUPABASE_JWT_SECRET: 'a-jwt-secret-for-the-production-test-40c',
    SUPABASE_JWT_ISSUER: 'http://127.0.0.1:54321/auth/v1',
    FIGWAY_SHADOW_SALT: 'a-secret-salt-for-the-test',
  });

  it('refuses to start without FIGWAY_SHADOW_SALT, naming it', async () => {
    const result = await serveUntilExit({ ...production(), FIGWAY_SHADOW_SALT: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/FIGWAY_SHADOW_SALT/);
  });

  it('refuses to start when the token issuer is unknown, naming SUPABASE_JWT_ISSUER', async () => {
    const result = await serveUntilExit({ ...production(), SUPABASE_JWT_ISSUER: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SUPABASE_JWT_ISSUER/);
  });
});
