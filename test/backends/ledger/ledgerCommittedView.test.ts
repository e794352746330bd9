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

  // The newest version's revision deleted and its block's JSON copy of the transaction
  // info emptied: the view serves v0 again and the digest does not change. The later
  // block's hashed transaction info still names the commitment, and that block no
  // longer matches its hashes.
  it('notices a rollback by a deleted revision and an edited JSON copy of its block', async () => {
    const before = await ledger.getDigest();
    await tamper(db, 'delete from ledger.revisions where document_id = $1 and version = 1', [id]);
    await tamper(
      db,
      `update ledger.blocks set transaction_info = jsonb_set(transaction_info, '{documents}', '{}')
       where sequence_no = 1`,
    );
    expect(await commitments.commitmentsByIds(ALICE, [id])).toMatchObject([{ status: 'DRAFT' }]);
    expect(await ledger.getDigest()).toEqual(before);

    const newest = await verifyCommitment(ledger, commitments, ALICE, id);
    expect(newest).toMatchObject({ revision: { metadata: { version: 0 } }, verified: false });
    expect(newest?.problem).toMatch(/^Ledger block \{strandId: \S+, sequenceNo: 1\} fails verification: /);
    const chain = await verifyCommitmentChain(ledger, commitments, SERVICE, id);
    expect(chain.verified).toBe(false);
    expect(await ledger.verifyJournal()).toMatchObject({ ok: false, firstBadBlock: { sequenceNo: 1 } });
  });

  // The newest version's block rewritten as a block that hashes and chains correctly,
  // with the Merkle tree and the strand put back: the digest does not change and the
  // older revision's proof climbs only stored nodes. Only the path from the rewritten
  // tip to the digest tells.
  it('notices a later block replaced by a consistent one that the digest does not cover', async () => {
    const scratch = (documentId: string) => [
      { tableName: 'scratch', documentId, data: { documentId }, expectedVersion: null },
    ];
    await ledger.write(scratch('before'));
    const [afterBlock2] = await db.query('select * from ledger.strands');
    await commitments.updateCommitmentStatus(ALICE, id, 'PROPOSED', 'ACTIVE');
    const digest = await ledger.getDigest();
    const [strand] = await db.query('select * from ledger.strands');
    const nodes = await db.query('select * from ledger.tree_nodes');
    const setStrand = 'update ledger.strands set tip_sequence_no = $1, tip_block_hash = $2, frontier = $3';
    const strandOf = (row = afterBlock2) => [row?.tip_sequence_no, row?.tip_block_hash, row?.frontier];
    await tamper(db, 'delete from ledger.revisions where sequence_no = 3');
    await tamper(db, 'delete from ledger.blocks where sequence_no = 3');
    await tamper(db, 'delete from ledger.tree_nodes');
    await tamper(db, setStrand, strandOf());
    await ledger.write(scratch('instead'));
    await tamper(db, 'delete from ledger.tree_nodes');
    for (const node of nodes) {
      await tamper(db, 'insert into ledger.tree_nodes values ($1, $2, $3, $4)', [
        node.strand_id,
        node.level,
        node.node_index,
        node.hash,
      ]);
    }
    await tamper(db, setStrand, strandOf(strand));
    expect(await ledger.getDigest()).toEqual(digest);
    expect(await commitments.commitmentsByIds(ALICE, [id])).toMatchObject([{ status: 'PROPOSED' }]);

    const newest = await verifyCommitment(ledger, commitments, ALICE, id);
    expect(newest).toMatchObject({
      revision: { metadata: { version: 1 } },
      verified: false,
      problem: 'the blocks from block 1 to the tip (block 3) do not lead to the current digest',
    });
    expect(await ledger.verifyJournal()).toMatchObject({ ok: false, firstBadBlock: { sequenceNo: 3 } });
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
