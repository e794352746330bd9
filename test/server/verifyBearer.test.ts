import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser } from '../../harness/testGateway.ts';
import { EMBEDDED_JWT_ISSUER } from '../../src/config.ts';
import { signAnonKey, signSupabaseToken } from '../../src/server/signToken.ts';
import { createBearerVerifier } from '../../src/server/verifyBearer.ts';

const SECRET = 'a-test-secret-that-is-at-least-32-characters';
const verify = createBearerVerifier({ kind: 'secret', secret: SECRET });
const key = new TextEncoder().encode(SECRET);

function base64url(value: unknown) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs a token with the given claims; `undefined` leaves a claim out. Defaults: alice's user token. */
async function userToken(claims: {
  role?: string;
  sub?: string | undefined;
  iss?: string | undefined;
  aud?: string | undefined;
  ttl?: number;
}) {
  const { role = 'authenticated', ttl = 3600 } = claims;
  const sub = 'sub' in claims ? claims.sub : demoUser('alice').id;
  const iss = 'iss' in claims ? claims.iss : EMBEDDED_JWT_ISSUER;
  const aud = 'aud' in claims ? claims.aud : 'authenticated';
  const jwt = new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttl);
  if (sub !== undefined) jwt.setSubject(sub);
  if (iss !== undefined) jwt.setIssuer(iss);
  if (aud !== undefined) jwt.setAudience(aud);
  return jwt.sign(key);
}

async function rejection(authorization: string) {
  const error = await verify(authorization).then(
    () => null,
    (caught: unknown) => caught as { extensions: { code: string }; message: string },
  );
  expect(error).not.toBeNull();
  return error;
}

describe('createBearerVerifier with a shared secret', () => {
  it('treats a missing header as the anonymous viewer', async () => {
    await expect(verify(undefined)).resolves.toEqual({ kind: 'anonymous' });
  });

  it('puts sub, email and app_metadata.cohort of a valid token into the viewer', async () => {
    const token = await signSupabaseToken(demoUser('carol'), SECRET);
    const viewer = await verify(`Bearer ${token}`);
    expect(viewer).toMatchObject({
      kind: 'user',
      id: demoUser('carol').id,
      email: 'carol@example.com',
      cohort: 'beta',
      token,
    });
  });

  it('recognizes a service_role token', async () => {
    const token = await signSupabaseToken(demoUser('admin'), SECRET);
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({
      kind: 'service',
      id: demoUser('admin').id,
    });
  });

  it('rejects an expired token', async () => {
    const token = await signSupabaseToken(demoUser('alice'), SECRET, {
      now: new Date(Date.now() - 7200_000),
    });
    const error = await rejection(`Bearer ${token}`);
    expect(error?.extensions.code).toBe('UNAUTHENTICATED');
    expect(error?.message).toMatch(/expired/);
  });

  it('rejects a token signed with another secret', async () => {
    const token = await signSupabaseToken(demoUser('alice'), 'another-secret-that-is-32-characters-long');
    expect((await rejection(`Bearer ${token}`))?.message).toMatch(/signature/);
  });

  it('rejects an unsigned alg:none token', async () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: demoUser('alice').id, role: 'authenticated' })}.`;
    expect((await rejection(`Bearer ${token}`))?.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('rejects malformed tokens and headers', async () => {
    for (const header of ['Bearer not.a.jwt', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer a b']) {
      expect((await rejection(header))?.extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('rejects a role claim that is not a Supabase API role', async () => {
    const token = await new SignJWT({ role: 'postgres' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(demoUser('alice').id)
      .setExpirationTime('1h')
      .sign(key);
    expect((await rejection(`Bearer ${token}`))?.message).toMatch(/role claim/);
  });

  it('rejects a token without an expiry', async () => {
    const token = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(demoUser('alice').id)
      .setAudience('authenticated')
      .setIssuer(EMBEDDED_JWT_ISSUER)
      .sign(key);
    const error = await rejection(`Bearer ${token}`);
    expect(error?.extensions.code).toBe('UNAUTHENTICATED');
    expect(error?.message).toMatch(/exp/);
  });

  it('rejects a non-UUID subject before it can reach the database', async () => {
    for (const role of ['authenticated', 'service_role']) {
      const token = await userToken({ role, sub: 'alice' });
      const error = await rejection(`Bearer ${token}`);
      expect(error?.extensions.code).toBe('UNAUTHENTICATED');
      expect(error?.message).toMatch(/sub claim must be a UUID/);
    }
  });

  it('verifies the anon key it signs, which carries an expiry like Supabase keys do', async () => {
    await expect(verify(`Bearer ${await signAnonKey(SECRET)}`)).resolves.toEqual({ kind: 'anonymous' });
  });

  it('rejects an authenticated token without a subject', async () => {
    const token = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(key);
    expect((await rejection(`Bearer ${token}`))?.message).toMatch(/sub/);
  });
});

describe('createBearerVerifier with the audience and issuer of a Supabase project', () => {
  const ISSUER = 'https://abcdefghijklmnop.supabase.co/auth/v1';
  const project = createBearerVerifier(
    { kind: 'secret', secret: SECRET },
    { audience: 'authenticated', issuer: ISSUER },
  );
  const reasonOf = (token: string) =>
    project(`Bearer ${token}`).then(
      () => 'accepted',
      (error: unknown) => (error as Error).message,
    );

  it('accepts a user token Supabase Auth issued', async () => {
    const token = await userToken({ iss: ISSUER });
    await expect(project(`Bearer ${token}`)).resolves.toMatchObject({
      kind: 'user',
      id: demoUser('alice').id,
    });
  });

  it('refuses a user token from another issuer, naming the claim', async () => {
    expect(await reasonOf(await userToken({ iss: 'https://other.supabase.co/auth/v1' }))).toMatch(/iss/);
    expect(await reasonOf(await userToken({ iss: 'supabase' }))).toMatch(/iss/);
    expect(await reasonOf(await userToken({ iss: undefined }))).toMatch(/iss/);
  });

  it('refuses a user token for another audience or none, naming the claim', async () => {
    expect(await reasonOf(await userToken({ iss: ISSUER, aud: 'storage' }))).toMatch(/aud/);
    expect(await reasonOf(await userToken({ iss: ISSUER, aud: undefined }))).toMatch(/aud/);
  });

  it('accepts the anon and service_role API keys, which Supabase issues as "supabase" without an audience', async () => {
    const key = (role: string) =>
      userToken({ role, iss: 'supabase', aud: undefined, sub: undefined, ttl: 315_360_000 });
    await expect(project(`Bearer ${await key('anon')}`)).resolves.toEqual({ kind: 'anonymous' });
    await expect(project(`Bearer ${await key('service_role')}`)).resolves.toMatchObject({
      kind: 'service',
      id: null,
    });
  });

  it('refuses an API key from a foreign issuer or for another audience', async () => {
    const base = { role: 'service_role', sub: undefined };
    expect(await reasonOf(await userToken({ ...base, iss: 'someone-else', aud: undefined }))).toMatch(/iss/);
    expect(await reasonOf(await userToken({ ...base, iss: 'supabase', aud: 'storage' }))).toMatch(/aud/);
  });

  it('accepts what signSupabaseToken signs with the same audience and issuer', async () => {
    const token = await signSupabaseToken(demoUser('bob'), SECRET, {
      issuer: ISSUER,
      audience: 'authenticated',
    });
    await expect(project(`Bearer ${token}`)).resolves.toMatchObject({ kind: 'user', id: demoUser('bob').id });
    expect(await reasonOf(await signSupabaseToken(demoUser('bob'), SECRET))).toMatch(/iss/);
  });
});

describe('createBearerVerifier with a JWKS URL', () => {
  let url: string;
  let close: () => void;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const server = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/v1/.well-known/jwks.json`;
    close = () => server.close();
  });
  afterAll(() => close());

  it('accepts a token signed by a key of the set and refuses an HS256 one', async () => {
    const verifyJwks = createBearerVerifier({ kind: 'jwks', url });
    const good = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject(demoUser('dave').id)
      .setAudience('authenticated')
      .setIssuer(EMBEDDED_JWT_ISSUER)
      .setExpirationTime('1h')
      .sign(privateKey);
    await expect(verifyJwks(`Bearer ${good}`)).resolves.toMatchObject({
      kind: 'user',
      id: demoUser('dave').id,
    });
    const symmetric = await signSupabaseToken(demoUser('dave'), SECRET);
    await expect(verifyJwks(`Bearer ${symmetric}`)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});
