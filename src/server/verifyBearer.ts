import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { isUuid } from '../backends/connectStore.ts';
import { ANONYMOUS, type Viewer } from '../backends/viewer.ts';
import { EMBEDDED_JWT_ISSUER } from '../config.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import type { SigningKeysOutageLog } from './signingKeysOutageLog.ts';
import { keysUnavailable, SigningKeysUnavailableError } from './signingKeysUnavailableError.ts';
import {
  processVerificationCache,
  type VerificationCache,
  type VerificationScope,
} from './verificationCache.ts';

/** How Supabase JWTs are checked: a shared HS256 secret, or a JWKS URL for asymmetric keys. */
export type JwtKeySource = { kind: 'secret'; secret: string } | { kind: 'jwks'; url: string };

/**
 * What the registered claims of a token must say, as Supabase issues them: user
 * tokens carry `aud: "authenticated"` and `iss: "https://<project>.supabase.co/auth/v1"`;
 * the anon and service_role API keys carry `iss: "supabase"` and no `aud`.
 */
export interface TokenClaimRules {
  /** The `aud` user tokens must carry; an API key may carry none, but no other. */
  audience: string;
  /** The `iss` user tokens must carry; API keys may carry it or {@link SUPABASE_KEY_ISSUER}. */
  issuer: string;
}

/** The `iss` of a Supabase project's anon and service_role API keys. */
export const SUPABASE_KEY_ISSUER = 'supabase';

/** The rules of the embedded default, which {@link signSupabaseToken} follows when given no options. */
export const EMBEDDED_TOKEN_RULES: Readonly<TokenClaimRules> = {
  audience: 'authenticated',
  issuer: EMBEDDED_JWT_ISSUER,
};

/** Turns an `Authorization` header into a viewer, or throws UNAUTHENTICATED. */
export type BearerVerifier = (authorization: string | undefined) => Promise<Viewer>;

// Where callers have always found it, with the verifier that throws it.
export { SigningKeysUnavailableError };

const ASYMMETRIC = ['RS256', 'ES256', 'EdDSA'];

function unauthenticated(reason: string): FigwayError {
  return new FigwayError(ErrorCode.UNAUTHENTICATED, `Invalid bearer token: ${reason}.`);
}

// What getKey throws that is a verdict on the token: it names a key the set does not hold.
const NO_KEY_FOR_TOKEN = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS']);

// jose's verdicts on the token itself: malformed, expired, wrongly signed, a refused algorithm or header.
function isTokenVerdict(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code.startsWith('ERR_JWT_') ||
    code.startsWith('ERR_JWS_') ||
    code === 'ERR_JOSE_ALG_NOT_ALLOWED' ||
    code === 'ERR_JOSE_NOT_SUPPORTED' ||
    NO_KEY_FOR_TOKEN.has(code)
  );
}

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

function stringClaim(payload: JWTPayload, name: string): string | null {
  const value = payload[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

function cohortOf(payload: JWTPayload): string | null {
  const appMetadata = payload.app_metadata;
  if (typeof appMetadata !== 'object' || appMetadata === null) return null;
  const cohort = (appMetadata as Record<string, unknown>).cohort;
  return typeof cohort === 'string' && cohort !== '' ? cohort : null;
}

function audiences(payload: JWTPayload): string[] {
  const { aud } = payload;
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((value): value is string => typeof value === 'string') : [];
}

function checkIssuer(payload: JWTPayload, accepted: readonly string[]) {
  if (typeof payload.iss === 'string' && accepted.includes(payload.iss)) return;
  throw unauthenticated(`its issuer (iss) must be ${accepted.map((iss) => `"${iss}"`).join(' or ')}`);
}

function checkAudience(payload: JWTPayload, audience: string, optional: boolean) {
  if (optional && payload.aud === undefined) return;
  if (audiences(payload).includes(audience)) return;
  throw unauthenticated(`its audience (aud) must be "${audience}"`);
}

// The sub becomes auth.uid() and ids in queries: a non-UUID would reach the database as a cast error.
function subjectOf(payload: JWTPayload): string | null {
  const sub = stringClaim(payload, 'sub');
  if (sub !== null && !isUuid(sub))
    throw unauthenticated('its sub claim must be a UUID (a Supabase user id)');
  return sub;
}

/**
 * Maps verified claims to a viewer. The `role` claim must name a Supabase API role;
 * `iss` and `aud` must follow `rules`; a `sub` must be a UUID.
 */
export function viewerFromClaims(
  payload: JWTPayload,
  token: string,
  rules: TokenClaimRules = EMBEDDED_TOKEN_RULES,
): Viewer {
  const claims: Record<string, unknown> = { ...payload };
  switch (payload.role) {
    case 'anon':
      checkIssuer(payload, [rules.issuer, SUPABASE_KEY_ISSUER]);
      checkAudience(payload, rules.audience, true);
      return { ...ANONYMOUS };
    case 'service_role': {
      const sub = subjectOf(payload);
      checkIssuer(payload, [rules.issuer, SUPABASE_KEY_ISSUER]);
      checkAudience(payload, rules.audience, true);
      return { kind: 'service', id: sub, claims, token };
    }
    case 'authenticated': {
      const sub = subjectOf(payload);
      if (sub === null) throw unauthenticated('an authenticated token needs a sub claim');
      checkIssuer(payload, [rules.issuer]);
      checkAudience(payload, rules.audience, false);
      return {
        kind: 'user',
        id: sub,
        email: stringClaim(payload, 'email'),
        cohort: cohortOf(payload),
        claims,
        token,
      };
    }
    default:
      // The role becomes a PostgreSQL role; anything else (say "postgres") would escalate.
      throw unauthenticated('the role claim must be anon, authenticated or service_role');
  }
}

function keyGetter(source: JwtKeySource, outage: SigningKeysOutageLog | undefined): JWTVerifyGetKey {
  switch (source.kind) {
    case 'secret': {
      const secret = new TextEncoder().encode(source.secret);
      return async () => secret;
    }
    case 'jwks': {
      // jose caches the key set and refetches it when a token names an unknown kid.
      const remote = createRemoteJWKSet(new URL(source.url), { timeoutDuration: 3000 });
      // Whatever fails while the keys are fetched or read is the key set's fault, not the
      // token's (a fetch error, ERR_JWKS_TIMEOUT, ERR_JWKS_INVALID, a key that will not import).
      return async (header, token) => {
        try {
          const key = await remote(header, token);
          outage?.available();
          return key;
        } catch (error) {
          if (!NO_KEY_FOR_TOKEN.has(codeOf(error))) throw keysUnavailable(error, outage);
          outage?.available(); // the key set was read: it just lacks the token's key
          throw error;
        }
      };
    }
  }
}

/** What a verifier is built with besides its keys and claim rules. */
export interface BearerVerifierOptions {
  /**
   * Where tokens that verified are kept, so that the same token is not verified again
   * on every request. Failures are never kept. `null` verifies every token every time.
   * @default processVerificationCache (10,000 entries, 60 s at most each)
   */
  cache?: VerificationCache | null;
  /** The clock for `exp`, `nbf` and the cache, in milliseconds since the epoch. @default Date.now */
  now?: () => number;
  /**
   * Where a JWKS outage is logged: its first failure at once, then at most one line per
   * interval with the count left out, and its end (createSigningKeysOutageLog).
   * The callers that answer a {@link SigningKeysUnavailableError} log it at debug only.
   * @default none: the outage is thrown, not logged
   */
  keysOutage?: SigningKeysOutageLog;
}

// jose's default, named so that the cache's window and jose's checks cannot drift apart.
const CLOCK_TOLERANCE_SECONDS = 0;

/**
 * When jose would accept the token's time claims, in milliseconds: from `nbf` to `exp`
 * widened by the tolerance, at jose's granularity of whole seconds (it compares
 * `floor(now / 1000)` with `nbf` and `exp`).
 */
function validWindow(payload: JWTPayload, now: number) {
  const { nbf, exp } = payload;
  const validFrom = typeof nbf === 'number' ? Math.ceil(nbf - CLOCK_TOLERANCE_SECONDS) * 1000 : -Infinity;
  // exp is required, so a token without one never gets here; an empty window if it did.
  const validUntil = typeof exp === 'number' ? Math.ceil(exp + CLOCK_TOLERANCE_SECONDS) * 1000 : now;
  return { now, validFrom, validUntil };
}

/**
 * Builds the verifier for Supabase JWTs. A missing header is the anonymous viewer;
 * a header that is not `Bearer <jwt>`, or a token that is malformed, expired, has
 * no `exp`, is not yet valid, wrongly signed or unsigned (`alg: none`), breaks
 * `rules` (default: the embedded default's) or has a non-UUID `sub`, throws UNAUTHENTICATED.
 * Only such verdicts on the token are UNAUTHENTICATED: a JWKS that cannot be fetched or
 * read throws {@link SigningKeysUnavailableError} (BACKEND_UNAVAILABLE), logged with its
 * cause by `options.keysOutage`, rate limited.
 * A token that verified is answered from `options.cache`, as a new viewer whose claims are frozen, while
 * jose would still accept its `exp` and `nbf` and for no longer than the cache's maximum age.
 */
export function createBearerVerifier(
  source: JwtKeySource,
  rules: TokenClaimRules = EMBEDDED_TOKEN_RULES,
  options: BearerVerifierOptions = {},
): BearerVerifier {
  const getKey = keyGetter(source, options.keysOutage);
  const algorithms = source.kind === 'secret' ? ['HS256'] : ASYMMETRIC;
  const now = options.now ?? Date.now;
  // One scope per verifier: its secret or key set and its rules are fixed at creation.
  const cache: VerificationScope | null =
    (options.cache === undefined ? processVerificationCache : options.cache)?.scope() ?? null;
  return async (authorization) => {
    if (authorization === undefined || authorization.trim() === '') return { ...ANONYMOUS };
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (match?.[1] === undefined) throw unauthenticated('expected "Authorization: Bearer <jwt>"');
    const token = match[1];
    const at = now();
    const cached = cache?.get(token, at);
    // A viewer of its own per request: per-request state is keyed by the viewer object
    // (a remote target's batching, for one), and must never join two requests.
    if (cached !== undefined) return { ...cached };
    let payload: JWTPayload;
    try {
      // jose accepts only the listed algorithms, so "alg: none" never verifies.
      // A token without exp would be valid forever once leaked: Supabase always sets one.
      ({ payload } = await jwtVerify(token, getKey, {
        algorithms,
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(at),
      }));
    } catch (error) {
      if (isTokenVerdict(error)) throw unauthenticated(reasonOf(error));
      // No verdict on the token: with a JWKS, the keys could not be had; with a secret, a fault.
      if (error instanceof SigningKeysUnavailableError || source.kind === 'secret') throw error;
      throw keysUnavailable(error, options.keysOutage);
    }
    const viewer = viewerFromClaims(payload, token, rules);
    cache?.set(token, viewer, validWindow(payload, at));
    return viewer;
  };
}

function reasonOf(error: unknown): string {
  switch (codeOf(error)) {
    case 'ERR_JWT_EXPIRED':
      return 'it has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claimReason(error);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the signature does not match';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'its algorithm is not accepted';
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'its header asks for something that is not supported';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'no signing key matches it';
    default:
      return 'it is not a well-formed JWT';
  }
}

function claimReason(error: unknown): string {
  const { claim, reason } = error as { claim?: unknown; reason?: unknown };
  if (claim === 'exp' && reason === 'missing') return 'it has no exp claim, and an expiry is required';
  return `its ${typeof claim === 'string' ? claim : ''} claim is not valid yet or not acceptable`;
}
