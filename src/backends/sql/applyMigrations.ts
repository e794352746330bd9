import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../../core/database.ts';

/** A named set of SQL migration files, applied in file-name order. */
export interface MigrationSet {
  /** Prefix of the recorded names, so several sets can share one database. */
  name: string;
  directory: string;
}

// Any constant works; it only has to be the same for every figway process.
const MIGRATION_LOCK = 7_372_401;

const MIGRATIONS_TABLE = `create schema if not exists figway;
create table if not exists figway.migrations (
  name text primary key,
  applied_at timestamptz not null default now()
)`;

/**
 * Applies the migrations of `set` that `db` has not recorded yet, each in its own
 * transaction, under an advisory lock so that concurrent starts apply each once.
 * Returns the names it applied.
 */
export async function applyMigrations(db: Database, set: MigrationSet): Promise<string[]> {
  const files = (await readdir(set.directory)).filter((file) => file.endsWith('.sql')).sort();
  const applied: string[] = [];
  for (const file of files) {
    const name = `${set.name}/${file}`;
    const script = await readFile(join(set.directory, file), 'utf8');
    const ran = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await tx.exec(MIGRATIONS_TABLE);
      const done = await tx.query('select 1 from figway.migrations where name = $1', [name]);
      if (done.length > 0) return false;
      await tx.exec(script);
      await tx.query('insert into figway.migrations (name) values ($1)', [name]);
      return true;
    });
    if (ran) applied.push(name);
  }
  return applied;
}
