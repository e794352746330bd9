import type { Database } from '../../../src/core/database.ts';
import { ionHashOfIonBytes, ionHashOfJson } from './independentVerifier.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** What a ledger's database holds, read with plain SQL, to compare two ledgers. */
export async function ledgerSnapshot(db: Database) {
  const blocks = await db.query(
    `select strand_id, sequence_no, transaction_id, block_timestamp, format, transaction_info, entries_hash,
       previous_block_hash, block_hash from ledger.blocks order by sequence_no`,
  );
  const revisions = await db.query(
    `select table_name, document_id, version, data, deleted, tx_id, tx_time, strand_id, sequence_no, entry_index, hash
     from ledger.revisions order by sequence_no, entry_index`,
  );
  const view = await db.query(
    'select table_name, document_id, version, data from ledger.documents order by table_name, document_id',
  );
  // Each document as the Ion hash of its value, whether it is kept as Ion or as JSON (a
  // document JSON holds exactly may be imported as JSON): the same value either way.
  const documentValues = (
    await db.query(
      'select document_id, version, data, ion, deleted from ledger.revisions order by sequence_no, entry_index',
    )
  ).map((row) => {
    const value =
      row.deleted === true
        ? ''
        : hex(row.ion == null ? ionHashOfJson(row.data) : ionHashOfIonBytes(row.ion as Uint8Array));
    return `${row.document_id} v${row.version} ${value}`;
  });
  const [strand] = await db.query(
    'select strand_id, tip_sequence_no, tip_block_hash, frontier from ledger.strands',
  );
  return { blocks, revisions, view, documentValues, strand };
}
