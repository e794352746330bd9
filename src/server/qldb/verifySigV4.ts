import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** A request as the QLDB endpoint received it, with the raw path and node:http's lower-cased headers. */
export interface SignedRequest {
  method: string;
  /** The raw request target: the path as sent, still percent-encoded, with any query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * The AWS error type a refusal is answered with, as AWS's own endpoints name them: no
 * `Authorization` at all, one that cannot be read, an access key id nobody issued, and a
 * signature that does not hold (wrong secret, changed request, expired or future date).
 */
export type SigV4FailureType =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException';

/**
 * What {@link verifySigV4} found: the access key that signed the request, or why it is
 * refused. `reason` is safe to send to the client: it never holds a secret or the
 * signature the server expected.
 */
export type SigV4Verdict =
  | { ok: true; accessKeyId: string }
  | { ok: false; reason: string; errorType: SigV4FailureType };

/** The only SigV4 service name the endpoint accepts; the QLDB SDK clients sign as `qldb`. */
export const QLDB_SIGNING_SERVICE = 'qldb';

/** How far a request's `x-amz-date` may be from the server's clock, as AWS allows. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

interface Authorization {
  accessKeyId: string;
  scopeDate: string;
  scope: string;
  region: string;
  signedHeaders: string[];
  signature: string;
}

type Refusal = { ok: false; reason: string; errorType: SigV4FailureType };

function refuse(errorType: SigV4FailureType, reason: string): Refusal {
  return { ok: false, reason, errorType };
}

function invalid(reason: string): Refusal {
  return refuse('InvalidSignatureException', reason);
}

function headerOf(request: SignedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Splits `Credential=…, SignedHeaders=…, Signature=…` (any order) into its three parts. */
function authorizationParts(header: string): Map<string, string> | string {
  if (!header.startsWith(`${ALGORITHM} `)) return `the Authorization header must use ${ALGORITHM}`;
  const parts = new Map<string, string>();
  for (const piece of header.slice(ALGORITHM.length + 1).split(',')) {
    const equals = piece.indexOf('=');
    const name = piece.slice(0, Math.max(equals, 0)).trim();
    if (equals < 0 || parts.has(name)) return 'the Authorization header is malformed';
    parts.set(name, piece.slice(equals + 1).trim());
  }
  for (const name of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!parts.has(name)) return `the Authorization header has no ${name}`;
  }
  return parts.size === 3 ? parts : 'the Authorization header has unknown parts';
}

/** Reads the Authorization header, or says what is wrong with it. */
function parseAuthorization(header: string): Authorization | string {
  const parts = authorizationParts(header);
  if (typeof parts === 'string') return parts;
  const credential = (parts.get('Credential') ?? '').split('/');
  const [accessKeyId = '', scopeDate = '', region = '', service = '', terminator] = credential;
  if (credential.length !== 5 || terminator !== 'aws4_request' || accessKeyId === '' || region === '') {
    return 'the Credential must be <access key id>/<yyyymmdd>/<region>/qldb/aws4_request';
  }
  if (!/^\d{8}$/.test(scopeDate)) return 'the Credential scope date must be yyyymmdd';
  if (service !== QLDB_SIGNING_SERVICE)
    return `the Credential scope must name the service ${QLDB_SIGNING_SERVICE}`;
  const signedHeaders = (parts.get('SignedHeaders') ?? '').split(';');
  const sorted = signedHeaders.every((name, i) => i === 0 || (signedHeaders[i - 1] ?? '') < name);
  if (!sorted || !signedHeaders.every((name) => HEADER_NAME.test(name))) {
    return 'SignedHeaders must be distinct lower-case header names in sorted order';
  }
  const signature = parts.get('Signature') ?? '';
  if (!HEX_SHA256.test(signature)) return 'the Signature must be 64 lower-case hex digits';
  const scope = credential.slice(1).join('/');
  return { accessKeyId, scopeDate, scope, region, signedHeaders, signature };
}

/** The time an `x-amz-date` (`yyyymmddThhmmssZ`) names, or null when it is not one. */
function parseAmzDate(value: string): Date | null {
  const match = AMZ_DATE.exec(value);
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const time = Date.UTC(year ?? 0, (month ?? 0) - 1, day ?? 0, hour ?? 0, minute ?? 0, second ?? 0);
  const date = new Date(time);
  // Date.UTC rolls 20240230 over to March; a real timestamp reads back unchanged.
  return date.toISOString().replace(/[-:]|\.\d{3}/g, '') === value ? date : null;
}

/** Percent-encodes bytes as SigV4 does (RFC 3986: all but `A-Za-z0-9-._~`, upper-case hex). */
function encodeBytes(bytes: Uint8Array): string {
  let encoded = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    encoded += UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** The bytes a percent-encoded query component stands for, or null for a stray `%`. */
function decodeComponent(raw: string): Buffer | null {
  const bytes: Buffer[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '%') {
      const next = raw.indexOf('%', i);
      const end = next < 0 ? raw.length : next;
      bytes.push(Buffer.from(raw.slice(i, end), 'utf8'));
      i = end - 1;
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
    bytes.push(Buffer.from([Number.parseInt(hex, 16)]));
    i += 2;
  }
  return Buffer.concat(bytes);
}

/**
 * The canonical URI: the raw path with empty and `.` segments dropped and `..` applied,
 * each segment encoded once more. QLDB, like every AWS service but S3, signs the path
 * double-encoded: the SDK sends `/ledgers/a%20b/digest` and signs `/ledgers/a%2520b/digest`.
 */
function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(encodeBytes(Buffer.from(segment, 'utf8')));
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

/** The canonical query string: each name and value decoded, re-encoded, sorted by name then value. */
function canonicalQuery(rawQuery: string): string | null {
  const pairs: Array<[string, string]> = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const equals = piece.indexOf('=');
    const name = decodeComponent(equals < 0 ? piece : piece.slice(0, equals));
    const value = decodeComponent(equals < 0 ? '' : piece.slice(equals + 1));
    if (name === null || value === null) return null;
    const encodedName = encodeBytes(name);
    if (encodedName.toLowerCase() !== 'x-amz-signature') pairs.push([encodedName, encodeBytes(value)]);
  }
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  pairs.sort(([nameA, valueA], [nameB, valueB]) => order(nameA, nameB) || order(valueA, valueB));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** A signed header's canonical value: whitespace runs collapsed to one space, ends trimmed. */
function canonicalHeaderValue(value: string): string {
  return value.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '');
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The payload hash the signature covers, or a refusal when the client did not sign the body. */
function payloadHash(request: SignedRequest): string | Refusal {
  const bodyHash = sha256Hex(request.body);
  const declared = headerOf(request, 'x-amz-content-sha256');
  if (declared === undefined) return bodyHash;
  if (declared === 'UNSIGNED-PAYLOAD' || declared.startsWith('STREAMING-')) {
    return invalid('the payload must be signed: x-amz-content-sha256 must be its SHA-256');
  }
  if (declared !== bodyHash) {
    return invalid('x-amz-content-sha256 does not match the request body');
  }
  return bodyHash;
}

/** The signature the request should carry if `secret` signed it, as lower-case hex. */
function expectedSignature(
  request: SignedRequest,
  authorization: Authorization,
  amzDate: string,
  secret: string,
  hashOfPayload: string,
): string | Refusal {
  const queryStart = request.path.indexOf('?');
  const rawPath = queryStart < 0 ? request.path : request.path.slice(0, queryStart);
  const query = canonicalQuery(queryStart < 0 ? '' : request.path.slice(queryStart + 1));
  if (query === null) return invalid('the query string is not percent-encoded properly');
  const headerLines: string[] = [];
  for (const name of authorization.signedHeaders) {
    const value = headerOf(request, name);
    if (value === undefined) return invalid(`the signed header ${name} is missing`);
    headerLines.push(`${name}:${canonicalHeaderValue(value)}\n`);
  }
  const canonicalRequest = [
    request.method,
    canonicalUri(rawPath),
    query,
    headerLines.join(''),
    authorization.signedHeaders.join(';'),
    hashOfPayload,
  ].join('\n');
  const stringToSign = [ALGORITHM, amzDate, authorization.scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${secret}`, authorization.scopeDate);
  for (const part of [authorization.region, QLDB_SIGNING_SERVICE, 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/** Checks the request's date: present, signed, in the credential scope's day, within {@link MAX_CLOCK_SKEW_MS}. */
function checkDate(request: SignedRequest, authorization: Authorization, now: Date): string | Refusal {
  const amzDate = headerOf(request, 'x-amz-date');
  const time = amzDate === undefined ? null : parseAmzDate(amzDate);
  if (amzDate === undefined || time === null) {
    return refuse('IncompleteSignatureException', 'the request needs an x-amz-date (yyyymmddThhmmssZ)');
  }
  if (!authorization.signedHeaders.includes('x-amz-date')) {
    return invalid('x-amz-date must be among the SignedHeaders');
  }
  if (amzDate.slice(0, 8) !== authorization.scopeDate) {
    return invalid('the Credential scope date does not match x-amz-date');
  }
  const skew = time.getTime() - now.getTime();
  if (skew < -MAX_CLOCK_SKEW_MS) return invalid('Signature expired: x-amz-date is too old');
  if (skew > MAX_CLOCK_SKEW_MS) return invalid('Signature not yet current: x-amz-date is in the future');
  return amzDate;
}

/**
 * Verifies an AWS Signature Version 4 `Authorization` header against the access keys the
 * endpoint knows (id to secret), as AWS does for QLDB: any region, the service `qldb`,
 * `host` and `x-amz-date` signed, the date within 15 minutes of `now`, and a signed
 * payload whose `x-amz-content-sha256`, when sent, is the body's hash. Never throws;
 * answers a {@link SigV4Verdict}.
 */
export function verifySigV4(
  request: SignedRequest,
  keys: ReadonlyMap<string, string>,
  now: Date = new Date(),
): SigV4Verdict {
  const header = headerOf(request, 'authorization');
  if (header === undefined || header === '') {
    return refuse('MissingAuthenticationTokenException', 'the request has no Authorization header');
  }
  const authorization = parseAuthorization(header);
  if (typeof authorization === 'string') return refuse('IncompleteSignatureException', authorization);
  const secret = keys.get(authorization.accessKeyId);
  if (secret === undefined) return refuse('UnrecognizedClientException', 'the access key id is not known');
  if (!authorization.signedHeaders.includes('host')) return invalid('host must be among the SignedHeaders');
  const amzDate = checkDate(request, authorization, now);
  if (typeof amzDate !== 'string') return amzDate;
  const hashOfPayload = payloadHash(request);
  if (typeof hashOfPayload !== 'string') return hashOfPayload;
  const expected = expectedSignature(request, authorization, amzDate, secret, hashOfPayload);
  if (typeof expected !== 'string') return expected;
  const matches = timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(authorization.signature, 'hex'));
  if (!matches) {
    return invalid('the signature does not match: check the secret and what was signed');
  }
  return { ok: true, accessKeyId: authorization.accessKeyId };
}
