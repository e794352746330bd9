import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { ionToJson } from '../../../src/backends/ledger/ionToJson.ts';
import { LedgerTamperedError } from '../../../src/backends/ledger/ledgerErrors.ts';
import type { LedgerRevision, LedgerWrite } from '../../../src/backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import type { Database, Row } from '../../../src/core/database.ts';
import { foldProof } from './independentVerifier.ts';
import {
  EVERY_TYPE,
  generatedDocument,
  hex,
  ionBinary,
  referenceRevisionHash,
} from './ionDocumentFixture.ts';
import { openTestLedger, steppingClock, tamper } from './ledgerFixture.ts';

const engines = await testEngines();
const TABLE = 'Vehicle';

const ionWrite = (
  documentId: string,
  ion: Uint8Array,
  expectedVersion: number | null = null,
): LedgerWrite => ({
  tableName: TABLE,
  documentId,
  data: null,
  ion,
  expectedVersion,
});
const deletion = (documentId: string, expectedVersion: number): LedgerWrite => ({
  tableName: TABLE,
  documentId,
  data: null,
  deleted: true,
  expectedVersion,
});

/** Checks a revision the ledger read or wrote against the Ion it was given. */
function expectStored(revision: LedgerRevision | null | undefined, ion: Uint8Array): void {
  expect(hex(revision?.ion)).toBe(hex(ion));
  expect(revision?.deleted).toBe(false);
  expect(revision?.data).toEqual(ionToJson(ion));
}

/** Checks a revision's hash and its proof to the current digest with ion-hash-js and the independent verifier. */
async function expectProven(ledger: Ledger, revision: LedgerRevision): Promise<void> {
  const digest = await ledger.getDigest();
  if (digest === null) throw new Error('no digest');
  const expected = referenceRevisionHash(revision);
  expect(hex(revision.hash), `${revision.metadata.id} v${revision.metadata.version}`).toBe(hex(expected));
  const { id, version } = revision.metadata;
  const proof = await ledger.getRevisionProof(revision.blockAddress, id, digest.tipAddress, version, TABLE);
  expect(hex(foldProof(expected, proof))).toBe(hex(digest.digest));
}

describe.each(engines)('Ion documents in the ledger ($name)', (engine) => {
  let ledger: Ledger;
  let db: Database;
  let drop: () => Promise<void>;
  const documents: Array<[string, Uint8Array]> = [
    ['every-type', ionBinary(EVERY_TYPE)],
    ...Array.from({ length: 24 }, (_, seed): [string, Uint8Array] => [
      `generated-${seed}`,
      generatedDocument(seed),
    ]),
  ];
  const ids = documents.map(([id]) => id);

  beforeAll(async () => {
    ({ ledger, db, drop } = await openTestLedger(engine, { clock: steppingClock().clock }));
  });
  afterAll(async () => {
    await drop?.();
  });

  it('stores Ion documents of every type as written and reads them back byte for byte', async () => {
    const appended = await ledger.write(documents.map(([id, ion]) => ionWrite(id, ion)));
    for (const [index, [, ion]] of documents.entries()) expectStored(appended.revisions[index], ion);
    const current = await ledger.currentOf(TABLE, ids);
    for (const [id, ion] of documents) expectStored(current.get(id), ion);
    const [id, ion] = documents[0] as [string, Uint8Array];
    expectStored(await ledger.current(TABLE, id), ion);
    const history = await ledger.history(TABLE, id);
    expect(history).toHaveLength(1);
    expectStored(history[0], ion);
    const view = await db.query(
      'select document_id, version, data, ion from ledger.documents where table_name = $1',
      [TABLE],
    );
    expect(new Map(view.map((row) => [row.document_id, hex(row.ion as Uint8Array)]))).toEqual(
      new Map(documents.map(([name, bytes]) => [name, hex(bytes)])),
    );
  });

  it('keeps the JSON down-conversion queryable with jsonb', async () => {
    const found = await db.query(
      `select document_id, data -> 'ts' as ts, data -> 'd' as d, data -> 'big' as big from ledger.documents
       where table_name = $1 and data @> '{"s": "text", "nested": {"a": {}}}'`,
      [TABLE],
    );
    expect(found).toEqual([
      {
        document_id: 'every-type',
        ts: [
          '2024',
          '2024-02',
          '2024-02-29',
          '2024-02-29T23:59-00:00',
          '2024-02-29T23:59:58Z',
          '2024-02-29T23:59:58.120+05:30',
          '0001-01-02T00:00:00.000000001-23:59',
        ],
        d: 12.5,
        big: '123456789012345678901234567890',
      },
    ]);
  });

  it('hashes each Ion document as ion-hash-js does, and its proof leads to the digest', async () => {
    for (const revision of (await ledger.currentOf(TABLE, ids)).values())
      await expectProven(ledger, revision);
  });

  it('records a deletion: the document leaves the committed view, and its history shows it', async () => {
    await ledger.write([ionWrite('deleted', ionBinary('{plate: "X-1"}'))]);
    await ledger.write([ionWrite('deleted', ionBinary('{plate: "X-2", at: 2024-03-01T12:00Z}'), 0)]);
    const appended = await ledger.write([deletion('deleted', 1)]);
    expect(appended.revisions[0]).toMatchObject({ deleted: true, data: null, ion: null });
    const history = await ledger.history(TABLE, 'deleted');
    expect(history.map((revision) => [revision.metadata.version, revision.deleted])).toEqual([
      [0, false],
      [1, false],
      [2, true],
    ]);
    expect(history[2]).toMatchObject({ data: null, ion: null, hash: appended.revisions[0]?.hash });
    expect(await ledger.current(TABLE, 'deleted')).toMatchObject({ deleted: true, metadata: { version: 2 } });
    const served = await db.query(
      'select * from ledger.documents where table_name = $1 and document_id = $2',
      [TABLE, 'deleted'],
    );
    expect(served).toEqual([]);
    // QLDB hashes a deleted document's revision from its metadata alone.
    for (const revision of history) await expectProven(ledger, revision);
  });

  it('verifies a journal mixing JSON documents, Ion documents and deletions, in one block too', async () => {
    await ledger.write([
      { tableName: 'Owner', documentId: 'json-1', data: { name: 'Ana', n: 1.5 }, expectedVersion: null },
    ]);
    const mixed = await ledger.write([
      { tableName: 'Owner', documentId: 'json-1', data: { name: 'Ana', n: 2 }, expectedVersion: 0 },
      ionWrite('mixed', ionBinary('{owner: "json-1", since: 2024-03-01}')),
      deletion('generated-3', 0),
      { tableName: 'Owner', documentId: 'json-1', data: null, deleted: true, expectedVersion: 1 },
    ]);
    expect(mixed.revisions.map((revision) => [revision.ion === null, revision.deleted])).toEqual([
      [true, false],
      [false, false],
      [true, true],
      [true, true],
    ]);
    expect(await ledger.current('Owner', 'json-1')).toMatchObject({
      deleted: true,
      metadata: { version: 2 },
    });
    expect((await ledger.history('Owner', 'json-1'))[1]).toMatchObject({
      data: { name: 'Ana', n: 2 },
      ion: null,
    });
    const blocks = await db.query('select count(*)::int as n from ledger.blocks');
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: blocks[0]?.n });
  });

  it('refuses a malformed write before anything is written', async () => {
    const before = await ledger.getDigest();
    const bytes = ionBinary('{a: 1}');
    const refused: Array<[LedgerWrite, RegExp]> = [
      [{ ...ionWrite('bad', bytes), data: { a: 1 } }, /gives data with ion or deleted/],
      [ionWrite('bad', new TextEncoder().encode('{a: 1}')), /not Ion binary/],
      [ionWrite('bad', ionBinary('1 2')), /more than one top-level value/],
      [{ ...deletion('bad', 0), expectedVersion: null }, /must name the version it deletes/],
      [{ ...deletion('bad', 0), ion: bytes }, /both deletes and writes Ion/],
    ];
    for (const [write, message] of refused) await expect(ledger.write([write])).rejects.toThrow(message);
    expect(await ledger.getDigest()).toEqual(before);
  });
});

describe.each(engines)('tampered Ion documents ($name)', (engine) => {
  let ledger: Ledger;
  let db: Database;
  let drop: () => Promise<void>;
  const ion = ionBinary(EVERY_TYPE);
  let rows: Row[] = [];
  let view = '';

  beforeAll(async () => {
    ({ ledger, db, drop } = await openTestLedger(engine, { clock: steppingClock().clock }));
    await ledger.write([
      { tableName: TABLE, documentId: 'json', data: { plate: 'J-1' }, expectedVersion: null },
    ]);
    await ledger.write([ionWrite('ion', ion)]);
    await ledger.write([deletion('json', 0)]);
    rows = await db.query('select document_id, version, data, ion, deleted from ledger.revisions');
    const [definition] = await db.query("select pg_get_viewdef('ledger.documents') as sql");
    view = String(definition?.sql);
  });
  // Each case tampers with the same journal, put back as it was after it.
  afterEach(async () => {
    await db.exec(`create or replace view ledger.documents as ${view}`);
    for (const row of rows) {
      await tamper(
        db,
        `update ledger.revisions set data = $3::text::jsonb, ion = $4, deleted = $5
         where document_id = $1 and version = $2`,
        [
          row.document_id,
          row.version,
          row.data === null ? null : JSON.stringify(row.data),
          row.ion,
          row.deleted,
        ],
      );
    }
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: 3 });
  });
  afterAll(async () => {
    await drop?.();
  });

  async function expectReported(sequenceNo: number, reason: RegExp | string): Promise<void> {
    const check = await ledger.verifyJournal();
    expect(check).toMatchObject({ ok: false, firstBadBlock: { sequenceNo } });
    expect(check.ok === false ? check.reason : '').toMatch(reason);
  }

  it('reports one flipped byte in a stored Ion document', async () => {
    const at = Buffer.from(ion).indexOf('flip-me');
    const flipped = await tamper(
      db,
      `update ledger.revisions set ion = set_byte(ion, $1, get_byte(ion, $1) # 1) where document_id = 'ion'
       returning ion`,
      [at],
    );
    expect(hex(flipped[0]?.ion as Uint8Array)).not.toBe(hex(ion));
    await expectReported(1, 'revision ion v0 does not match its hash');
    const tip = (await ledger.getDigest())?.tipAddress;
    if (tip === undefined) throw new Error('no digest');
    const revision = await ledger.current(TABLE, 'ion');
    if (revision === null) throw new Error('no revision');
    await expect(ledger.getRevisionProof(revision.blockAddress, 'ion', tip)).rejects.toThrow(
      LedgerTamperedError,
    );
  });

  it('reports stored Ion that can no longer be read', async () => {
    await tamper(
      db,
      "update ledger.revisions set ion = substring(ion from 1 for 20) where document_id = 'ion'",
    );
    await expectReported(1, /revision ion v0 does not match its hash: its Ion cannot be read/);
  });

  it('reports JSON data edited apart from its Ion', async () => {
    await tamper(
      db,
      `update ledger.revisions set data = jsonb_set(data, '{s}', '"forged"') where document_id = 'ion'`,
    );
    await expectReported(1, "revision ion v0 holds JSON data that is not its Ion's down-conversion");
  });

  it('reports a deletion undone, and a document deleted behind the journal', async () => {
    await tamper(
      db,
      `update ledger.revisions set deleted = false, data = '{"plate": "J-1"}' where document_id = 'json' and version = 1`,
    );
    await expectReported(2, 'revision json v1 does not match its hash');
    await tamper(
      db,
      "update ledger.revisions set deleted = true, data = null, ion = null where document_id = 'ion'",
    );
    await expectReported(1, 'revision ion v0 does not match its hash');
  });

  it('reports a committed view that still serves a deleted document', async () => {
    await db.exec(`create or replace view ledger.documents as
      select r.table_name, r.document_id, r.version, r.data, r.ion from ledger.revisions r
      where not exists (select 1 from ledger.revisions newer where newer.table_name = r.table_name
        and newer.document_id = r.document_id and newer.version > r.version)`);
    await expectReported(2, `the committed view serves ${TABLE}/json, whose newest revision deletes it`);
  });
});
