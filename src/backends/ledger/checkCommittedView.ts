import { isDeepStrictEqual } from 'node:util';
import type { Queryable } from '../../core/database.ts';
import { integer } from './ledgerRows.ts';
import type { BlockAddress, LedgerRevision } from './ledgerTypes.ts';

function sameIon(served: unknown, stored: Uint8Array | null): boolean {
  if (served == null || stored === null) return served == null && stored === null;
  return served instanceof Uint8Array && Buffer.from(served).equals(stored);
}

/**
 * Checks that the committed view serves `revision`, taken as the newest revision of
 * its document in `ledger.revisions`: the view's row has its version, data and Ion
 * (and there is none when the revision is a deletion), and no block from the
 * revision's up to `tip` recorded a later version of the document (one deleted from
 * under the view, which then serves an older state). Returns what is
 * wrong, or null. The view is derived from the revisions, so the first part fails
 * only when the view itself was replaced; the second reads the GIN index on the blocks'
 * transaction info, in each block format's shape: a format 1 block lists the next
 * version; a format 2 or 3 block (QLDB's shape, with no versions) after the revision's
 * names the document in its table. (A later version removed from the revision's own
 * block fails that block's entries hash, which the revision's proof checks.)
 */
export async function checkCommittedView(
  db: Queryable,
  revision: LedgerRevision,
  tip: BlockAddress,
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
  const next = metadata.version + 1;
  const [later] = await db.query(
    `select sequence_no from ledger.blocks
     where strand_id = $1 and sequence_no between $2 and $3
       and (transaction_info @> $4::jsonb or (sequence_no > $2 and transaction_info @> $5::jsonb))
     order by sequence_no limit 1`,
    [
      tip.strandId,
      revision.blockAddress.sequenceNo,
      tip.sequenceNo,
      JSON.stringify({ documents: [{ tableName, id: metadata.id, version: next }] }),
      JSON.stringify({ documents: { [metadata.id]: { tableName } } }),
    ],
  );
  if (later === undefined) return null;
  return `block ${integer(later.sequence_no)} recorded version ${next} of ${name}, which the committed view does not serve`;
}
