import { openPostgresDatabase } from '../backends/sql/postgresDatabase.ts';
import { DEMO_COMMITMENTS, DEMO_TYPES } from '../backends/supabase/seed/demoCommitments.ts';
import { DEMO_USERS } from '../backends/supabase/seed/demoUsers.ts';
import { type LegacySetupOutcome, setupLegacyDatabase } from '../backends/supabase/setupLegacyDatabase.ts';
import { ConfigError, loadLegacyDatabaseUrl } from '../config.ts';

const USAGE = 'usage: figway legacy setup [--demo]\n';

/** `url` with its password replaced by `***`, for messages. */
function masked(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1)) || 'connect';
}

// pg rejects with an AggregateError whose message is empty when every address of a
// host name refuses (localhost: ::1 and 127.0.0.1), so the causes are spelled out.
function describeFailure(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map((cause) => (cause instanceof Error ? cause.message : String(cause))).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}

function hint(error: unknown, url: string): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code === '3D000')
    return ` Create it first: createdb ${databaseName(url)} (or psql -c 'create database ...').`;
  if (code === '28P01' || code === '28000') return ' Check the user and password in SUPABASE_DB_URL.';
  return ' Check the host, port and that PostgreSQL is running.';
}

function printApplied(url: string, outcome: Extract<LegacySetupOutcome, { kind: 'applied' }>) {
  const out = process.stdout;
  out.write(`Set up the Connect data model in ${masked(url)}:\n`);
  out.write(
    outcome.platform === 'stand-in'
      ? '  Supabase platform: no auth schema (a plain PostgreSQL), so figway applied its stand-in:\n' +
          '    roles anon, authenticated, service_role; auth.users; auth.uid(), auth.jwt(), auth.role()\n'
      : '  Supabase platform: found the auth schema (a Supabase database), so its own roles,\n' +
          '    auth.users and auth.uid() are kept and only the Connect model was applied\n',
  );
  out.write(`  migrations: ${outcome.migrations.join(', ')}\n`);
  const users = DEMO_USERS.map((user) => user.username).join(', ');
  out.write(
    outcome.seeded
      ? `  demo data: ${DEMO_USERS.length} users (${users}), ${DEMO_TYPES.length} commitment types, ` +
          `${DEMO_COMMITMENTS.length} commitments\n`
      : '  demo data: none (figway legacy setup --demo on an empty database adds it)\n',
  );
}

/**
 * `figway legacy setup [--demo]`: applies the Connect data model (with `--demo`, the
 * demo data too) to the empty database at `SUPABASE_DB_URL`, in one transaction.
 * Exits 1, changing nothing, when the database already has the tables or cannot be
 * reached; 2 when `SUPABASE_DB_URL` is unset or the arguments are wrong.
 */
export async function legacySetupCommand(args: readonly string[]): Promise<number> {
  if (args.some((arg) => arg !== '--demo')) {
    process.stderr.write(USAGE);
    return 2;
  }
  const url = loadLegacyDatabaseUrl();
  if (url === undefined) {
    throw new ConfigError(
      'figway legacy setup needs SUPABASE_DB_URL: set it to an empty PostgreSQL database, e.g. ' +
        'createdb connect && SUPABASE_DB_URL=postgres://postgres@127.0.0.1:5432/connect figway legacy setup --demo',
    );
  }
  const db = openPostgresDatabase({ connectionString: url, maxConnections: 1 });
  try {
    try {
      await db.query('select 1');
    } catch (error) {
      process.stderr.write(
        `figway legacy setup: cannot reach the PostgreSQL at ${masked(url)}: ${describeFailure(error)}.${hint(error, url)}\n`,
      );
      return 1;
    }
    let outcome: LegacySetupOutcome;
    try {
      outcome = await setupLegacyDatabase(db, { demo: args.includes('--demo') });
    } catch (error) {
      process.stderr.write(
        `figway legacy setup: failed in ${masked(url)}, and nothing was changed: ${describeFailure(error)}\n`,
      );
      return 1;
    }
    if (outcome.kind === 'refused') {
      process.stderr.write(
        `figway legacy setup: ${masked(url)} is not empty, so nothing was changed:\n` +
          outcome.found.map((finding) => `  ${finding}\n`).join('') +
          'figway sets up an empty database only: point SUPABASE_DB_URL at a new one (createdb <name>).\n',
      );
      return 1;
    }
    printApplied(url, outcome);
    return 0;
  } finally {
    await db.close();
  }
}
