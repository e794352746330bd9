import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { demoUser } from '../../harness/testGateway.ts';
import { EMBEDDED_JWT_ISSUER } from '../../src/config.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { createVerificationCache } from '../../src/server/verificationCache.ts';
import { createBearerVerifier } from '../../src/server/verifyBearer.ts';

const SECRET = 'a-secret-for-the-verification-cache-test';
const OTHER_SECRET = 'another-secret-for-the-cache-test-32chars';
const START = Date.UTC(2030, 0, 1);

// Every signature jose checks goes through WebCrypto's verify: counting its calls counts
// the cryptographic verifications, whatever the cache does.
let subtleVerify: MockInstance<typeof crypto.subtle.verify>;
beforeEach(() => {
  subtleVerify = vi.spyOn(crypto.subtle, 'verify');
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A verifier on its own cache and clock, and the clock's hand. */
function verifierAt(options: { maxEntries?: number; maxAgeMs?: number; secret?: string } = {}) {
  const clock = { now: START };
  const cache = createVerificationCache({
    maxEntries: options.maxEntries ?? 100,
    maxAgeMs: options.maxAgeMs ?? 60_000,
  });
  const verify = createBearerVerifier({ kind: 'secret', secret: options.secret ?? SECRET }, undefined, {
    cache,
    now: () => clock.now,
  });
  return { clock, cache, verify };
}

function aliceToken(options: { ttlSeconds?: number; secret?: string } = {}) {
  return signSupabaseToken(demoUser('alice'), options.secret ?? SECRET, {
    now: new Date(START),
    ttlSeconds: options.ttlSeconds ?? 3600,
  });
}

function messageOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (error: unknown) => (error as Error).message,
  );
}

describe('createBearerVerifier with the process-wide cache', () => {
  it('verifies a token presented twice cryptographically once, and gives each request a viewer of its own', async () => {
    const verify = createBearerVerifier({ kind: 'secret', secret: SECRET });
    const token = await signSupabaseToken(demoUser('bob'), SECRET);
    const first = await verify(`Bearer ${token}`);
    const second = await verify(`bearer  ${token}`);
    expect(subtleVerify).toHaveBeenCalledTimes(1);
    // Equal, but not the same object: per-request state keyed by the viewer stays per request.
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
    expect(second).toMatchObject({ kind: 'user', id: demoUser('bob').id, token });
  });

  it('verifies every time with cache: null', async () => {
    const verify = createBearerVerifier({ kind: 'secret', secret: SECRET }, undefined, { cache: null });
    const token = await signSupabaseToken(demoUser('bob'), SECRET);
    await verify(`Bearer ${token}`);
    await verify(`Bearer ${token}`);
    expect(subtleVerify).toHaveBeenCalledTimes(2);
  });
});

describe('createBearerVerifier: expiry of a cached token', () => {
  it('answers from the cache until the second before exp, and refuses at exp as an uncached verifier does', async () => {
    const { clock, verify } = verifierAt();
    const uncached = createBearerVerifier({ kind: 'secret', secret: SECRET }, undefined, {
      cache: null,
      now: () => clock.now,
    });
    const token = await aliceToken({ ttlSeconds: 30 });
    const exp = START + 30_000;
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({ id: demoUser('alice').id });
    clock.now = exp - 1;
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({ id: demoUser('alice').id });
    expect(subtleVerify).toHaveBeenCalledTimes(1);
    clock.now = exp;
    const refused = await messageOf(verify(`Bearer ${token}`));
    expect(refused).toMatch(/expired/);
    expect(refused).toBe(await messageOf(uncached(`Bearer ${token}`)));
  });

  it('verifies again once an entry reaches the maximum age, though the token is still valid', async () => {
    const { clock, verify } = verifierAt({ maxAgeMs: 60_000 });
    const token = await aliceToken({ ttlSeconds: 3600 });
    await verify(`Bearer ${token}`);
    clock.now = START + 59_999;
    await verify(`Bearer ${token}`);
    expect(subtleVerify).toHaveBeenCalledTimes(1);
    clock.now = START + 60_000;
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({ id: demoUser('alice').id });
    expect(subtleVerify).toHaveBeenCalledTimes(2);
  });

  it('refuses a token before its nbf, cached or not, when the clock goes back', async () => {
    const { clock, cache, verify } = verifierAt();
    const nbf = START / 1000 + 10;
    const token = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(demoUser('alice').id)
      .setAudience('authenticated')
      .setIssuer(EMBEDDED_JWT_ISSUER)
      .setNotBefore(nbf)
      .setExpirationTime(nbf + 3600)
      .sign(new TextEncoder().encode(SECRET));
    expect(await messageOf(verify(`Bearer ${token}`))).toMatch(/nbf/);
    expect(cache.size).toBe(0);
    clock.now = nbf * 1000;
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({ kind: 'user' });
    clock.now = nbf * 1000 - 1;
    expect(await messageOf(verify(`Bearer ${token}`))).toMatch(/nbf/);
  });
});

describe('createBearerVerifier: what is never cached', () => {
  it('refuses a bad signature every time, verifying it every time', async () => {
    const { cache, verify } = verifierAt();
    const forged = await aliceToken({ secret: OTHER_SECRET });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(await messageOf(verify(`Bearer ${forged}`))).toMatch(/signature/);
    }
    expect(subtleVerify).toHaveBeenCalledTimes(3);
    expect(cache.size).toBe(0);
  });

  it('keeps nothing for a signed token whose claims break the rules', async () => {
    const { cache, verify } = verifierAt();
    const token = await new SignJWT({ role: 'postgres' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(demoUser('alice').id)
      .setExpirationTime(START / 1000 + 3600)
      .sign(new TextEncoder().encode(SECRET));
    expect(await messageOf(verify(`Bearer ${token}`))).toMatch(/role claim/);
    expect(await messageOf(verify(`Bearer ${token}`))).toMatch(/role claim/);
    expect(cache.size).toBe(0);
  });

  it('tries a JWKS again after a failed fetch instead of remembering the failure', async () => {
    const pair = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    let fetches = 0;
    const server = createServer((_, response) => {
      fetches++;
      if (fetches === 1) return void response.writeHead(503).end();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const cache = createVerificationCache({ maxEntries: 10, maxAgeMs: 60_000 });
      const verify = createBearerVerifier(
        { kind: 'jwks', url: `http://127.0.0.1:${port}/jwks.json` },
        undefined,
        {
          cache,
        },
      );
      const token = await new SignJWT({ role: 'authenticated' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setSubject(demoUser('dave').id)
        .setAudience('authenticated')
        .setIssuer(EMBEDDED_JWT_ISSUER)
        .setExpirationTime('1h')
        .sign(pair.privateKey);
      // A JWKS that answers 503 is an outage, not a verdict on the token.
      await expect(verify(`Bearer ${token}`)).rejects.toMatchObject({
        extensions: { code: 'BACKEND_UNAVAILABLE' },
      });
      expect(cache.size).toBe(0);
      await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({ id: demoUser('dave').id });
      expect(fetches).toBe(2);
      expect(cache.size).toBe(1);
    } finally {
      server.close();
    }
  });
});

describe('createBearerVerifier: scopes', () => {
  it('does not let a verifier with another secret accept a token the first one cached', async () => {
    const cache = createVerificationCache({ maxEntries: 10, maxAgeMs: 60_000 });
    const now = () => START;
    const first = createBearerVerifier({ kind: 'secret', secret: SECRET }, undefined, { cache, now });
    const other = createBearerVerifier({ kind: 'secret', secret: OTHER_SECRET }, undefined, { cache, now });
    const project = createBearerVerifier(
      { kind: 'secret', secret: SECRET },
      { audience: 'authenticated', issuer: 'https://abcdefghijklmnop.supabase.co/auth/v1' },
      { cache, now },
    );
    const token = await aliceToken();
    await expect(first(`Bearer ${token}`)).resolves.toMatchObject({ id: demoUser('alice').id });
    expect(await messageOf(other(`Bearer ${token}`))).toMatch(/signature/);
    expect(await messageOf(project(`Bearer ${token}`))).toMatch(/iss/);
    expect(cache.size).toBe(1);
  });
});

describe('createBearerVerifier: the cached viewer', () => {
  it('is frozen, claims included, so one request cannot change what another sees', async () => {
    const { verify } = verifierAt();
    const token = await signSupabaseToken(demoUser('carol'), SECRET, { now: new Date(START) });
    const viewer = await verify(`Bearer ${token}`);
    if (viewer.kind !== 'user') throw new Error(`expected a user, got ${viewer.kind}`);
    expect(() => {
      viewer.claims.role = 'service_role';
    }).toThrow(TypeError);
    expect(() => {
      (viewer.claims.app_metadata as Record<string, unknown>).cohort = 'admins';
    }).toThrow(TypeError);
    expect(() => {
      viewer.cohort = 'admins';
    }).toThrow(TypeError);
    const again = await verify(`Bearer ${token}`);
    expect(again).toMatchObject({
      cohort: 'beta',
      claims: { role: 'authenticated', app_metadata: { cohort: 'beta' } },
    });
    // A request's own copy may change; the next request does not see it.
    Object.assign(again, { cohort: 'admins' });
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({ cohort: 'beta' });
  });
});

describe('createBearerVerifier: the bound', () => {
  it('keeps at most maxEntries tokens, verifying an evicted one again', async () => {
    const { cache, verify } = verifierAt({ maxEntries: 3 });
    const tokens = await Promise.all(
      [1, 2, 3, 4, 5].map((hours) => aliceToken({ ttlSeconds: hours * 3600 })),
    );
    for (const token of tokens) await verify(`Bearer ${token}`);
    expect(cache.size).toBe(3);
    expect(subtleVerify).toHaveBeenCalledTimes(5);
    await verify(`Bearer ${tokens[4]}`);
    expect(subtleVerify).toHaveBeenCalledTimes(5);
    await verify(`Bearer ${tokens[0]}`);
    expect(subtleVerify).toHaveBeenCalledTimes(6);
    expect(cache.size).toBe(3);
  });
});
