import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../harness/databases.ts';
import { toBase64 } from '../../src/backends/ledger/ledgerHash.ts';
import { openLedger } from '../../src/backends/ledger/openLedger.ts';
import { validateExport } from '../backends/ledger/exportValidator.ts';
import { writeMixedJournal } from '../backends/ledger/journalExportFixture.ts';
import { figway } from '../support/figwayProcess.ts';

const postgresEngines = (await testEngines()).filter((engine) => engine.name === 'postgres');
const TIMEOUT = 180_000;

/** What the environment may hold that would pick another ledger than the test means. */
const UNSET = {
  SUPABASE_DB_URL: '',
  SUPABASE_URL: '',
  LEDGER_DATABASE_URL: '',
  OLTP_DATABASE_URL: '',
  FIGWAY_LEDGER_NAME: '',
};

const onPostgres = (url: string) => ({ ...UNSET, LEDGER_DATABASE_URL: url, OLTP_DATABASE_URL: url });
const digestLine = (output: string) => /^Digest at .*$/m.exec(output)?.[0];

describe('figway ledger export and import: usage', () => {
  it('exits 2 with the usage when no directory is given, and figway --help lists both commands', async () => {
    const missing = await figway(['ledger', 'import'], UNSET);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/give one directory/);
    expect(missing.stderr).toMatch(/figway ledger export <dir>/);
    const help = await figway(['--help'], UNSET);
    expect(help.stdout).toMatch(/ledger export\|import <dir>/);
  });
});

describe.each(postgresEngines)(
  'figway ledger export and import, PostgreSQL and the embedded default ($name)',
  (engine: TestEngine) => {
    const created: Array<Awaited<ReturnType<TestEngine['create']>>> = [];
    let work: string;
    let sourceUrl: string;
    let expectedDigest: string;
    const fresh = async () => {
      const database = await engine.create();
      created.push(database);
      return database;
    };

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'figway-ledger-export-cli-'));
      const source = await fresh();
      sourceUrl = source.url ?? '';
      const ledger = await openLedger(source.db);
      await writeMixedJournal(ledger);
      const digest = await ledger.getDigest();
      expectedDigest = `Digest at {strandId: "${digest?.tipAddress.strandId}", sequenceNo: ${digest?.tipAddress.sequenceNo}}: ${toBase64(digest?.digest ?? new Uint8Array())}`;
    }, TIMEOUT);
    afterAll(async () => {
      for (const database of created) await database.drop();
      await rm(work, { recursive: true, force: true });
    });

    it('exports from PostgreSQL, imports into the embedded default and back, with the same digest each way', {
      timeout: TIMEOUT,
    }, async () => {
      const fromPostgres = join(work, 'from-postgres');
      const exported = await figway(
        ['ledger', 'export', fromPostgres, '--blocks-per-object', '4'],
        onPostgres(sourceUrl),
      );
      expect(exported.stderr).toBe('');
      expect(exported.code).toBe(0);
      expect(exported.stdout).toMatch(/^Exported 9 blocks of strand \S+ to /);
      expect(digestLine(exported.stdout)).toBe(expectedDigest);
      expect((await validateExport(fromPostgres)).blocks).toHaveLength(9);

      const dataDir = join(work, 'embedded');
      const imported = await figway(['ledger', 'import', fromPostgres], {
        ...UNSET,
        FIGWAY_DATA_DIR: dataDir,
      });
      expect(imported.code).toBe(0);
      expect(imported.stdout).toMatch(/^Imported 9 blocks of strand \S+ from .*each verified/);
      expect(digestLine(imported.stdout)).toBe(expectedDigest);

      const fromEmbedded = join(work, 'from-embedded');
      const again = await figway(['ledger', 'export', fromEmbedded], { ...UNSET, FIGWAY_DATA_DIR: dataDir });
      expect(again.code).toBe(0);
      expect(digestLine(again.stdout)).toBe(expectedDigest);
      expect((await readdir(fromEmbedded)).filter((name) => name.endsWith('.ion'))).toHaveLength(1);

      const target = await fresh();
      const back = await figway(['ledger', 'import', fromEmbedded], onPostgres(target.url ?? ''));
      expect(back.code).toBe(0);
      expect(digestLine(back.stdout)).toBe(expectedDigest);
      const [check] = await target.db.query('select count(*)::int as blocks from ledger.blocks');
      expect(check?.blocks).toBe(9);

      const refused = await figway(['ledger', 'import', fromPostgres], {
        ...UNSET,
        FIGWAY_DATA_DIR: dataDir,
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/already has 9 blocks.*Nothing was changed/);
    });

    it('exits 1 naming the block a flipped byte breaks, and leaves the ledger empty', {
      timeout: TIMEOUT,
    }, async () => {
      const exportDir = join(work, 'to-flip');
      expect((await figway(['ledger', 'export', exportDir], onPostgres(sourceUrl))).code).toBe(0);
      const flipped = join(work, 'flipped');
      await cp(exportDir, flipped, { recursive: true });
      const [object] = (await readdir(flipped)).filter((name) => name.endsWith('.ion'));
      const text = await readFile(join(flipped, object as string), 'utf8');
      await writeFile(join(flipped, object as string), text.replace('"flip-me"', '"flip-mf"'));
      const strandId = (object as string).split('.')[0];
      const target = await fresh();
      const result = await figway(['ledger', 'import', flipped], onPostgres(target.url ?? ''));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`stopped at block {strandId: ${strandId}, sequenceNo: 6}`);
      expect(result.stderr).toMatch(/revision every-type v0 does not match its hash.*Nothing was imported/);
      const [check] = await target.db.query('select count(*)::int as blocks from ledger.blocks');
      expect(check?.blocks).toBe(0);
    });
  },
);
