import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { ANONYMOUS, type Viewer } from '../backends/viewer.ts';
import { ErrorCode, FigwayError } from '../errors.ts';

/** How Supabase JWTs are checked: a shared HS256 secret, or a JWKS URL for asymmetric keys. */
export type JwtKeySource = { kind: 'secret'; secret: string } | { kind: 'jwks'; url: string };

/** Turns an `Authorization` header into a viewer, or throws UNAUTHENTICATED. */
export type BearerVerifier = (authorization: string | undefined) => Promise<Viewer>;

const ASYMMETRIC = ['RS256', 'ES256', 'EdDSA'];

function unauthenticated(reason: string): FigwayError {
  return new FigwayError(ErrorCode.UNAUTHENTICATED, `Invalid bearer token: ${reason}.`);
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

/** Maps verified claims to a viewer; the `role` claim must name a Supabase API role. */
export function viewerFromClaims(payload: JWTPayload, token: string): Viewer {
  const claims: Record<string, unknown> = { ...payload };
  const sub = stringClaim(payload, 'sub');
  switch (payload.role) {
    case 'anon':
      return ANONYMOUS;
    case 'service_role':
      return { kind: 'service', id: sub, claims, token };
    case 'authenticated':
      if (sub === null) throw unauthenticated('an authenticated token needs a sub claim');
      return {
        kind: 'user',
        id: sub,
        email: stringClaim(payload, 'email'),
        cohort: cohortOf(payload),
        claims,
        token,
      };
    default:
      // The role becomes a PostgreSQL role; anything else (say "postgres") would escalate.
      throw unauthenticated('the role claim must be anon, authenticated or service_role');
  }
}

function keyGetter(source: JwtKeySource): JWTVerifyGetKey {
  switch (source.kind) {
    case 'secret': {
      const secret = new TextEncoder().encode(source.secret);
      return async () => secret;
    }
    case 'jwks':
      // jose caches the key set and refetches it when a token names an unknown kid.
      return createRemoteJWKSet(new URL(source.url), { timeoutDuration: 3000 });
  }
}

/**
 * Builds the verifier for Supabase JWTs. A missing header is the anonymous viewer;
 * a header that is not `Bearer <jwt>`, or a token that is malformed, expired,
 * not yet valid, wrongly signed or unsigned (`alg: none`), throws UNAUTHENTICATED.
 */
export function createBearerVerifier(source: JwtKeySource): BearerVerifier {
  const getKey = keyGetter(source);
  const algorithms = source.kind === 'secret' ? ['HS256'] : ASYMMETRIC;
  return async (authorization) => {
    if (authorization === undefined || authorization.trim() === '') return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (match?.[1] === undefined) throw unauthenticated('expected "Authorization: Bearer <jwt>"');
    const token = match[1];
    let payload: JWTPayload;
    try {
      // jose accepts only the listed algorithms, so "alg: none" never verifies.
      ({ payload } = await jwtVerify(token, getKey, { algorithms }));
    } catch (error) {
      throw unauthenticated(reasonOf(error));
    }
    return viewerFromClaims(payload, token);
  };
}

function reasonOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'it has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return 'a claim is not valid yet or not acceptable';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the signature does not match';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'its algorithm is not accepted';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'no signing key matches it';
    default:
      return 'it is not a well-formed JWT';
  }
}
