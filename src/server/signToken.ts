import { SignJWT } from 'jose';
import type { DemoUser } from '../backends/supabase/seed/demoUsers.ts';
import { EMBEDDED_TOKEN_RULES, SUPABASE_KEY_ISSUER } from './verifyBearer.ts';

/** Options for {@link signSupabaseToken}. */
export interface SignOptions {
  /** Lifetime in seconds. @default 3600 */
  ttlSeconds?: number;
  /** Issue time; tests pass a fixed clock. @default now */
  now?: Date;
  /** The `iss` claim: what the gateway's verifier expects (`SUPABASE_JWT_ISSUER`). @default "figway-embedded" */
  issuer?: string;
  /** The `aud` claim (`SUPABASE_JWT_AUDIENCE`). @default "authenticated" */
  audience?: string;
}

// Supabase's API keys are valid for ten years; the verifier requires every token to expire.
const API_KEY_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

/**
 * Signs an HS256 JWT shaped like the access tokens Supabase Auth issues for
 * `user`: `sub`, `email`, `role`, `aud`, `iss`, `exp` and `app_metadata.cohort`.
 */
export async function signSupabaseToken(user: DemoUser, secret: string, options: SignOptions = {}) {
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({
    email: user.email,
    role: user.role,
    app_metadata: { provider: 'email', cohort: user.cohort },
    user_metadata: { username: user.username },
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setAudience(options.audience ?? EMBEDDED_TOKEN_RULES.audience)
    .setIssuer(options.issuer ?? EMBEDDED_TOKEN_RULES.issuer)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (options.ttlSeconds ?? 3600))
    .sign(new TextEncoder().encode(secret));
}

/**
 * Signs the anon key as a Supabase project's anon key is: `role: anon`,
 * `iss: "supabase"`, no `aud`, and an expiry ten years away.
 */
export async function signAnonKey(secret: string) {
  const issuedAt = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'anon' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(SUPABASE_KEY_ISSUER)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + API_KEY_LIFETIME_SECONDS)
    .sign(new TextEncoder().encode(secret));
}
