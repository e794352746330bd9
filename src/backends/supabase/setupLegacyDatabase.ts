import { type Database, type Row, runInOrder, type Transaction } from '../../core/database.ts';
import { applyMigrations } from '../sql/applyMigrations.ts';
import { CONNECT_TABLES, LEGACY_MIGRATIONS } from './legacyMigrations.ts';
import { seedDemoData } from './seed/seedDemoData.ts';

/** Options for {@link setupLegacyDatabase}. */
export interface LegacySetupOptions {
  /** Also create the demo users, commitment types and commitments. @default false */
  demo?: boolean;
}

/**
 * Who provides the Supabase platform (roles, `auth.users`, `auth.uid()`): the database
 * itself (a Supabase project, which has an auth schema), or figway's stand-in.
 */
export type LegacyPlatform = 'database' | 'stand-in';

/** What {@link setupLegacyDatabase} did: refused, naming what it found, or set the database up. */
export type LegacySetupOutcome =
  | { kind: 'refused'; found: string[] }
  | { kind: 'applied'; platform: LegacyPlatform; migrations: string[]; seeded: boolean };

async function existingTables(tx: Transaction): Promise<string[]> {
  const rows = await tx.query<{ name: string }>(
    'select name from unnest($1::text[]) with ordinality as t(name, n) where to_regclass(name) is not null order by n',
    [CONNECT_TABLES],
  );
  return rows.map((row) => `${row.name} already exists`);
}

async function recordedMigrations(tx: Transaction): Promise<string[]> {
  const [table] = await tx.query<{ present: boolean }>(
    "select to_regclass('figway.migrations') is not null as present",
  );
  if (table?.present !== true) return [];
  const rows = await tx.query<{ name: string }>(
    'select name from figway.migrations where name like $1 order by name',
    [`${LEGACY_MIGRATIONS.name}/%`],
  );
  return rows.map((row) => `figway.migrations records ${row.name} as applied`);
}

// An auth schema without auth.users or auth.uid() is neither Supabase nor empty:
// the Connect tables reference both, so setting up there would fail halfway.
async function platformOf(tx: Transaction): Promise<{ platform: LegacyPlatform; found: string[] }> {
  const [auth] = await tx.query<{ schema: boolean; users: boolean; uid: boolean }>(
    `select to_regnamespace('auth') is not null as schema,
            to_regclass('auth.users') is not null as users,
            to_regprocedure('auth.uid()') is not null as uid`,
  );
  if (auth?.schema !== true) return { platform: 'stand-in', found: [] };
  const found = [
    ...(auth.users ? [] : ['the auth schema exists without an auth.users table']),
    ...(auth.uid ? [] : ['the auth schema exists without an auth.uid() function']),
  ];
  return { platform: 'database', found };
}

// applyMigrations() and seedDemoData() each open transactions of their own; through this
// Database they all join the one transaction setup runs in, so a failure anywhere
// (a permission, a clash with a concurrent setup) leaves the database as it was.
function joining(tx: Transaction, engine: Database['engine']): Database {
  return {
    engine,
    query: <R extends Row = Row>(sql: string, params?: readonly unknown[]) => tx.query<R>(sql, params),
    exec: (script: string) => tx.exec(script),
    transaction: (fn) => fn(tx),
    pipeline: (statements) => runInOrder(tx, statements),
    listen: () => Promise.reject(new Error('a setup transaction cannot LISTEN')),
    close: async () => {},
  };
}

/**
 * Applies the Connect data model (and with `demo`, the demo data) to an empty legacy
 * database, all in one transaction. Refuses, changing nothing, when the database
 * already has any of the Connect tables or records the legacy migrations.
 */
export async function setupLegacyDatabase(
  db: Database,
  options: LegacySetupOptions = {},
): Promise<LegacySetupOutcome> {
  return db.transaction(async (tx) => {
    const { platform, found: platformProblems } = await platformOf(tx);
    const found = [...(await existingTables(tx)), ...(await recordedMigrations(tx)), ...platformProblems];
    if (found.length > 0) return { kind: 'refused', found };
    const inside = joining(tx, db.engine);
    const migrations = await applyMigrations(inside, LEGACY_MIGRATIONS);
    const seeded = options.demo === true ? await seedDemoData(inside) : false;
    return { kind: 'applied', platform, migrations, seeded };
  });
}
