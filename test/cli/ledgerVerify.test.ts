import { describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { createLedgerCommitments } from '../../src/backends/ledger/ledgerCommitments.ts';
import { openLedger } from '../../src/backends/ledger/openLedger.ts';
import { writeAlicesCommitment } from '../backends/ledger/commitmentLedgerFixture.ts';
import { tamper } from '../backends/ledger/ledgerFixture.ts';
import { figway } from '../support/figwayProcess.ts';
import { cliLedger } from './cliLedger.ts';

const engines = await testEngines();
const TIMEOUT = 240_000;

describe('figway ledger verify: usage', () => {
  it('exits 2 with the usage for an argument it does not take, and figway --help lists it', async () => {
    const extra = await figway(['ledger', 'verify', 'now'], {});
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/takes no arguments, not "now"/);
    expect(extra.stderr).toMatch(/usage: figway ledger verify\n/);
    const help = await figway(['--help'], {});
    expect(help.stdout).toMatch(/ledger verify {10}re-verify the whole journal/);
  });
});

describe.each(engines)('figway ledger verify ($name)', (engine) => {
  it(
    'exits 0 with the blocks checked and the digest, then 1 naming the block a rollback broke',
    async () => {
      const { env, withDb, drop } = await cliLedger(engine, 'figway-ledger-verify-');
      try {
        const id = await withDb(async (db) =>
          writeAlicesCommitment(createLedgerCommitments(await openLedger(db))),
        );
        const sound = await figway(['ledger', 'verify'], env);
        expect(sound.code, sound.stderr).toBe(0);
        const { blocks, digest } = await withDb(async (db) => {
          const ledger = await openLedger(db);
          return { blocks: (await ledger.verifyJournal()).blocks, digest: await ledger.getDigest() };
        });
        expect(sound.stdout).toMatch(new RegExp(`^Verified ${blocks} blocks: every revision`));
        expect(sound.stdout).toContain(
          `Digest at {strandId: "${digest?.tipAddress.strandId}", sequenceNo: ${blocks - 1}}: ${Buffer.from(digest?.digest ?? []).toString('base64')}\n`,
        );

        // The rollback of version 1: its revision deleted, its block's JSON copy of the transaction info emptied.
        const block = await withDb(async (db) => {
          const [row] = await db.query(
            'select sequence_no from ledger.revisions where document_id = $1 and version = 1',
            [id],
          );
          await tamper(db, 'delete from ledger.revisions where document_id = $1 and version = 1', [id]);
          await tamper(
            db,
            `update ledger.blocks set transaction_info = jsonb_set(transaction_info, '{documents}', '{}')
           where sequence_no = $1`,
            [row?.sequence_no],
          );
          return Number(row?.sequence_no);
        });
        const broken = await figway(['ledger', 'verify'], env);
        expect(broken.code).toBe(1);
        expect(broken.stdout).toBe('');
        expect(broken.stderr).toMatch(
          new RegExp(
            `^figway ledger verify: block \\{strandId: \\S+, sequenceNo: ${block}\\} fails verification: its transaction info's JSON is not its Ion's down-conversion\\.\\n\\(${block} blocks checked before it was found\\.\\)\\n$`,
          ),
        );
      } finally {
        await drop();
      }
    },
    TIMEOUT,
  );
});
