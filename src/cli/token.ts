import { DEMO_USERS, findDemoUser } from '../backends/supabase/seed/demoUsers.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { embeddedJwtSecret } from '../embedded/embeddedJwtSecret.ts';
import { signSupabaseToken } from '../server/signToken.ts';

/**
 * `figway token <user> [--ttl seconds]`: prints a JWT for a demo user of the embedded
 * default. It needs only the local secret file, so it works whether or not the
 * gateway is running.
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
  const config = loadConfig();
  if (config.auth.kind !== 'embedded') {
    throw new ConfigError(
      'figway token signs tokens for the embedded default only. With a hosted Supabase project, ' +
        'sign in through Supabase Auth to get a token.',
    );
  }
  const secret = await embeddedJwtSecret(config.auth.dataDir);
  process.stdout.write(`${await signSupabaseToken(user, secret, { ttlSeconds })}\n`);
  return 0;
}
