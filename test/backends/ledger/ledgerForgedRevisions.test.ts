import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import type { LedgerCommitments } from '../../../src/backends/ledger/ledgerCommitments.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import { verifyCommitment } from '../../../src/backends/ledger/verifyCommitment.ts';
import { verifyCommitmentChain } from '../../../src/backends/ledger/verifyCommitmentChain.ts';
import type { Database, Row } from '../../../src/core/database.ts';
import { ALICE_ID, BOB_ID, commitmentLedgers, SERVICE, userViewer } from './commitmentLedgerFixture.ts';
import { revisionHashOf, revisionOfRow } from './independentVerifier.ts';
import { tamper } from './ledgerFixture.ts';

const engines = await testEngines();
const ALICE = userViewer(ALICE_ID);
const BOB = userViewer(BOB_ID);

// The committed view is the newest revision of each document, so whoever can add or
// remove a revision changes what is served. These attacks work on ledger.revisions
// directly; each must be refused or reported by verifyCommitment and figway verify.
describe.each(engines)('revisions added or removed behind the journal ($name)', (engine) => {
  let ledger: Ledger;
  let db: Database;
  let commitments: LedgerCommitments;
  let id: string;
  let ledgers: Awaited<ReturnType<typeof commitmentLedgers>>;
  beforeAll(async () => {
    ledgers = await commitmentLedgers(engine);
  });
  beforeEach(async () => {
    ({ ledger, db, commitments, id } = await ledgers.fresh());
  });
  afterAll(() => ledgers?.drop());

  /** Revision 2 of the commitment with bob as a party and a hash that matches it. */
  async function forgedRevision(sequenceNo: (row: Row) => number) {
    const [row] = await db.query(
      "select * from ledger.revisions where table_name = 'commitments' and document_id = $1 and version = 1",
      [id],
    );
    if (row === undefined) throw new Error('no revision 1');
    const data = row.data as { parties: unknown[] };
    const forged = {
      ...row,
      version: 2,
      data: { ...data, parties: [...data.parties, { ...(data.parties[0] as object), profileId: BOB_ID }] },
      sequence_no: sequenceNo(row),
      // The entry after revision 1's, whatever its block's format numbers entries from.
      entry_index: Number(row.entry_index) + 1,
    };
    const hash = revisionHashOf(revisionOfRow(forged).metadata, forged.data);
    return [
      `insert into ledger.revisions (table_name, document_id, version, data, tx_id, tx_time, strand_id, sequence_no, entry_index, hash)
       values ('commitments', $1, 2, $2::text::jsonb, $3, $4, $5, $6, $7, $8) returning 1`,
      [
        id,
        JSON.stringify(forged.data),
        row.tx_id,
        row.tx_time,
        row.strand_id,
        forged.sequence_no,
        forged.entry_index,
        Buffer.from(hash),
      ],
    ] as const;
  }

  it('refuses a revision added to a block already in the journal', async () => {
    const [sql, params] = await forgedRevision((row) => Number(row.sequence_no));
    await expect(db.query(sql, params)).rejects.toThrow(/appended only with a new block/);
    expect(await commitments.commitmentsByIds(BOB, [id])).toEqual([]);
  });

  it('with triggers bypassed, reports a revision slipped into a block its transaction did not record', async () => {
    const [sql, params] = await forgedRevision((row) => Number(row.sequence_no));
    expect(await tamper(db, sql, params)).toHaveLength(1);
    const result = await verifyCommitment(ledger, commitments, BOB, id);
    expect(result).toMatchObject({ revision: { metadata: { version: 2 } }, verified: false });
    expect(result?.problem).toMatch(
      /sequenceNo: 1} fails verification: its entries do not hash to its entries hash/,
    );
    const chain = await verifyCommitmentChain(ledger, commitments, SERVICE, id);
    expect(chain.links.map((link) => [link.version, link.verified])).toEqual([
      [0, true],
      [1, false],
      [2, false],
    ]);
    expect(chain.verified).toBe(false);
  });

  it('with triggers bypassed, reports a revision whose block is not in the journal', async () => {
    const [sql, params] = await forgedRevision((row) => Number(row.sequence_no) + 5);
    expect(await tamper(db, sql, params)).toHaveLength(1);
    const result = await verifyCommitment(ledger, commitments, BOB, id);
    expect(result).toMatchObject({ revision: { metadata: { version: 2 } }, verified: false, proof: [] });
    expect(result?.problem).toMatch(
      /block \{strandId: \S+, sequenceNo: 6\} fails verification: it is not in the journal, whose tip is block 1/,
    );
    expect((await verifyCommitmentChain(ledger, commitments, SERVICE, id)).verified).toBe(false);
    expect(await ledger.verifyJournal()).toMatchObject({
      ok: false,
      reason: `revision ${id} v2 names block 6, which is not in the journal`,
    });
  });

  it('with triggers bypassed, reports a newest revision deleted to roll the view back', async () => {
    const removed = await tamper(
      db,
      `delete from ledger.revisions where table_name = 'commitments' and document_id = $1 and version = 1
       returning 1`,
      [id],
    );
    expect(removed).toHaveLength(1);
    expect(await commitments.commitmentsByIds(ALICE, [id])).toMatchObject([{ status: 'DRAFT' }]);
    const result = await verifyCommitment(ledger, commitments, ALICE, id);
    expect(result).toMatchObject({ revision: { metadata: { version: 0 } }, verified: false });
    expect(result?.problem).toMatch(
      /sequenceNo: 1} fails verification: its entries do not hash to its entries hash/,
    );
    const chain = await verifyCommitmentChain(ledger, commitments, SERVICE, id);
    expect(chain).toMatchObject({ verified: false, links: [{ version: 0, verified: false }] });
  });

  it('with triggers bypassed, reports a newest revision moved to another document to roll the view back', async () => {
    const moved = await tamper(
      db,
      `update ledger.revisions set document_id = 'elsewhere'
       where table_name = 'commitments' and document_id = $1 and version = 1 returning 1`,
      [id],
    );
    expect(moved).toHaveLength(1);
    expect(await commitments.commitmentsByIds(ALICE, [id])).toMatchObject([{ status: 'DRAFT' }]);
    // Block 1 still hashes (its revision's stored hash is unchanged), and its hashed
    // transaction info names the commitment.
    expect(await verifyCommitment(ledger, commitments, ALICE, id)).toMatchObject({
      revision: { metadata: { version: 0 } },
      verified: false,
      problem: `block 1 recorded a later version of commitments/${id}, which the committed view does not serve`,
    });
  });
});
