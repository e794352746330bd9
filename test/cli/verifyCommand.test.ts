import { describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { createLedgerCommitments } from '../../src/backends/ledger/ledgerCommitments.ts';
import { openLedger } from '../../src/backends/ledger/openLedger.ts';
import {
  ADD_PARTY_TO_VIEW,
  BOB_ID,
  writeAlicesCommitment,
} from '../backends/ledger/commitmentLedgerFixture.ts';
import { tamper } from '../backends/ledger/ledgerFixture.ts';
import { figway } from '../support/figwayProcess.ts';
import { cliLedger } from './cliLedger.ts';

const engines = await testEngines();

describe.each(engines)('figway verify ($name)', (engine) => {
  it('exits 1 naming the commitment once its committed view was edited with triggers bypassed', async () => {
    const { env, withDb, drop } = await cliLedger(engine, 'figway-verify-');
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
