import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPgliteDatabase } from '../src/backends/sql/pgliteDatabase.ts';
import { openPostgresDatabase } from '../src/backends/sql/postgresDatabase.ts';
import type { Database } from '../src/core/database.ts';
import { freshPgliteCluster } from './pgliteTemplate.ts';

/** The PostgreSQL server the project's machines run; `FIGWAY_TEST_POSTGRES` overrides it. */
export const TEST_POSTGRES_URL =
  process.env.FIGWAY_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

/** An engine a database test runs against, and how to get a fresh, empty database on it. */
export interface TestEngine {
  name: 'pglite' | 'postgres';
  /** A new empty database; `drop` removes it. */
  create(): Promise<{ db: Database; url: string | null; drop(): Promise<void> }>;
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const pglite: TestEngine = {
  name: 'pglite',
  async create() {
    const db = await openPgliteDatabase(undefined, { loadDataDir: await freshPgliteCluster() });
    return { db, url: null, drop: () => db.close() };
  },
};

const postgres: TestEngine = {
  name: 'postgres',
  async create() {
    const name = `figway_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = `/${name}`;
    const db = openPostgresDatabase({ connectionString: url.toString() });
    return {
      db,
      url: url.toString(),
      async drop() {
        await db.close();
        const cleanup = new pg.Client({ connectionString: TEST_POSTGRES_URL });
        await cleanup.connect();
        await cleanup.query(`drop database if exists ${name} with (force)`);
        await cleanup.end();
      },
    };
  },
};

/**
 * The engines database tests run on: PGlite always, and the real PostgreSQL when
 * it answers. Under `CI=true` a PostgreSQL that does not answer is an error, so a
 * missing service fails the run instead of skipping half of it.
 */
export async function testEngines(): Promise<TestEngine[]> {
  if (await postgresReachable()) return [pglite, postgres];
  if (process.env.CI === 'true') {
    throw new Error(`PostgreSQL is not reachable at ${TEST_POSTGRES_URL}, and CI=true requires it.`);
  }
  return [pglite];
}
