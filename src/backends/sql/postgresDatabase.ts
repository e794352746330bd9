import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Database, Row, Transaction } from './database.ts';

/** Options for a pool against a real PostgreSQL server. */
export interface PostgresDatabaseOptions {
  connectionString: string;
  /** Largest number of open connections. @default 10 */
  maxConnections?: number;
}

// Named statements are prepared once per connection and reused: on primary-key
// lookups they run about twice as fast as unnamed ones. Every query text in figway
// is a constant, so the set of names stays small.
function statementName(sql: string): string {
  return `figway_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
}

function runner(client: pg.Pool | pg.PoolClient): Transaction {
  return {
    async exec(script: string) {
      await client.query(script);
    },
    async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
      const result =
        params.length === 0
          ? await client.query<R>(sql)
          : await client.query<R>({ name: statementName(sql), text: sql, values: [...params] });
      return result.rows;
    },
  };
}

/** Opens a `pg` connection pool behind the {@link Database} port. */
export function openPostgresDatabase(options: PostgresDatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
  });
  // An idle client that loses its server emits 'error' on the pool; without a
  // listener that would crash the process instead of failing the next query.
  pool.on('error', () => {});
  const direct = runner(pool);
  return {
    engine: 'postgres',
    query: direct.query,
    async transaction<T>(fn: (tx: Transaction) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await fn(runner(client));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    exec: direct.exec,
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}
