import type { CommitmentPageQuery } from '../connectStore.ts';
import { COMMITMENTS } from './commitmentDocument.ts';

/** A statement of {@link commitmentPageStatement}: its text and parameters. */
export interface PageStatement {
  sql: string;
  params: unknown[];
}

// The legacy RLS rule, as ledgerCommitments' VISIBLE, for a user whose id is $2.
const VISIBLE_TO_USER = `(data ->> 'createdBy' = $2::text
  or data -> 'parties' @> jsonb_build_array(jsonb_build_object('profileId', $2::text)))`;

const texts = new Map<string, string>();

/**
 * The statement that reads one page of commitments newest first, as `userId` sees
 * them (null: service_role, who sees every one). Each combination of filters has a
 * text of its own, with no `$n is null or ...` conditions: PostgreSQL plans a
 * prepared statement once for all its parameters, and with optional conditions that
 * plan could not count on the page's order index, so it read every revision and
 * sorted them. There are eight texts at most, each prepared once per connection.
 */
export function commitmentPageStatement(page: CommitmentPageQuery, userId: string | null): PageStatement {
  const params: unknown[] = [page.limit, userId];
  const conditions = [`table_name = '${COMMITMENTS}'`];
  if (userId !== null) conditions.push(VISIBLE_TO_USER);
  if (page.status !== null) {
    params.push(page.status);
    conditions.push(`data ->> 'status' = $${params.length}::text`);
  }
  if (page.after !== null) {
    params.push(page.after.createdAt, page.after.id);
    conditions.push(
      `(data ->> 'createdAt', document_id) < ($${params.length - 1}::text, $${params.length}::text)`,
    );
  }
  const key = `${userId === null}/${page.status !== null}/${params.length}`;
  let sql = texts.get(key);
  if (sql === undefined) {
    // $2 is named even for service_role, so every text takes the same leading parameters.
    sql = `select data from ledger.documents
       where ${conditions.join(' and ')}${userId === null ? ' and $2::text is null' : ''}
       order by data ->> 'createdAt' desc, document_id desc
       limit $1`;
    texts.set(key, sql);
  }
  return { sql, params };
}
