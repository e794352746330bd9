import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser } from '../../harness/testGateway.ts';
import { EMBEDDED_JWT_ISSUER } from '../../src/config.ts';
import {
  createSigningKeysOutageLog,
  KEYS_AVAILABLE_AGAIN_MESSAGE,
  KEYS_UNAVAILABLE_MESSAGE,
} from '../../src/server/signingKeysOutageLog.ts';
import { createBearerVerifier, SigningKeysUnavailableError } from '../../src/server/verifyBearer.ts';
import { captureLogs, LEVEL } from '../support/capturedLogs.ts';

describe('a bearer verifier whose JWKS goes down and comes back', () => {
  let server: Server;
  let url: string;
  let token: string;
  let down = true;
  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_, response) => {
      response.writeHead(down ? 503 : 200, { 'content-type': 'application/json' });
      response.end(down ? '{"error":"down"}' : JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/v1/.well-known/jwks.json`;
    token = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject(demoUser('alice').id)
      .setAudience('authenticated')
      .setIssuer(EMBEDDED_JWT_ISSUER)
      .setExpirationTime('1h')
      .sign(pair.privateKey);
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('logs the first failure, leaves out the rest within the interval, and logs the end with the count', async () => {
    const logs = captureLogs('info');
    const verify = createBearerVerifier({ kind: 'jwks', url }, undefined, {
      cache: null,
      keysOutage: createSigningKeysOutageLog({ logger: logs.logger, url, clock: () => 0 }),
    });
    const failures = await Promise.all(
      Array.from({ length: 20 }, () =>
        verify(`Bearer ${token}`).then(
          () => null,
          (error: unknown) => error,
        ),
      ),
    );
    for (const failure of failures) expect(failure).toBeInstanceOf(SigningKeysUnavailableError);
    expect(logs.lines).toEqual([
      expect.objectContaining({
        level: LEVEL.error,
        msg: KEYS_UNAVAILABLE_MESSAGE,
        backend: 'jwks',
        url,
        failures: 1,
        suppressed: 0,
      }),
    ]);

    down = false;
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({ kind: 'user' });
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({ kind: 'user' });
    expect(logs.lines.slice(1)).toEqual([
      expect.objectContaining({
        level: LEVEL.info,
        msg: KEYS_AVAILABLE_AGAIN_MESSAGE,
        url,
        failures: 20,
        suppressed: 19,
      }),
    ]);
  });
});

describe('createSigningKeysOutageLog', () => {
  it('logs a new outage at once, however soon after the last one ended', () => {
    const logs = captureLogs('info');
    let now = 0;
    const outage = createSigningKeysOutageLog({
      logger: logs.logger,
      url: 'http://jwks.test/keys',
      intervalMs: 10_000,
      clock: () => now,
    });
    outage.failed(new Error('refused'));
    outage.failed(new Error('refused'));
    now = 1_000;
    outage.available();
    outage.available();
    now = 2_000;
    outage.failed(new Error('timed out'));
    expect(logs.lines.map(({ msg, failures, suppressed }) => ({ msg, failures, suppressed }))).toEqual([
      { msg: KEYS_UNAVAILABLE_MESSAGE, failures: 1, suppressed: 0 },
      { msg: KEYS_AVAILABLE_AGAIN_MESSAGE, failures: 2, suppressed: 1 },
      { msg: KEYS_UNAVAILABLE_MESSAGE, failures: 1, suppressed: 0 },
    ]);
    expect(logs.lines[1]).toMatchObject({ durationMs: 1_000 });
  });
});
