import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { demoUser } from '../../harness/testGateway.ts';
import { resolvers } from '../../resolvers/index.ts';
import { EMBEDDED_JWT_ISSUER } from '../../src/config.ts';
import { createGatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { createRouting, type Routing } from '../../src/routing/createRouting.ts';
import { FLAGS_DIR, readDefinitions, writeDefinitions } from '../../src/routing/flagFiles.ts';
import { migratedUnits } from '../../src/routing/migrate.ts';
import type { AdminRoutes } from '../../src/server/adminRoutes.ts';
import type { GatewayApp } from '../../src/server/gatewayApp.ts';
import { KEYS_UNAVAILABLE } from '../../src/server/graphqlWebSocket.ts';
import { createShadowPageRoutes } from '../../src/server/shadowPageRoutes.ts';
import {
  createSigningKeysOutageLog,
  KEYS_UNAVAILABLE_MESSAGE,
} from '../../src/server/signingKeysOutageLog.ts';
import { type Gateway, startGateway } from '../../src/server/startGateway.ts';
import { createSyncRoutes } from '../../src/server/syncRoutes.ts';
import { createBearerVerifier, SigningKeysUnavailableError } from '../../src/server/verifyBearer.ts';
import { type CapturedLogs, captureLogs, LEVEL } from '../support/capturedLogs.ts';
import { closedPort } from '../support/closedPort.ts';
import { wsOperation, wsUrlOf } from '../support/wsClient.ts';

const APP: GatewayApp = {
  schema: buildSchema('type Query { ok: Boolean }'),
  version: 'signing-keys-test',
  createContext: (viewer, router) => ({ viewer, router }),
};

type Jwk = Record<string, unknown>;

/** Serves `body(jwk)` as JSON at every path, `jwk` being the public key of `privateKey` (kid k1). */
async function serveJson(body: (jwk: Jwk) => unknown) {
  const pair = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const server: Server = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body(jwk)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/v1/.well-known/jwks.json`,
    privateKey: pair.privateKey,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** An ES256 user token for alice, signed with `privateKey` under key id `kid`. */
function aliceToken(privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'], kid = 'k1') {
  return new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setSubject(demoUser('alice').id)
    .setAudience('authenticated')
    .setIssuer(EMBEDDED_JWT_ISSUER)
    .setExpirationTime('1h')
    .sign(privateKey);
}

async function rejectionOf(promise: Promise<unknown>) {
  return promise.then(
    () => {
      throw new Error('the token was accepted');
    },
    (error: unknown) => error as { extensions: { code: string }; message: string; cause?: unknown },
  );
}

describe('a JWKS that answers', () => {
  let jwks: Awaited<ReturnType<typeof serveJson>>;
  beforeAll(async () => {
    jwks = await serveJson((jwk) => ({ keys: [jwk] }));
  });
  afterAll(() => jwks.close());

  it('still refuses bad tokens with UNAUTHENTICATED: malformed, unknown key, wrong signature', async () => {
    const verify = createBearerVerifier({ kind: 'jwks', url: jwks.url }, undefined, { cache: null });
    const other = await generateKeyPair('ES256');
    const forged = await aliceToken(other.privateKey);
    const unknownKid = await aliceToken(jwks.privateKey, 'k9');
    for (const token of ['not-a-jwt', forged, unknownKid]) {
      const error = await rejectionOf(verify(`Bearer ${token}`));
      expect(error.extensions.code, token).toBe('UNAUTHENTICATED');
    }
    await expect(verify(`Bearer ${await aliceToken(jwks.privateKey)}`)).resolves.toMatchObject({
      kind: 'user',
    });
  });
});

describe.each([
  {
    name: 'on a closed port',
    start: async () => ({ url: `http://127.0.0.1:${await closedPort()}/jwks.json` }),
  },
  { name: 'answering JSON that is not a key set', start: () => serveJson(() => ({ hello: 'world' })) },
  {
    name: 'answering a key set whose key will not import',
    start: () =>
      serveJson(({ kid }) => ({ keys: [{ kid, kty: 'EC', crv: 'P-256', alg: 'ES256', x: 'AA' }] })),
  },
])('a JWKS $name', ({ start }) => {
  let jwks: { url: string; close?: () => Promise<unknown> };
  let token: string;
  let gateway: Gateway;
  let logs: CapturedLogs;
  let flagsDir: string;
  let routing: Routing;
  // The outage log's monotonic clock: it moves only when a test moves it.
  let now = 0;

  beforeAll(async () => {
    jwks = await start();
    token = await aliceToken((await generateKeyPair('ES256')).privateKey);
    logs = captureLogs('debug');
    flagsDir = await mkdtemp(join(tmpdir(), 'figway-jwks-'));
    const flagsPath = join(flagsDir, 'flags.json');
    await writeDefinitions(flagsPath, await readDefinitions(join(FLAGS_DIR, 'definitions.json')));
    const metrics = createGatewayMetrics();
    routing = await createRouting({
      flags: { kind: 'file', path: flagsPath, pollMs: 1000 },
      resolverUnits: migratedUnits(resolvers),
      targetsAvailable: false,
      metrics,
      logger: logs.logger,
    });
    const verifyBearer = createBearerVerifier({ kind: 'jwks', url: jwks.url }, undefined, {
      cache: null,
      keysOutage: createSigningKeysOutageLog({ logger: logs.logger, url: jwks.url, clock: () => now }),
    });
    const page = createShadowPageRoutes({ development: false, verifyBearer });
    const unreached = async (): Promise<never> => {
      throw new Error('the token is checked first');
    };
    const sync = createSyncRoutes({ status: unreached, retry: unreached }, verifyBearer);
    const admin: AdminRoutes = async (request, response, pathname) =>
      (await page(request, response, pathname)) || sync(request, response, pathname);
    gateway = await startGateway({
      app: APP,
      host: '127.0.0.1',
      port: 0,
      development: false,
      maxBodyBytes: 1_048_576,
      routing,
      metrics,
      health: {},
      verifyBearer,
      admin,
      logger: logs.logger,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await routing?.close();
    await jwks?.close?.();
    await rm(flagsDir, { recursive: true, force: true });
  });

  // Each answer's own line, at debug: the outage itself is logged once, rate limited.
  const loggedOutage = () =>
    logs.waitFor(
      (line) => line.level === LEVEL.debug && line.code === 'BACKEND_UNAVAILABLE' && line.err !== undefined,
    );
  const outageLines = () => logs.lines.filter((line) => line.msg === KEYS_UNAVAILABLE_MESSAGE);

  it('makes the verifier throw BACKEND_UNAVAILABLE with the cause, not a verdict on the token', async () => {
    const verify = createBearerVerifier({ kind: 'jwks', url: jwks.url }, undefined, { cache: null });
    const error = await rejectionOf(verify(`Bearer ${token}`));
    expect(error).toBeInstanceOf(SigningKeysUnavailableError);
    expect(error.extensions.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toMatch(/SUPABASE_JWKS_URL/);
    expect(error.cause).toBeDefined();
  });

  it('logs the outage once however many requests fail, then once per interval with how many were left out', async () => {
    logs.lines.length = 0;
    const origin = new URL(gateway.url).origin;
    const headers = { authorization: `Bearer ${token}` };
    const statusOf = async (answer: Promise<Response>) => {
      const response = await answer;
      await response.arrayBuffer();
      return response.status;
    };
    const query = () =>
      statusOf(
        fetch(gateway.url, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ ok }' }),
        }),
      );
    const statuses = await Promise.all([
      ...Array.from({ length: 20 }, query),
      ...Array.from({ length: 10 }, () => statusOf(fetch(`${origin}/admin/sync/status`, { headers }))),
      ...Array.from({ length: 10 }, () => statusOf(fetch(`${origin}/healthz`, { headers }))),
    ]);
    expect(statuses).toEqual([...Array(30).fill(503), ...Array(10).fill(200)]);
    const sockets = await Promise.all(
      Array.from({ length: 5 }, () => wsOperation(gateway.url, '{ ok }', `Bearer ${token}`)),
    );
    expect(sockets).toEqual(Array(5).fill(expect.objectContaining({ code: KEYS_UNAVAILABLE.code })));
    expect(logs.lines.filter((line) => line.level >= LEVEL.warn)).toEqual([
      expect.objectContaining({
        level: LEVEL.error,
        msg: KEYS_UNAVAILABLE_MESSAGE,
        code: 'BACKEND_UNAVAILABLE',
        url: jwks.url,
        err: expect.anything(),
        failures: 1,
        suppressed: 0,
      }),
    ]);

    now += 10_000;
    expect(await query()).toBe(503);
    const [, summary] = outageLines();
    expect(outageLines()).toHaveLength(2);
    // Every failure since the first line, but this one, was left out.
    expect(summary).toMatchObject({ level: LEVEL.error, suppressed: Number(summary?.failures) - 2 });
    expect(Number(summary?.failures)).toBeGreaterThanOrEqual(46);
  });

  it('answers a query with a token 503 BACKEND_UNAVAILABLE; anonymous ones still run', async () => {
    logs.lines.length = 0;
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ ok }' }),
    });
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      errors: Array<{ message: string; extensions: { code: string } }>;
    };
    expect(body.errors.map((error) => error.extensions.code)).toEqual(['BACKEND_UNAVAILABLE']);
    expect(body.errors[0]?.message).toMatch(/could not be checked/);
    const anonymous = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ ok }' }),
    });
    expect(anonymous.status).toBe(200);
  });

  it('closes a WebSocket with a token with 1013 (try again later); anonymous ones are served', async () => {
    logs.lines.length = 0;
    const socket = new WebSocket(wsUrlOf(gateway.url), 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    expect(await closed).toBe(KEYS_UNAVAILABLE.code);
    await loggedOutage();
    expect(await wsOperation(gateway.url, '{ ok }')).toEqual({
      kind: 'completed',
      results: [{ data: { ok: null } }],
    });
  });

  it('answers the admin routes 503 BACKEND_UNAVAILABLE, not 401', async () => {
    const origin = new URL(gateway.url).origin;
    for (const path of ['/admin/shadow', '/admin/sync/status']) {
      logs.lines.length = 0;
      const response = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status, path).toBe(503);
      expect(await response.json()).toMatchObject({ error: { code: 'BACKEND_UNAVAILABLE' } });
      await loggedOutage();
    }
  });

  it('answers /healthz with the public report', async () => {
    logs.lines.length = 0;
    const origin = new URL(gateway.url).origin;
    const response = await fetch(`${origin}/healthz`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    await logs.waitFor((line) => line.level === LEVEL.debug && /could not be checked/.test(String(line.msg)));
  });
});
