import type pg from 'pg';
import { isLostConnection, type Row } from '../../core/database.ts';

/**
 * True when a pipeline's answers (begin, its statements, then commit, all sent together)
 * leave its outcome open: the connection was lost before COMMIT's answer came, and no
 * statement before it was refused by the server. After a refusal PostgreSQL runs the
 * COMMIT as a rollback, so nothing was changed; without one, the server may have
 * committed and its answer been lost on the way.
 */
export function commitUnanswered(answers: readonly PromiseSettledResult<pg.QueryResult<Row>>[]): boolean {
  const commit = answers.at(-1);
  if (commit?.status !== 'rejected' || !isLostConnection(commit.reason)) return false;
  return answers.every((answer) => answer.status === 'fulfilled' || isLostConnection(answer.reason));
}
