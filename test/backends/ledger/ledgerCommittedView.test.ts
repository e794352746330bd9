import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import type { LedgerCommitments } from '../../../src/backends/ledger/ledgerCommitments.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import { verifyCommitment } from '../../../src/backends/ledger/verifyCommitment.ts';
import { verifyCommitmentChain } from '../../../src/backends/ledger/verifyCommitmentChain.ts';
import type { Database } from '../../../src/core/database.ts';
import {
  ADD_PARTY_TO_VIEW,
  ALICE_ID,
  BOB_ID,
  commitmentLedgers,
  SERVICE,
  userViewer,
} from './commitmentLedgerFixture.ts';
import { tamper } from './ledgerFixture.ts';

const engines = await testEngines();
const ALICE = userViewer(ALICE_ID);
const BOB = userViewer(BOB_ID);

// The attack: `update ledger.documents` once made bob a party of alice's commitment,
// the gateway served it to him, and every verification still said "verified".
describe.each(engines)('the committed view ($name)', (engine) => {
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

  it('starts with bob seeing nothing and the newest revision verifying', async () => {
    expect(await commitments.commitmentsByIds(BOB, [id])).toEqual([]);
    expect(await commitments.commitmentsByIds(ALICE, [id])).toMatchObject([{ status: 'PROPOSED' }]);
    expect(await verifyCommitment(ledger, commitments, ALICE, id)).toMatchObject({
      revision: { metadata: { version: 1 } },
      verified: true,
      problem: null,
    });
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: 2 });
  });

  it('refuses an edit or a delete of the view, so bob is not made a party', async () => {
    await expect(db.query(ADD_PARTY_TO_VIEW, [id, BOB_ID])).rejects.toThrow(/append-only/);
    await expect(db.query('delete from ledger.documents where document_id = $1', [id])).rejects.toThrow(
      /append-only/,
    );
    expect(await commitments.commitmentsByIds(BOB, [id])).toEqual([]);
    expect(await commitments.historyByIds(BOB, [id])).toEqual([]);
    expect(await verifyCommitment(ledger, commitments, ALICE, id)).toMatchObject({ verified: true });
  });

  it.each([
    ['session_replication_role = replica', undefined],
    ['the revisions trigger disabled', 'ledger.revisions'],
  ])('with %s, an edit of the view edits the newest revision, and verification says so', async (_, table) => {
    expect(await tamper(db, ADD_PARTY_TO_VIEW, [id, BOB_ID], table)).toHaveLength(1);
    // What bob is now served is exactly what the verifications below examine.
    const parties = await commitments.partiesByCommitmentIds(BOB, [id]);
    expect(parties.map((party) => party.profileId)).toContain(BOB_ID);

    const newest = await verifyCommitment(ledger, commitments, BOB, id);
    expect(newest).toMatchObject({ revision: { metadata: { version: 1 } }, verified: false, proof: [] });
    expect(newest?.problem).toMatch(new RegExp(`revision ${id} v1 does not match its hash`));
    const chain = await verifyCommitmentChain(ledger, commitments, SERVICE, id);
    expect(chain.verified).toBe(false);
    expect(chain.links.map((link) => [link.version, link.verified])).toEqual([
      [0, true],
      [1, false],
    ]);
    expect(await ledger.verifyJournal()).toMatchObject({
      ok: false,
      firstBadBlock: { sequenceNo: 1 },
      reason: `revision ${id} v1 does not match its hash`,
    });
  });

  it('checks a view that was replaced by a table against the newest revision', async () => {
    await db.transaction((tx) =>
      tx.exec(`alter table ledger.documents rename to documents_replaced;
        create table ledger.documents as select * from ledger.documents_replaced;`),
    );
    expect(await tamper(db, ADD_PARTY_TO_VIEW, [id, BOB_ID])).toHaveLength(1);
    expect(await commitments.commitmentsByIds(BOB, [id])).toHaveLength(1);

    const newest = await verifyCommitment(ledger, commitments, BOB, id);
    expect(newest).toMatchObject({ revision: { metadata: { version: 1 } }, verified: false });
    expect(newest?.problem).toBe(`the committed view of commitments/${id} is not its newest revision (v1)`);
    // An older version is not what the view serves, so it still verifies on its own.
    expect(await verifyCommitment(ledger, commitments, BOB, id, 0)).toMatchObject({ verified: true });
    const chain = await verifyCommitmentChain(ledger, commitments, SERVICE, id);
    expect(chain.links.map((link) => link.verified)).toEqual([true, false]);
    expect(await ledger.verifyJournal()).toMatchObject({
      ok: false,
      firstBadBlock: { sequenceNo: 1 },
      reason: `the committed view of commitments/${id} is not its newest revision`,
    });
  });

  it('notices a replaced view that lost a document, and one that holds a document without revisions', async () => {
    await db.transaction((tx) =>
      tx.exec(`alter table ledger.documents rename to documents_replaced;
        create table ledger.documents as select * from ledger.documents_replaced;`),
    );
    await db.query('delete from ledger.documents where document_id = $1', [id]);
    expect(await ledger.verifyJournal()).toMatchObject({ ok: false, firstBadBlock: { sequenceNo: 1 } });
    await db.query('insert into ledger.documents select * from ledger.documents_replaced');
    await db.query(`insert into ledger.documents values ('commitments', 'ghost', 0, '{}')`);
    expect(await ledger.verifyJournal()).toMatchObject({
      ok: false,
      reason: 'the committed view holds commitments/ghost, which has no revision',
    });
  });
});
