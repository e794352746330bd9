import pg from 'pg';
import { pino } from 'pino';
import {
  type BackendEvents,
  CommitOutcomeUnknownError,
  type Database,
  type FailurePhase,
  isBackendFailure,
  isLostConnection,
  type Row,
  type Statement,
  sqlState,
  type Transaction,
} from '../../core/database.ts';
import { createBackendFailureLog } from '../backendFailureLog.ts';
import { currentRequestBudget, type RequestBudget, requestTimeoutError } from '../requestBudget.ts';
import { commitUnanswered } from './commitUnanswered.ts';
import { listenOn } from './listenOn.ts';
import { queryOf, sendTogether } from './sendTogether.ts';

/** Options for a pool against a real PostgreSQL server. */
export interface PostgresDatabaseOptions {
  connectionString: string;
  /** Largest number of open connections. @default 10 */
  maxConnections?: number;
  /**
   * Where failures of the server (refused or lost connections, shutdowns) and
   * statements cut by a request's time budget are reported. Reporting never throws.
   * @default a rate-limited warning on stderr, named after the database
   */
  events?: BackendEvents;
}

// SQLSTATE query_canceled: what statement_timeout and pg_cancel_backend end a statement with.
const QUERY_CANCELED = '57014';

async function execute<R extends Row>(client: pg.PoolClient, sql: string, params: readonly unknown[]) {
  return (await client.query<R>(queryOf({ sql, params }))).rows;
}

// Opens a transaction; under a request's budget the server cancels a statement still
// running at the deadline. A fixed text: it fails only with the connection.
function beginOf(budget: RequestBudget | undefined): string {
  return budget === undefined
    ? 'begin'
    : `begin; set local statement_timeout = ${Math.max(1, Math.ceil(budget.remainingMs()))}`;
}

function defaultEvents(connectionString: string): BackendEvents {
  const name = new URL(connectionString).pathname.slice(1) || 'postgres';
  const logger = pino({ name: 'figway', level: 'warn' }, pino.destination(2));
  return createBackendFailureLog({ logger }).eventsOf(name);
}

interface Guard {
  cause: Error | undefined;
  listener: (error: Error) => void;
}

/**
 * Gives every client checked out of `pool` an 'error' listener for as long as it is
 * out: without one, a connection the server ends while a request holds it (failover,
 * restart, pg_terminate_backend) emits an unhandled 'error' and kills the process.
 * The listener goes on in the pool's 'acquire' event, synchronously, because a FATAL
 * message parsed from the same chunk as the ReadyForQuery that completed a checkout
 * arrives before the caller's promise resumes. Returns how callers hold a client: a
 * client that broke while held is dropped from the pool on release.
 */
function guardCheckedOutClients(pool: pg.Pool) {
  const guards = new Map<pg.PoolClient, Guard>();
  pool.on('acquire', (client) => {
    const guard: Guard = {
      cause: undefined,
      listener: (error) => {
        // Kept, so the statement that fails next reports why (not "not queryable").
        guard.cause ??= error;
      },
    };
    client.on('error', guard.listener);
    guards.set(client, guard);
  });
  // The pool has put its own listener back by the time it emits 'release'.
  pool.on('release', (_error, client) => {
    const guard = guards.get(client);
    if (guard !== undefined) client.off('error', guard.listener);
    guards.delete(client);
  });
  return (client: pg.PoolClient) => ({
    client,
    /** Why the connection broke while held; undefined while it is sound. */
    cause: () => guards.get(client)?.cause,
    release(discard = false) {
      client.release(guards.get(client)?.cause !== undefined || discard);
    },
  });
}

/** A client checked out of the pool and watched while held. */
type HeldClient = ReturnType<ReturnType<typeof guardCheckedOutClients>>;

/** Opens a `pg` connection pool behind the {@link Database} port. */
export function openPostgresDatabase(options: PostgresDatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    // Queries queued on a client are sent without waiting for the previous answer
    // (pg's pipeline mode), which is what `pipeline` builds on; one at a time as before otherwise.
    pipeline: true,
  });
  const events = options.events ?? defaultEvents(options.connectionString);
  const holdClient = guardCheckedOutClients(pool);
  // An idle client that loses its server emits 'error' on the pool, which drops it.
  pool.on('error', (error) => events.backendFailed(error, 'idle'));

  function timedOut(budget: RequestBudget) {
    events.timedOut();
    return requestTimeoutError(budget.timeoutMs);
  }

  // What a caller sees of a driver error; backend failures are reported on the way.
  function failure(error: unknown, budget: RequestBudget | undefined, during: FailurePhase): unknown {
    if (budget?.spent() === true && sqlState(error) === QUERY_CANCELED) return timedOut(budget);
    if (isBackendFailure(error)) events.backendFailed(error, during);
    return error;
  }

  async function run<R extends Row>(
    held: HeldClient,
    sql: string,
    params: readonly unknown[],
    budget: RequestBudget | undefined,
  ): Promise<R[]> {
    if (budget?.spent() === true) throw timedOut(budget);
    try {
      return await execute<R>(held.client, sql, params);
    } catch (error) {
      throw failure(held.cause() ?? error, budget, 'statement');
    }
  }

  async function acquire(budget: RequestBudget | undefined): Promise<pg.PoolClient> {
    if (budget?.spent() === true) throw timedOut(budget);
    try {
      return budget === undefined ? await pool.connect() : await connectWithin(budget);
    } catch (error) {
      throw failure(error, budget, 'connect');
    }
  }

  // Waiting for a free connection counts against the budget; a connection that
  // arrives after the deadline goes straight back to the pool.
  async function connectWithin(budget: RequestBudget): Promise<pg.PoolClient> {
    const connecting = pool.connect();
    let expired = false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = true;
        reject(timedOut(budget));
      }, Math.ceil(budget.remainingMs()));
    });
    try {
      return await Promise.race([connecting, late]);
    } catch (error) {
      if (expired) {
        connecting.then(
          (client) => holdClient(client).release(),
          (lateError: unknown) => failure(lateError, undefined, 'connect'),
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  // A single statement has no transaction to carry a statement_timeout, so at the
  // deadline it is cancelled from another connection. The client stays held until
  // the cancel is done, so the cancel can only hit this statement.
  function cancelAtDeadline(client: pg.PoolClient, budget: RequestBudget) {
    const pid = (client as pg.PoolClient & { processID?: number }).processID;
    let cancelling: Promise<void> | undefined;
    const timer = setTimeout(() => {
      cancelling = cancelBackend(pid);
    }, Math.ceil(budget.remainingMs()));
    return {
      async stop() {
        clearTimeout(timer);
        await cancelling;
      },
    };
  }

  async function cancelBackend(pid: number | undefined) {
    const canceller = new pg.Client({ connectionString: options.connectionString });
    canceller.on('error', (error) => events.backendFailed(error, 'connect'));
    try {
      await canceller.connect();
      await canceller.query('select pg_cancel_backend($1)', [pid]);
    } catch (error) {
      // The statement then runs to its end; its request has already been answered.
      events.backendFailed(error, 'connect');
    } finally {
      await canceller.end().catch((error: unknown) => events.backendFailed(error, 'connect'));
    }
  }

  async function query<R extends Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const budget = currentRequestBudget();
    const client = await acquire(budget);
    const held = holdClient(client);
    const canceller = budget === undefined ? undefined : cancelAtDeadline(client, budget);
    try {
      return await run<R>(held, sql, params, budget);
    } finally {
      await canceller?.stop();
      held.release();
    }
  }

  return {
    engine: 'postgres',
    query,
    async transaction<T>(fn: (tx: Transaction) => Promise<T>) {
      const budget = currentRequestBudget();
      const client = await acquire(budget);
      const held = holdClient(client);
      let discard = false;
      // Set once COMMIT goes out on a sound connection: a lost answer then leaves the outcome open.
      let committing = false;
      try {
        await run(held, beginOf(budget), [], budget);
        const result = await fn({
          exec: async (script) => void (await run(held, script, [], budget)),
          query: (sql, params = []) => run(held, sql, params, budget),
        });
        committing = held.cause() === undefined;
        await run(held, 'commit', [], budget);
        return result;
      } catch (error) {
        if (held.cause() === undefined) {
          await client.query('rollback').catch(() => {
            discard = true; // a client that cannot roll back is not handed out again
          });
        }
        throw committing && isLostConnection(error) ? new CommitOutcomeUnknownError(error) : error;
      } finally {
        held.release(discard);
      }
    },
    async pipeline(statements: readonly Statement[]) {
      const budget = currentRequestBudget();
      const client = await acquire(budget);
      const held = holdClient(client);
      let discard = false;
      try {
        const queries = [{ text: beginOf(budget) }, ...statements.map(queryOf), { text: 'commit' }];
        const sound = held.cause() === undefined;
        const answers = await sendTogether(client, queries);
        const failed = answers.find((answer) => answer.status === 'rejected');
        if (failed === undefined)
          return answers
            .slice(1, -1)
            .map((answer) => (answer.status === 'fulfilled' ? answer.value.rows : []));
        // After a failed statement PostgreSQL ran the commit as a rollback; a transaction
        // still open (a broken pipeline) is rolled back here, or the client is dropped.
        if (held.cause() === undefined && client.getTransactionStatus() !== 'I') {
          await client.query('rollback').catch((error: unknown) => {
            discard = true;
            events.backendFailed(error, 'statement');
          });
        }
        const error = failure(held.cause() ?? failed.reason, budget, 'statement');
        throw sound && commitUnanswered(answers) ? new CommitOutcomeUnknownError(error) : error;
      } finally {
        held.release(discard);
      }
    },
    async exec(script: string) {
      await query(script);
    },
    listen: (channel, onNotify) => listenOn(options.connectionString, channel, onNotify, events),
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}
