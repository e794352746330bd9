import { DEMO_USERS, findDemoUser } from '../backends/supabase/seed/demoUsers.ts';
import { type AuthConfig, ConfigError, loadConfig, requireJwtIssuer } from '../config.ts';
import { embeddedJwtSecret } from '../embedded/embeddedJwtSecret.ts';
import { signSupabaseToken } from '../server/signToken.ts';

/** The HS256 secret tokens are signed with: SUPABASE_JWT_SECRET when set, else the embedded one. */
async function signingSecret(auth: AuthConfig): Promise<string> {
  switch (auth.kind) {
    case 'secret':
      return auth.secret;
    case 'embedded':
      return embeddedJwtSecret(auth.dataDir);
    case 'jwks':
      throw new ConfigError(
        'figway token signs with a shared secret, and SUPABASE_JWKS_URL names public keys only: set ' +
          "SUPABASE_JWT_SECRET (the project's JWT secret), or sign in through Supabase Auth to get a token.",
      );
  }
}

/**
 * `figway token <user> [--ttl seconds]`: prints a JWT for a demo user, signed with
 * `SUPABASE_JWT_SECRET` when that is set (a gateway on a database set up with
 * `figway legacy setup --demo`), else with the embedded default's local secret. It
 * needs no running gateway.
 */
export async function token(args: readonly string[]): Promise<number> {
  const [username, ...rest] = args;
  const names = DEMO_USERS.map((user) => user.username).join(', ');
  if (username === undefined) {
    process.stderr.write(`usage: figway token <user> [--ttl seconds]\nusers: ${names}\n`);
    return 2;
  }
  const user = findDemoUser(username);
  if (user === undefined) {
    process.stderr.write(`figway token: no demo user called "${username}". Demo users: ${names}.\n`);
    return 1;
  }
  const ttlIndex = rest.indexOf('--ttl');
  const ttlSeconds = ttlIndex === -1 ? 3600 : Number(rest[ttlIndex + 1]);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    process.stderr.write('figway token: --ttl takes a positive whole number of seconds.\n');
    return 2;
  }
  const { auth } = loadConfig();
  const secret = await signingSecret(auth);
  // The claims the gateway's verifier expects, from the same settings it reads.
  const claims = { issuer: requireJwtIssuer(auth), audience: auth.audience };
  process.stdout.write(`${await signSupabaseToken(user, secret, { ttlSeconds, ...claims })}\n`);
  return 0;
}
