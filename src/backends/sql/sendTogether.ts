import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Row, Statement } from '../../core/database.ts';

const names = new Map<string, string>();

/**
 * The name a statement is prepared under. Named statements are prepared once per
 * connection and reused: on primary-key lookups they run about twice as fast as
 * unnamed ones. Every query text in figway is a constant, so the set stays small.
 */
export function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `figway_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
    names.set(sql, name);
  }
  return name;
}

/** What pg runs for `statement`: a prepared statement with parameters, plain text without. */
export function queryOf({ sql, params = [] }: Statement): pg.QueryConfig {
  return params.length === 0 ? { text: sql } : { name: statementName(sql), text: sql, values: [...params] };
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

// The socket under a pg client (its `connection.stream`, outside pg's typed API).
function socketOf(client: pg.PoolClient): Corkable | undefined {
  return (client as unknown as { connection?: { stream?: Corkable } }).connection?.stream;
}

/**
 * Queues `queries` on `client`, a client in pg's pipeline mode, with its socket
 * corked: they leave in one write, PostgreSQL answers them in order, and each
 * settles on its own answer. Resolves once every one has settled.
 */
export function sendTogether(
  client: pg.PoolClient,
  queries: readonly pg.QueryConfig[],
): Promise<PromiseSettledResult<pg.QueryResult<Row>>[]> {
  const socket = socketOf(client);
  socket?.cork();
  try {
    return Promise.allSettled(queries.map((query) => client.query<Row>(query)));
  } finally {
    socket?.uncork();
  }
}
