import { isDeepStrictEqual } from 'node:util';
import type { Queryable } from '../../core/database.ts';
import { checkNoLaterVersion } from './checkNoLaterVersion.ts';
import { integer } from './ledgerRows.ts';
import type { LedgerDigest, LedgerRevision } from './ledgerTypes.ts';

function sameIon(served: unknown, stored: Uint8Array | null): boolean {
  if (served == null || stored === null) return served == null && stored === null;
  return served instanceof Uint8Array && Buffer.from(served).equals(stored);
}

/**
 * Checks that the committed view serves `revision`, taken as the newest revision of
 * its document in `ledger.revisions`: the view's row has its version, data and Ion
 * (and there is none when the revision is a deletion), and no block from the
 * revision's up to the digest's tip wrote a later version of the document (one
 * deleted from under the view, which then serves an older state), which
 * {@link checkNoLaterVersion} reads from those blocks checked against their hashes and
 * the digest. Returns what is wrong, or null. The view is derived from the revisions,
 * so the first part fails only when the view itself was replaced.
 */
export async function checkCommittedView(
  db: Queryable,
  revision: LedgerRevision,
  digest: LedgerDigest,
): Promise<string | null> {
  const { tableName, metadata } = revision;
  const name = `${tableName}/${metadata.id}`;
  const served = await db.query(
    'select version, data, ion from ledger.documents where table_name = $1 and document_id = $2',
    [tableName, metadata.id],
  );
  const [row] = served;
  if (revision.deleted === true) {
    if (served.length > 0) return `the committed view serves ${name}, whose newest revision deletes it`;
  } else if (
    served.length !== 1 ||
    integer(row?.version) !== metadata.version ||
    !isDeepStrictEqual(row?.data, revision.data) ||
    !sameIon(row?.ion, revision.ion ?? null)
  ) {
    return `the committed view of ${name} is not its newest revision (v${metadata.version})`;
  }
  return checkNoLaterVersion(db, revision, digest);
}
