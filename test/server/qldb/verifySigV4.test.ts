import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { type SignedRequest, type SigV4Verdict, verifySigV4 } from '../../../src/server/qldb/verifySigV4.ts';

const KEYS = new Map([
  ['AKIDFIGWAYLEDGER', 'secret-of-the-ledger-key'],
  ['AKIDREPORTING', 'secret-of-the-reporting-key'],
]);
const SIGNED_AT = new Date('2025-03-14T12:00:00Z');
const MINUTE = 60_000;
const SEND_COMMAND = JSON.stringify({ StartSession: { LedgerName: 'x' } });

interface SignOptions {
  accessKeyId?: string;
  secret?: string;
  service?: string;
  path?: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
  signingDate?: Date;
  applyChecksum?: boolean;
  unsignableHeaders?: Set<string>;
}

/** Percent-encodes a query component as the SDK's node:http handler sends it. */
function escapeUri(value: string) {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function queryString(query: Record<string, string | string[]>) {
  const pairs = Object.keys(query)
    .sort()
    .flatMap((name) => [query[name] ?? []].flat().map((value) => `${escapeUri(name)}=${escapeUri(value)}`));
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

/** Signs a request with the SDK's own SigV4 signer and returns it as node:http would receive it. */
async function signed(options: SignOptions = {}): Promise<SignedRequest> {
  const body = options.body ?? SEND_COMMAND;
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: options.accessKeyId ?? 'AKIDFIGWAYLEDGER',
      secretAccessKey: options.secret ?? 'secret-of-the-ledger-key',
    },
    region: 'eu-central-1',
    service: options.service ?? 'qldb',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: options.applyChecksum ?? true,
  });
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 8080,
    path: options.path ?? '/',
    query: options.query ?? {},
    headers: {
      host: '127.0.0.1:8080',
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'QLDBSession.SendCommand',
      'content-length': String(Buffer.byteLength(body)),
      ...options.headers,
    },
    body,
  });
  const result = await signer.sign(request, {
    signingDate: options.signingDate ?? SIGNED_AT,
    ...(options.unsignableHeaders ? { unsignableHeaders: options.unsignableHeaders } : {}),
  });
  const headers = Object.fromEntries(Object.entries(result.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method: result.method,
    path: `${result.path}${queryString(options.query ?? {})}`,
    headers,
    body: Buffer.from(body),
  };
}

function refusal(verdict: SigV4Verdict) {
  if (verdict.ok) throw new Error(`expected a refusal, got access key ${verdict.accessKeyId}`);
  expect(verdict.reason).not.toMatch(/secret-of/);
  return verdict;
}

function withHeader(request: SignedRequest, name: string, value: string | undefined): SignedRequest {
  return { ...request, headers: { ...request.headers, [name]: value } };
}

function authorizationOf(request: SignedRequest): string {
  return String(request.headers.authorization);
}

describe('verifySigV4 accepts what the SDK signs', () => {
  it('accepts an AWS JSON 1.0 SendCommand signed with a known key', async () => {
    const verdict = verifySigV4(await signed(), KEYS, SIGNED_AT);
    expect(verdict).toEqual({ ok: true, accessKeyId: 'AKIDFIGWAYLEDGER' });
  });

  it('accepts a restJson1 path with an encoded ledger name and a query string', async () => {
    const request = await signed({
      accessKeyId: 'AKIDREPORTING',
      secret: 'secret-of-the-reporting-key',
      path: '/ledgers/my%20ledger%2Bv2/digest',
      query: { next_token: 'a/b c+d', max_results: '5', tag: ['z', 'a'] },
      body: '',
    });
    expect(request.path).toContain('?max_results=5&next_token=a%2Fb%20c%2Bd&tag=z&tag=a');
    expect(verifySigV4(request, KEYS, SIGNED_AT)).toEqual({ ok: true, accessKeyId: 'AKIDREPORTING' });
  });

  it('accepts a request without x-amz-content-sha256 by hashing the body', async () => {
    const request = await signed({ applyChecksum: false });
    expect(request.headers['x-amz-content-sha256']).toBeUndefined();
    expect(verifySigV4(request, KEYS, SIGNED_AT).ok).toBe(true);
  });

  it('accepts signed header values with runs of inner whitespace', async () => {
    const request = await signed({ headers: { 'x-amz-meta-note': '  two   spaced\twords ' } });
    expect(verifySigV4(request, KEYS, SIGNED_AT).ok).toBe(true);
  });

  it('accepts a request exactly 15 minutes old or ahead', async () => {
    const request = await signed();
    expect(verifySigV4(request, KEYS, new Date(SIGNED_AT.getTime() + 15 * MINUTE)).ok).toBe(true);
    expect(verifySigV4(request, KEYS, new Date(SIGNED_AT.getTime() - 15 * MINUTE)).ok).toBe(true);
  });
});

describe('verifySigV4 refuses', () => {
  it('refuses a signature made with the wrong secret', async () => {
    const verdict = refusal(verifySigV4(await signed({ secret: 'not-the-secret' }), KEYS, SIGNED_AT));
    expect(verdict).toMatchObject({
      errorType: 'InvalidSignatureException',
      reason: expect.stringMatching(/signature does not match/),
    });
  });

  it('refuses an access key id it does not know', async () => {
    const verdict = refusal(verifySigV4(await signed({ accessKeyId: 'AKIDSTRANGER' }), KEYS, SIGNED_AT));
    expect(verdict).toMatchObject({
      errorType: 'UnrecognizedClientException',
      reason: expect.stringMatching(/access key id/),
    });
  });

  it('refuses a changed body byte, whether or not x-amz-content-sha256 was sent', async () => {
    for (const applyChecksum of [true, false]) {
      const request = await signed({ applyChecksum });
      const body = Buffer.from(request.body);
      body[body.length - 2] = 0x20;
      const verdict = refusal(verifySigV4({ ...request, body }, KEYS, SIGNED_AT));
      const reason = applyChecksum ? /x-amz-content-sha256 does not match/ : /signature does not match/;
      expect(verdict).toMatchObject({
        errorType: 'InvalidSignatureException',
        reason: expect.stringMatching(reason),
      });
    }
  });

  it('refuses a changed signed header, method or path', async () => {
    const request = await signed();
    const changed: SignedRequest[] = [
      withHeader(request, 'x-amz-target', 'QLDBSession.SendCommands'),
      { ...request, method: 'PUT' },
      { ...request, path: '/ledgers' },
    ];
    for (const request of changed) {
      expect(refusal(verifySigV4(request, KEYS, SIGNED_AT)).reason).toMatch(/signature does not match/);
    }
  });

  it('refuses a request 16 minutes old or 16 minutes ahead', async () => {
    const request = await signed();
    const late = refusal(verifySigV4(request, KEYS, new Date(SIGNED_AT.getTime() + 16 * MINUTE)));
    expect(late).toMatchObject({
      errorType: 'InvalidSignatureException',
      reason: expect.stringMatching(/Signature expired/),
    });
    const early = refusal(verifySigV4(request, KEYS, new Date(SIGNED_AT.getTime() - 16 * MINUTE)));
    expect(early.reason).toMatch(/not yet current/);
  });

  it('refuses a scope date that does not match x-amz-date', async () => {
    const request = await signed({ signingDate: new Date('2025-03-14T23:59:50Z') });
    const nextDay = withHeader(request, 'x-amz-date', '20250315T000005Z');
    const verdict = refusal(verifySigV4(nextDay, KEYS, new Date('2025-03-15T00:00:05Z')));
    expect(verdict.reason).toMatch(/scope date does not match x-amz-date/);
  });

  it('refuses a request without Authorization', async () => {
    const request = withHeader(await signed(), 'authorization', undefined);
    const verdict = refusal(verifySigV4(request, KEYS, SIGNED_AT));
    expect(verdict).toMatchObject({ errorType: 'MissingAuthenticationTokenException' });
  });

  it.each([
    [
      'another scheme',
      (auth: string) => auth.replace('AWS4-HMAC-SHA256', 'Bearer'),
      /must use AWS4-HMAC-SHA256/,
    ],
    ['no Signature', (auth: string) => auth.replace(/, Signature=.*/, ''), /has no Signature/],
    ['a part twice', (auth: string) => `${auth}, Signature=${'0'.repeat(64)}`, /malformed/],
    ['an unknown part', (auth: string) => `${auth}, Extra=1`, /unknown parts/],
    ['a short Credential', (auth: string) => auth.replace('/eu-central-1', ''), /Credential must be/],
    ['a bad scope date', (auth: string) => auth.replace('/20250314/', '/2025-03-14/'), /yyyymmdd/],
    [
      'a non-hex Signature',
      (auth: string) => auth.replace(/Signature=\w{4}/, 'Signature=zzzz'),
      /64 lower-case hex/,
    ],
    [
      'unsorted SignedHeaders',
      (auth: string) => auth.replace('SignedHeaders=', 'SignedHeaders=x-z;'),
      /sorted/,
    ],
  ])('refuses an Authorization with %s', async (_, change, reason) => {
    const request = await signed();
    const verdict = refusal(
      verifySigV4(withHeader(request, 'authorization', change(authorizationOf(request))), KEYS, SIGNED_AT),
    );
    expect(verdict).toMatchObject({
      errorType: 'IncompleteSignatureException',
      reason: expect.stringMatching(reason),
    });
  });

  it('refuses a signature for another service', async () => {
    const verdict = refusal(verifySigV4(await signed({ service: 'dynamodb' }), KEYS, SIGNED_AT));
    expect(verdict.reason).toMatch(/service qldb/);
  });

  it('refuses when host or x-amz-date is not signed', async () => {
    const hostless = await signed({ unsignableHeaders: new Set(['host']) });
    expect(authorizationOf(hostless)).not.toMatch(/SignedHeaders=[^,]*host/);
    expect(refusal(verifySigV4(hostless, KEYS, SIGNED_AT)).reason).toMatch(/host must be among/);
    const request = await signed();
    const dateless = authorizationOf(request).replace(';x-amz-date', '');
    const verdict = refusal(verifySigV4(withHeader(request, 'authorization', dateless), KEYS, SIGNED_AT));
    expect(verdict.reason).toMatch(/x-amz-date must be among/);
  });

  it('refuses a missing x-amz-date or a signed header that was not sent', async () => {
    const request = await signed({ headers: { 'x-amz-meta-note': 'n' } });
    const undated = refusal(verifySigV4(withHeader(request, 'x-amz-date', undefined), KEYS, SIGNED_AT));
    expect(undated.reason).toMatch(/needs an x-amz-date/);
    const stripped = refusal(verifySigV4(withHeader(request, 'x-amz-meta-note', undefined), KEYS, SIGNED_AT));
    expect(stripped.reason).toMatch(/signed header x-amz-meta-note is missing/);
  });

  it('refuses an unsigned payload', async () => {
    const request = await signed({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect(refusal(verifySigV4(request, KEYS, SIGNED_AT)).reason).toMatch(/payload must be signed/);
  });

  it('refuses a query string with a stray %', async () => {
    const request = { ...(await signed()), path: '/?a=%zz' };
    expect(refusal(verifySigV4(request, KEYS, SIGNED_AT)).reason).toMatch(/query string/);
  });
});
