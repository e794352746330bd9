import { SignJWT } from 'jose';
import type { DemoUser } from '../backends/supabase/seed/demoUsers.ts';

/** Options for {@link signSupabaseToken}. */
export interface SignOptions {
  /** Lifetime in seconds. @default 3600 */
  ttlSeconds?: number;
  /** Issue time; tests pass a fixed clock. @default now */
  now?: Date;
}

/**
 * Signs an HS256 JWT shaped like the access tokens Supabase Auth issues for
 * `user`: `sub`, `email`, `role`, `aud`, and `app_metadata.cohort`.
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
    .setAudience('authenticated')
    .setIssuer('figway-embedded')
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (options.ttlSeconds ?? 3600))
    .sign(new TextEncoder().encode(secret));
}

/** Signs the anon key: a JWT with `role: anon`, as a Supabase project's anon key is. */
export async function signAnonKey(secret: string) {
  return new SignJWT({ role: 'anon' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('figway-embedded')
    .setIssuedAt()
    .sign(new TextEncoder().encode(secret));
}
