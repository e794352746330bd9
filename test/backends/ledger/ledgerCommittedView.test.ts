import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import type { Database } from '../../../src/backends/sql/database.ts';
import { testEngines } from '../../support/databases.ts';
import { openTestLedger } from './ledgerFixture.ts';

const engines = await testEngines();

describe.each(engines)('verifyJournal on the committed view ($name)', (engine) => {
  let ledger: Ledger;
  let db: Database;
  let drop: () => Promise<void>;
  beforeEach(async () => {
    ({ ledger, db, drop } = await openTestLedger(engine));
    await ledger.write([
      { tableName: 'commitments', documentId: 'A', data: { status: 'DRAFT' }, expectedVersion: null },
    ]);
    await ledger.write([
      { tableName: 'commitments', documentId: 'B', data: { status: 'DRAFT' }, expectedVersion: null },
    ]);
    await ledger.write([
      { tableName: 'commitments', documentId: 'A', data: { status: 'ACTIVE' }, expectedVersion: 0 },
    ]);
  });
  afterEach(() => drop());

  it('names the block of the newest revision when the view serves an older one', async () => {
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: 3 });
    // ledger.documents is not append-only, so no trigger stands in the way.
    await db.query(
      `update ledger.documents set version = 0, data = '{"status": "DRAFT"}' where table_name = 'commitments' and document_id = 'A'`,
    );
    expect(await ledger.verifyJournal()).toMatchObject({
      ok: false,
      firstBadBlock: { sequenceNo: 2 },
      reason: 'the committed view of commitments/A is not its newest revision',
    });
  });

  it('notices a document missing from the view, and one that has no revision', async () => {
    await db.query("delete from ledger.documents where document_id = 'B'");
    expect(await ledger.verifyJournal()).toMatchObject({ ok: false, firstBadBlock: { sequenceNo: 1 } });
    await db.query(
      `insert into ledger.documents (table_name, document_id, version, data) select table_name, document_id, version, data
       from ledger.revisions where document_id = 'B'`,
    );
    await db.query(`insert into ledger.documents values ('commitments', 'ghost', 0, '{}')`);
    expect(await ledger.verifyJournal()).toMatchObject({
      ok: false,
      reason: 'the committed view holds commitments/ghost, which has no revision',
    });
  });
});
