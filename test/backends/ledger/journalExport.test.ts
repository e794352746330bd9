import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ion from 'ion-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../../harness/databases.ts';
import {
  ExportDirectoryError,
  exportJournal,
  type JournalExport,
} from '../../../src/backends/ledger/exportJournal.ts';
import {
  importJournal,
  JournalImportError,
  LedgerNotEmptyError,
} from '../../../src/backends/ledger/importJournal.ts';
import { LedgerTamperedError } from '../../../src/backends/ledger/ledgerErrors.ts';
import { type Ledger, openLedger } from '../../../src/backends/ledger/openLedger.ts';
import type { Database } from '../../../src/core/database.ts';
import { validateExport } from './exportValidator.ts';
import { foldProof, ionHashOfIonBytes, revisionHashOf, revisionOfRow } from './independentVerifier.ts';
import { LEDGER_NAME, type MixedJournal, withDriver, writeMixedJournal } from './journalExportFixture.ts';
import { steppingClock, tamper } from './ledgerFixture.ts';
import { ledgerSnapshot as snapshot } from './ledgerSnapshot.ts';

const engines = await testEngines();
const TIMEOUT = 120_000;
const hex = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('hex');

describe.each(engines)('journal export and import ($name)', (engine: TestEngine) => {
  let source: Awaited<ReturnType<TestEngine['create']>>;
  let target: Awaited<ReturnType<TestEngine['create']>>;
  let ledger: Ledger;
  let written: MixedJournal;
  let exported: JournalExport;
  let work: string;
  let dir: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'figway-journal-export-'));
    dir = join(work, 'export');
    source = await engine.create();
    ledger = await openLedger(source.db, { clock: steppingClock().clock });
    written = await writeMixedJournal(ledger);
    exported = await exportJournal(source.db, dir, { ledgerName: LEDGER_NAME, blocksPerObject: 4 });
    target = await engine.create();
    // An empty ledger: its tables and its strand, with no block.
    await openLedger(target.db);
  }, TIMEOUT);
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
    await rm(work, { recursive: true, force: true });
  });

  it('writes the manifests and data objects an independent validator accepts, with the ledger digest', async () => {
    const digest = await ledger.getDigest();
    const formats = await source.db.query('select distinct format from ledger.blocks order by format');
    expect(formats.map((row) => Number(row.format))).toEqual([1, 3]);
    const validated = await validateExport(dir);
    // AWS's sample block check refuses only the last block: format 1, of two revisions.
    const refused = validated.blocks.filter((block) => block.awsSampleProblem !== null);
    expect(refused.map((block) => block.sequenceNo)).toEqual([exported.blocks - 1]);
    expect(validated.blocks).toHaveLength(exported.blocks);
    expect(exported.blocks).toBe((digest?.tipAddress.sequenceNo ?? -1) + 1);
    expect(hex(validated.digest)).toBe(hex(digest?.digest));
    expect(validated.strandId).toBe(digest?.tipAddress.strandId);
    expect(validated.keys).toEqual(exported.keys);
    expect(validated.keys.length).toBe(Math.ceil(exported.blocks / 4));
    expect(validated.keys[0]).toBe(`${validated.strandId}.0-3.ion`);
    expect(validated.exportId).toMatch(/^[A-Za-z0-9]{22}$/);
    expect(validated.started.get('ledgerName')?.stringValue()).toBe(LEDGER_NAME);
    expect(validated.started.get('exportId')?.stringValue()).toBe(validated.exportId);
    expect(validated.started.get('outputFormat')?.stringValue()).toBe('ION_TEXT');
    expect((await readdir(dir)).sort()).toEqual(
      [
        `${validated.exportId}.started.manifest`,
        `${validated.exportId}.${validated.strandId}.completed.manifest`,
        ...validated.keys,
      ].sort(),
    );
  });

  it('keeps Ion types in the data objects: timestamps, decimals and blobs as Ion, a deletion without data', async () => {
    const blocks = (await Promise.all(exported.keys.map((key) => readFile(join(dir, key))))).flatMap(
      (bytes) => ion.loadAll(bytes),
    );
    const revisions = blocks.flatMap((block) => block.get('revisions')?.elements() ?? []);
    const vehicle = revisions.find(
      (revision) => revision.get('metadata', 'id')?.stringValue() === written.vehicleId,
    );
    expect(vehicle?.get('data', 'registered')?.getType()).toBe(ion.IonTypes.TIMESTAMP);
    expect(vehicle?.get('data', 'price')?.getType()).toBe(ion.IonTypes.DECIMAL);
    expect(vehicle?.get('data', 'photo')?.getType()).toBe(ion.IonTypes.BLOB);
    expect(vehicle?.get('metadata', 'txTime')?.getType()).toBe(ion.IonTypes.TIMESTAMP);
    expect(vehicle?.get('hash')?.getType()).toBe(ion.IonTypes.BLOB);
    const deletion = revisions.find(
      (revision) =>
        revision.get('metadata', 'id')?.stringValue() === written.deletedId &&
        revision.get('metadata', 'version')?.numberValue() === 1,
    );
    expect(deletion?.get('data')).toBeNull();
    expect(deletion?.get('hash')?.getType()).toBe(ion.IonTypes.BLOB);
    const statement = blocks[2]?.get('transactionInfo', 'statements')?.elements()[0];
    expect(statement?.get('statement')?.stringValue()).toBe('CREATE TABLE vehicles');
    expect(statement?.get('statementDigest')?.getType()).toBe(ion.IonTypes.BLOB);
    expect(blocks[0]?.get('blockTimestamp')?.getType()).toBe(ion.IonTypes.TIMESTAMP);
  });

  it(
    'stops at the block a flipped byte breaks, naming its address, and imports nothing',
    async () => {
      const cases: Array<{ name: string; sequenceNo: number; flip(text: string): string; reason: RegExp }> = [
        {
          name: "a character in a revision's data",
          sequenceNo: 6,
          flip: (text) => text.replace('"flip-me"', '"flip-mf"'),
          reason: /revision every-type v0 does not match its hash/,
        },
        {
          name: 'a character of a block hash',
          sequenceNo: 1,
          flip: (text) => {
            const second = text.split('\n').filter((line) => line.trim() !== '')[1] as string;
            const flipped = second.replace(
              /blockHash:\{\{(.)/,
              (_, c: string) => `blockHash:{{${c === 'A' ? 'B' : 'A'}`,
            );
            return text.replace(second, flipped);
          },
          reason: /its block hash is not dot\(entries hash, previous block hash\)/,
        },
      ];
      for (const flipped of cases) {
        const copy = join(work, `flipped-${flipped.sequenceNo}`);
        await cp(dir, copy, { recursive: true });
        const key = exported.keys[Math.floor(flipped.sequenceNo / 4)] as string;
        const text = await readFile(join(copy, key), 'utf8');
        const changed = flipped.flip(text);
        expect(changed, flipped.name).not.toBe(text);
        await writeFile(join(copy, key), changed);
        const failure = await importJournal(target.db, copy).catch((error: unknown) => error);
        expect(failure, flipped.name).toBeInstanceOf(JournalImportError);
        expect((failure as JournalImportError).block).toEqual({
          strandId: exported.strandId,
          sequenceNo: flipped.sequenceNo,
        });
        expect((failure as JournalImportError).reason).toMatch(flipped.reason);
        expect((failure as Error).message).toContain(
          `{strandId: ${exported.strandId}, sequenceNo: ${flipped.sequenceNo}}`,
        );
        const [count] = await target.db.query('select count(*)::int as blocks from ledger.blocks');
        expect(count?.blocks, flipped.name).toBe(0);
      }
    },
    TIMEOUT,
  );

  it('refuses an export that does not start at the first block, or lists a file outside its directory', async () => {
    const manifestName = `${exported.exportId}.${exported.strandId}.completed.manifest`;
    const rewritten = async (name: string, keys: string[]) => {
      const copy = join(work, name);
      await cp(dir, copy, { recursive: true });
      await writeFile(
        join(copy, manifestName),
        `{keys:[${keys.map((key) => JSON.stringify(key)).join(',')}]}`,
      );
      return importJournal(target.db, copy).catch((error: unknown) => error);
    };
    const headless = await rewritten('headless', exported.keys.slice(1));
    expect(headless).toBeInstanceOf(JournalImportError);
    expect((headless as JournalImportError).block).toEqual({ strandId: exported.strandId, sequenceNo: 4 });
    expect((headless as JournalImportError).reason).toMatch(/block 0 comes first/);
    const outside = await rewritten('outside', [`../export/${exported.keys[0]}`]);
    expect(outside).toBeInstanceOf(JournalImportError);
    expect((outside as JournalImportError).block).toBeNull();
    expect((outside as JournalImportError).reason).toMatch(/not a path inside the export/);
    const [count] = await target.db.query('select count(*)::int as blocks from ledger.blocks');
    expect(count?.blocks).toBe(0);
  });

  it(
    'imports into a fresh ledger with the same blocks, hashes, digest and committed view',
    async () => {
      const imported = await importJournal(target.db, dir);
      const opened = await openLedger(target.db);
      const [before, after] = [await snapshot(source.db), await snapshot(target.db)];
      expect(after.blocks).toEqual(before.blocks);
      expect(after.revisions).toEqual(before.revisions);
      expect(after.view).toEqual(before.view);
      expect(after.documentValues).toEqual(before.documentValues);
      // A document with Ion types JSON cannot hold (timestamps, blobs, symbols, ...) stays Ion.
      const ionOf = (db: Database, id: string) =>
        db.query('select ion from ledger.revisions where document_id = $1 and version = 0', [id]);
      for (const id of ['every-type', written.vehicleId]) {
        const [row] = await ionOf(target.db, id);
        const [original] = await ionOf(source.db, id);
        expect(row?.ion, id).toBeInstanceOf(Uint8Array);
        expect(hex(ionHashOfIonBytes(row?.ion as Uint8Array))).toBe(
          hex(ionHashOfIonBytes(original?.ion as Uint8Array)),
        );
      }
      expect(after.strand).toEqual(before.strand);
      const [sourceDigest, targetDigest] = [await ledger.getDigest(), await opened.getDigest()];
      expect(hex(targetDigest?.digest)).toBe(hex(sourceDigest?.digest));
      expect(hex(imported.digest)).toBe(hex(sourceDigest?.digest));
      expect(targetDigest?.tipAddress).toEqual(sourceDigest?.tipAddress);
      expect(await opened.verifyJournal()).toEqual({ ok: true, blocks: exported.blocks });
    },
    TIMEOUT,
  );

  it(
    'proves an imported revision to the digest, serves it to the QLDB driver, and appends after it',
    async () => {
      const opened = await openLedger(target.db);
      const digest = await opened.getDigest();
      if (digest === null) throw new Error('the imported ledger has no digest');
      const [revision] = await opened.history('commitments', written.commitmentId);
      if (revision === undefined) throw new Error('the commitment was not imported');
      const proof = await opened.getRevisionProof(
        revision.blockAddress,
        written.commitmentId,
        digest.tipAddress,
      );
      const [row] = await target.db.query(
        "select * from ledger.revisions where table_name = 'commitments' and document_id = $1 and version = 0",
        [written.commitmentId],
      );
      const independent = revisionOfRow(row ?? {});
      expect(hex(foldProof(revisionHashOf(independent.metadata, independent.data), proof))).toBe(
        hex(digest.digest),
      );
      const read = await withDriver(opened, (driver) =>
        driver.executeLambda(async (txn) =>
          (await txn.execute("SELECT * FROM vehicles WHERE vin = 'V-1'")).getResultList(),
        ),
      );
      expect(read).toHaveLength(1);
      expect(read[0]?.get('owner')?.stringValue()).toBe('alice');
      expect(read[0]?.get('price')?.getType()).toBe(ion.IonTypes.DECIMAL);
      expect(read[0]?.get('registered')?.timestampValue()?.getDate().toISOString()).toBe(
        '2026-01-02T03:04:05.006Z',
      );
      if (engine.name === 'postgres') {
        const indexes = await target.db.query(
          "select indexdef from pg_indexes where indexdef like '%''vin''%'",
        );
        expect(indexes).toHaveLength(1);
      }
      const appended = await opened.write([
        { tableName: 'after', documentId: 'next', data: { n: 1 }, expectedVersion: null },
      ]);
      expect(appended.blockAddress).toEqual({ strandId: exported.strandId, sequenceNo: exported.blocks });
      expect(await opened.verifyJournal()).toEqual({ ok: true, blocks: exported.blocks + 1 });
    },
    TIMEOUT,
  );

  it(
    'refuses to import into a ledger that has blocks, and changes nothing',
    async () => {
      const before = await snapshot(source.db);
      await expect(importJournal(source.db, dir)).rejects.toBeInstanceOf(LedgerNotEmptyError);
      await expect(importJournal(source.db, dir)).rejects.toThrow(/already has \d+ blocks/);
      expect(await snapshot(source.db)).toEqual(before);
    },
    TIMEOUT,
  );

  it('refuses to export into a directory that is not empty, and leaves it as it was', async () => {
    const used = join(work, 'used');
    await cp(dir, used, { recursive: true });
    const names = (await readdir(used)).sort();
    await expect(exportJournal(source.db, used, { ledgerName: LEDGER_NAME })).rejects.toBeInstanceOf(
      ExportDirectoryError,
    );
    expect((await readdir(used)).sort()).toEqual(names);
  });

  // Last: it edits the source ledger.
  it('refuses to export a journal whose block fails verification, naming it, and leaves no files', async () => {
    const changed = await tamper(
      source.db,
      `update ledger.revisions set data = jsonb_set(data, '{n}', '3') where table_name = 'right' and document_id = 'twin' returning 1`,
    );
    expect(changed).toHaveLength(1);
    const tampered = join(work, 'tampered');
    const failure = await exportJournal(source.db, tampered, { ledgerName: LEDGER_NAME }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(LedgerTamperedError);
    expect((failure as LedgerTamperedError).block).toEqual({ strandId: exported.strandId, sequenceNo: 8 });
    expect(await readdir(tampered)).toEqual([]);
  });
});
