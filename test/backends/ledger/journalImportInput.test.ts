import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshPgliteCluster } from '../../../harness/pgliteTemplate.ts';
import { importJournal } from '../../../src/backends/ledger/importJournal.ts';
import { JournalImportError } from '../../../src/backends/ledger/journalImportError.ts';
import { openPgliteDatabase } from '../../../src/backends/sql/pgliteDatabase.ts';
import type { Database } from '../../../src/core/database.ts';

describe('importing an export whose manifest cannot be read', () => {
  let dir: string;
  let db: Database;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'figway-import-input-'));
    db = await openPgliteDatabase(undefined, { loadDataDir: await freshPgliteCluster() });
  });
  afterEach(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('says which manifest could not be read, as an import error', async () => {
    await writeFile(join(dir, 'export-1.started.manifest'), '{}');
    // Listed as the completed manifest, but a folder: reading it fails.
    await mkdir(join(dir, 'export-1.strand-1.completed.manifest'));
    const failure = await importJournal(db, dir).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(JournalImportError);
    expect((failure as JournalImportError).block).toBeNull();
    expect((failure as JournalImportError).reason).toMatch(
      /^export-1\.strand-1\.completed\.manifest cannot be read \(.*EISDIR/,
    );
  });
});
