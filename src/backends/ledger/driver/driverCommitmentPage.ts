import type { CommitmentPageQuery } from '../../connectStore.ts';
import type { CommitmentDocument } from '../commitmentDocument.ts';

// Newest first: createdAt, then id, both descending, as the in-process adapter's
// `order by data ->> 'createdAt' desc, document_id desc` (ISO instants and lowercase
// UUIDs order the same by code unit as by PostgreSQL's collations).
function newestFirst(a: CommitmentDocument, b: CommitmentDocument): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * One page of commitments, newest first, chosen from `documents` (every commitment the
 * viewer may see, in any order): those with the page's status, after its cursor
 * (`(createdAt, id) < (after.createdAt, after.id)`), the first `limit` of them. QLDB's
 * PartiQL has no ORDER BY or LIMIT, so the driver adapter reads every visible
 * commitment and pages here, where the in-process adapter's statement reads one page
 * through an index.
 */
export function driverCommitmentPage(
  documents: readonly CommitmentDocument[],
  page: CommitmentPageQuery,
): CommitmentDocument[] {
  const { status, after } = page;
  return documents
    .filter((document) => status === null || document.status === status)
    .filter(
      (document) =>
        after === null ||
        document.createdAt < after.createdAt ||
        (document.createdAt === after.createdAt && document.id < after.id),
    )
    .sort(newestFirst)
    .slice(0, Math.max(0, page.limit));
}
