import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ion from 'ion-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../../harness/databases.ts';
import { exportJournal, type JournalExport } from '../../../src/backends/ledger/exportJournal.ts';
import { importJournal, JournalImportError } from '../../../src/backends/ledger/importJournal.ts';
import { type Ledger, openLedger } from '../../../src/backends/ledger/openLedger.ts';
import { validateExport } from './exportValidator.ts';
import { appendFormat1Block, type Format1Write } from './format1Blocks.ts';
import { appendFormat2Block } from './format2Blocks.ts';
import { revisionOfRow, verifyRevisionIndependently } from './independentVerifier.ts';
import { steppingClock } from './ledgerFixture.ts';
import { ledgerSnapshot as snapshot } from './ledgerSnapshot.ts';

const engines = await testEngines();
const TIMEOUT = 120_000;
const hex = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('hex');
const REFUSED = 'Block revisions list hash is not contained in the QLDB block entries hash list.';
const json = (documentId: string, n: number, expectedVersion: number | null = null): Format1Write => ({
  tableName: 'commitments',
  documentId,
  data: { n },
  expectedVersion,
});

// A journal of an upgraded ledger, exported and imported: format 1 blocks (0, 1),
// format 2 blocks (2 of three revisions, 3 of one), format 3 blocks (4 of three, 5 of one).
describe.each(engines)('journal export and import of every block format ($name)', (engine: TestEngine) => {
  let source: Awaited<ReturnType<TestEngine['create']>>;
  let target: Awaited<ReturnType<TestEngine['create']>>;
  let ledger: Ledger;
  let exported: JournalExport;
  let work: string;
  let dir: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'figway-journal-formats-'));
    dir = join(work, 'export');
    source = await engine.create();
    ledger = await openLedger(source.db, { clock: steppingClock().clock });
    await appendFormat1Block(source.db, [json('A', 1)], new Date('2024-02-01T10:00:00.000Z'));
    await appendFormat1Block(source.db, [json('B', 2), json('C', 3)], new Date('2024-02-01T10:00:01.000Z'));
    const three = [json('D', 4), json('A', 5, 0), json('E', 6)];
    await appendFormat2Block(source.db, three, new Date('2024-02-01T10:00:02.000Z'));
    await appendFormat2Block(source.db, [json('F', 7)], new Date('2024-02-01T10:00:03.000Z'));
    await ledger.write([json('G', 8), json('B', 9, 0), json('H', 10)]);
    await ledger.write([json('D', 11, 0)]);
    exported = await exportJournal(source.db, dir, { ledgerName: 'formats', blocksPerObject: 4 });
    target = await engine.create();
    await openLedger(target.db);
  }, TIMEOUT);
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
    await rm(work, { recursive: true, force: true });
  });

  it("exports each block's entriesHashList as stored; AWS's sample check refuses only blocks listing several revisions one by one", async () => {
    const formats = await source.db.query('select format from ledger.blocks order by sequence_no');
    expect(formats.map((row) => Number(row.format))).toEqual([1, 1, 2, 2, 3, 3]);
    const validated = await validateExport(dir);
    expect(validated.blocks.map((block) => block.awsSampleProblem)).toEqual([
      null,
      REFUSED,
      REFUSED,
      null,
      null,
      null,
    ]);
    const blocks = (await Promise.all(exported.keys.map((key) => readFile(join(dir, key))))).flatMap(
      (bytes) => ion.loadAll(bytes),
    );
    const listed = blocks.map((block) => block.get('entriesHashList')?.elements().length);
    expect(listed).toEqual([2, 3, 4, 2, 2, 2]);
  });

  it(
    'imports every format with the same hashes and digest; a format 2 block of one revision, the same in format 3, becomes format 3',
    async () => {
      const imported = await importJournal(target.db, dir);
      const [before, after] = [await snapshot(source.db), await snapshot(target.db)];
      const expectedBlocks = before.blocks.map((block) =>
        Number(block.sequence_no) === 3 ? { ...block, format: 3 } : block,
      );
      expect(after.blocks).toEqual(expectedBlocks);
      expect(after.revisions).toEqual(before.revisions);
      expect(after.view).toEqual(before.view);
      expect(after.strand).toEqual(before.strand);
      const digest = await ledger.getDigest();
      if (digest === null) throw new Error('no digest');
      expect(hex(imported.digest)).toBe(hex(digest.digest));
      const opened = await openLedger(target.db);
      expect(await opened.verifyJournal()).toEqual({ ok: true, blocks: 6 });
      const rows = await target.db.query('select * from ledger.revisions order by sequence_no, entry_index');
      expect(rows).toHaveLength(11);
      for (const row of rows) {
        const revision = revisionOfRow(row);
        const at = { strandId: digest.tipAddress.strandId, sequenceNo: Number(row.sequence_no) };
        const proof = await opened.getRevisionProof(
          at,
          revision.metadata.id,
          digest.tipAddress,
          revision.metadata.version,
        );
        expect(verifyRevisionIndependently(revision, proof, digest.digest)).toBe(true);
      }
    },
    TIMEOUT,
  );

  it('refuses a block whose entries are laid out otherwise, though they hash the same, naming it', async () => {
    // Block 4's two entries swapped: dot does not depend on their order, so its hashes
    // still hold, but [transaction info, revisions' root] is no layout figway stores.
    const copy = join(work, 'swapped');
    await cp(dir, copy, { recursive: true });
    const key = exported.keys[1] as string;
    const text = await readFile(join(copy, key), 'utf8');
    const swapped = text.replace(
      /entriesHashList:\[(\{\{[^}]*\}\}),(\{\{[^}]*\}\})\]/,
      'entriesHashList:[$2,$1]',
    );
    expect(swapped).not.toBe(text);
    await writeFile(join(copy, key), swapped);
    const fresh = await engine.create();
    try {
      await openLedger(fresh.db);
      const failure = await importJournal(fresh.db, copy).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(JournalImportError);
      expect((failure as JournalImportError).block).toEqual({ strandId: exported.strandId, sequenceNo: 4 });
      expect((failure as JournalImportError).reason).toMatch(/entriesHashList is not the Merkle root/);
      const [count] = await fresh.db.query('select count(*)::int as blocks from ledger.blocks');
      expect(count?.blocks).toBe(0);
    } finally {
      await fresh.drop();
    }
  });
});
