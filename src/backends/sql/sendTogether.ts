import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type pg from 'pg';

// pg's own conversion of a parameter to what it sends (not in its typed API).
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as {
  prepareValue: (value: unknown) => unknown;
};

import type { Row, Statement } from '../../core/database.ts';

const names = new Map<string, string>();

/** Statements prepared by name at most (per process, so per connection too). */
const MAX_NAMED = 256;

/**
 * The name a statement is prepared under, or null. Named statements are prepared once
 * per connection and reused: on primary-key lookups they run about twice as fast as
 * unnamed ones. figway's query texts are constants, but the QLDB endpoint writes table
 * and field names into some: past {@link MAX_NAMED} texts, statements go unnamed, so
 * no client can make a connection hold prepared statements without end.
 */
export function statementName(sql: string): string | null {
  let name = names.get(sql);
  if (name === undefined) {
    if (names.size >= MAX_NAMED) return null;
    name = `figway_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * What pg runs for `statement`: a prepared statement with parameters, plain text
 * without. The parameters are turned into what pg sends here, so a value pg cannot
 * send (a BigInt, a cycle) throws before anything is sent: in a pipeline, pg would
 * otherwise skip that statement alone and let the ones after it, and the commit, run.
 */
export function queryOf({ sql, params = [] }: Statement): pg.QueryConfig {
  if (params.length === 0) return { text: sql };
  const values = params.map((value) => prepareValue(value));
  const name = statementName(sql);
  return name === null ? { text: sql, values } : { name, text: sql, values };
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
