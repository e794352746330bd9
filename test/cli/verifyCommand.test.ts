import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../harness/databases.ts';
import { createLedgerCommitments } from '../../src/backends/ledger/ledgerCommitments.ts';
import { openLedger } from '../../src/backends/ledger/openLedger.ts';
import { openPgliteDatabase } from '../../src/backends/sql/pgliteDatabase.ts';
import type { Database } from '../../src/core/database.ts';
import {
  ADD_PARTY_TO_VIEW,
  BOB_ID,
  writeAlicesCommitment,
} from '../backends/ledger/commitmentLedgerFixture.ts';
import { tamper } from '../backends/ledger/ledgerFixture.ts';
import { freshDataDir } from '../support/dataDir.ts';
import { figway } from '../support/figwayProcess.ts';

const engines = await testEngines();

/** A ledger figway will read: the embedded one in a data folder, or one PostgreSQL database for everything. */
async function ledgerFor(engine: TestEngine): Promise<{
  env: Record<string, string>;
  /** Runs `fn` on the ledger's database while figway is not using it. */
  withDb<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}> {
  if (engine.name === 'pglite') {
    const dataDir = await freshDataDir('figway-verify-');
    return {
      env: { FIGWAY_DATA_DIR: dataDir },
      async withDb(fn) {
        const db = await openPgliteDatabase(join(dataDir, 'pglite'));
        try {
          return await fn(db);
        } finally {
          await db.close();
        }
      },
      drop: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const created = await engine.create();
  const url = created.url ?? '';
  return {
    env: {
      SUPABASE_DB_URL: url,
      LEDGER_DATABASE_URL: url,
      OLTP_DATABASE_URL: url,
      SUPABASE_JWT_SECRET: 'a-jwt-secret-for-the-cli-test-of-40-chars',
    },
    withDb: (fn) => fn(created.db),
    drop: created.drop,
  };
}

describe.each(engines)('figway verify ($name)', (engine) => {
  it('exits 1 naming the commitment once its committed view was edited with triggers bypassed', async () => {
    const { env, withDb, drop } = await ledgerFor(engine);
    try {
      const id = await withDb(async (db) =>
        writeAlicesCommitment(createLedgerCommitments(await openLedger(db))),
      );
      const clean = await figway(['verify', id], env);
      expect(clean.code, clean.stderr).toBe(0);
      expect(clean.stdout).toMatch(/2 revisions in the ledger[\s\S]*Every revision verifies/);

      await withDb(async (db) => expect(await tamper(db, ADD_PARTY_TO_VIEW, [id, BOB_ID])).toHaveLength(1));
      const tampered = await figway(['verify', id], env);
      expect(tampered.code).toBe(1);
      expect(tampered.stdout).toMatch(/ 1 .* NO$/m);
      expect(tampered.stdout).toContain(
        `VERIFICATION FAILED for commitment ${id} at v1: Ledger block {strandId: `,
      );
      expect(tampered.stdout).toMatch(/fails verification: revision \S+ v1 does not match its hash/);
    } finally {
      await drop();
    }
  }, 120_000);
});
