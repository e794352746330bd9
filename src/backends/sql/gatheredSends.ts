import type pg from 'pg';
import type { Row } from '../../core/database.ts';
import type { ReadGathering } from '../gatheredReads.ts';
import { sendTogether } from './sendTogether.ts';

/** A pooled connection held for one send, as postgresDatabase holds its clients. */
export interface HeldConnection {
  client: pg.PoolClient;
  /** Why the connection broke while held; undefined while it is sound. */
  cause(): Error | undefined;
  release(discard?: boolean): void;
}

/** How one caller's queries ended in a gathered send, and why the connection broke if it did. */
export interface GatheredAnswers {
  answers: PromiseSettledResult<pg.QueryResult<Row>>[];
  cause: Error | undefined;
}

/** A gathered caller's rows, each query's; its first failure (or the broken connection's cause) through `report`. */
export function gatheredRows(
  { answers, cause }: GatheredAnswers,
  report: (error: unknown) => unknown,
): Row[][] {
  const failed = answers.find((answer) => answer.status === 'rejected');
  if (failed !== undefined) throw report(cause ?? failed.reason);
  return answers.map((answer) => (answer.status === 'fulfilled' ? answer.value.rows : []));
}

interface Waiting {
  queries: readonly pg.QueryConfig[];
  settle(answers: GatheredAnswers): void;
  fail(error: unknown): void;
}

/**
 * Sends the queries of every caller that joins one gathering's batch on one connection
 * in one write (pg's pipeline mode): PostgreSQL runs them in order, each caller's
 * transaction (a pipeline's begin to commit) or single statement on its own, so one
 * caller's failure is never another's. `hold` checks a connection out.
 */
export function createGatheredSender(hold: () => Promise<HeldConnection>) {
  const owner = {};

  async function flush(waiting: Waiting[]) {
    let held: HeldConnection;
    try {
      held = await hold();
    } catch (error) {
      for (const caller of waiting) caller.fail(error);
      return;
    }
    let discard = false;
    try {
      const answers = await sendTogether(
        held.client,
        waiting.flatMap((caller) => caller.queries),
      );
      // Every caller's transaction ends in its own commit (a rollback after a failure);
      // one still open means the send broke, and the connection is not handed out again.
      discard = held.client.getTransactionStatus() !== 'I';
      let at = 0;
      for (const caller of waiting) {
        caller.settle({ answers: answers.slice(at, at + caller.queries.length), cause: held.cause() });
        at += caller.queries.length;
      }
    } finally {
      held.release(discard);
    }
  }

  /** Joins `gathering`'s batch for this pool; resolves with how each of `queries` ended. */
  return (gathering: ReadGathering, queries: readonly pg.QueryConfig[]): Promise<GatheredAnswers> =>
    new Promise((resolve, reject) => {
      gathering.join<Waiting>(owner, { queries, settle: resolve, fail: reject }, (waiting) => {
        // A throw past the send itself: every caller still waiting hears it.
        flush(waiting).catch((error: unknown) => {
          for (const caller of waiting) caller.fail(error);
        });
      });
    });
}
