import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPgliteDatabase } from '../src/backends/sql/pgliteDatabase.ts';
import { openPostgresDatabase } from '../src/backends/sql/postgresDatabase.ts';
import type { Database } from '../src/core/database.ts';

/** The PostgreSQL server the project's machines run; `FIGWAY_BENCH_POSTGRES` overrides it. */
export const BENCH_POSTGRES_URL =
  process.env.FIGWAY_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, empty database a benchmark runs in; `drop` closes and removes it. */
export interface BenchDatabase {
  db: Database;
  drop(): Promise<void>;
}

/** An engine the benchmark runs on, and how to get a fresh database on it. */
export interface BenchEngine {
  name: Database['engine'];
  create(): Promise<BenchDatabase>;
}

async function withAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function postgresReachable(): Promise<boolean> {
  try {
    await withAdmin((client) => client.query('select 1'));
    return true;
  } catch {
    return false;
  }
}

const pglite: BenchEngine = {
  name: 'pglite',
  async create() {
    const db = await openPgliteDatabase();
    return { db, drop: () => db.close() };
  },
};

const postgres: BenchEngine = {
  name: 'postgres',
  async create() {
    const name = `figway_bench_${randomBytes(6).toString('hex')}`;
    await withAdmin((client) => client.query(`create database ${name}`));
    const url = new URL(BENCH_POSTGRES_URL);
    url.pathname = `/${name}`;
    const db = openPostgresDatabase({ connectionString: url.toString() });
    return {
      db,
      async drop() {
        await db.close();
        await withAdmin((client) => client.query(`drop database if exists ${name} with (force)`));
      },
    };
  },
};

/**
 * The engines to benchmark: PGlite always, the real PostgreSQL when it answers.
 * `skipped` says why an engine is missing, so the report can print it.
 */
export async function benchEngines(): Promise<{ engines: BenchEngine[]; skipped: string[] }> {
  if (await postgresReachable()) return { engines: [pglite, postgres], skipped: [] };
  return {
    engines: [pglite],
    skipped: [`postgres: not reachable at ${BENCH_POSTGRES_URL}, skipped`],
  };
}
