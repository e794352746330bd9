import pg from 'pg';

/** A row as pg returns it. */
export type LegacyRow = Record<string, unknown>;

/** Runs one statement as the caller of one request, row-level security applying. */
export type ReadAsCaller = (sql: string, params: readonly unknown[]) => Promise<LegacyRow[]>;

// The statements of figway's direct PostgreSQL legacy store
// (src/backends/supabase/postgresTransport.ts), written out again here rather than
// imported: the bare peer shares no code with figway's read path, only its SQL.
const AS_CALLER = "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)";

/** The reads the bare peer makes, as figway's legacy store makes them. */
export const LEGACY_SQL = {
  profiles: 'select * from public.profiles where id = any($1::uuid[])',
  typesByIds: 'select * from public.commitment_types where id = any($1::uuid[])',
  commitments: 'select * from public.commitments where id = any($1::uuid[])',
  page: `select * from public.commitments
    where ($1::text is null or status = $1)
      and ($3::timestamptz is null or (created_at, id) < ($3::timestamptz, $4::uuid))
    order by created_at desc, id desc
    limit $2`,
  parties: `select * from public.commitment_parties
    where commitment_id = any($1::uuid[]) order by joined_at, id`,
} as const;

/** A pool on the legacy database, and a reader per request over it. */
export interface LegacyReads {
  /** The reader of one request by a caller with `claims`, whose budget ends `timeoutMs` after now. */
  asCaller(claims: Record<string, unknown>): ReadAsCaller;
  close(): Promise<void>;
}

/**
 * Opens a pool of 10 connections on `connectionString` (figway's pool size) whose
 * reads go as figway's legacy store sends them, each in a transaction of its own:
 * `begin` with the statement timeout of what is left of the request's budget, the
 * caller's role (`authenticated`) and claims set locally, the statement (named, so
 * prepared once per connection, as figway's are), `commit`.
 */
export function openLegacyReads(connectionString: string, timeoutMs: number): LegacyReads {
  const pool = new pg.Pool({ connectionString, max: 10 });
  // An idle connection the server ends is dropped by the pool; said, not fatal.
  pool.on('error', (error) =>
    process.stderr.write(`bare peer: idle legacy connection lost: ${error.message}\n`),
  );
  const names = new Map<string, string>();
  const nameOf = (sql: string) => {
    let name = names.get(sql);
    if (name === undefined) {
      name = `peer_${names.size}`;
      names.set(sql, name);
    }
    return name;
  };
  const run = async (client: pg.PoolClient, sql: string, params: readonly unknown[]) =>
    (await client.query<LegacyRow>({ name: nameOf(sql), text: sql, values: [...params] })).rows;

  return {
    asCaller(claims) {
      const deadline = performance.now() + timeoutMs;
      const settings = ['authenticated', JSON.stringify(claims)];
      return async (sql, params) => {
        const client = await pool.connect();
        let broken = false;
        try {
          const remaining = Math.max(1, Math.ceil(deadline - performance.now()));
          await client.query(`begin; set local statement_timeout = ${remaining}`);
          await run(client, AS_CALLER, settings);
          const rows = await run(client, sql, params);
          await client.query('commit');
          return rows;
        } catch (error) {
          await client.query('rollback').catch((rollbackError: unknown) => {
            // A connection that cannot roll back is not handed out again.
            broken = true;
            process.stderr.write(`bare peer: rollback failed: ${String(rollbackError)}\n`);
          });
          throw error;
        } finally {
          client.release(broken);
        }
      };
    },
    close: () => pool.end(),
  };
}
