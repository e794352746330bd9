import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../harness/databases.ts';
import { createLegacyDatabase } from '../../harness/legacyDatabase.ts';
import { DEMO_COMMITMENTS } from '../../src/backends/supabase/seed/demoCommitments.ts';
import { freshDataDir } from '../support/dataDir.ts';
import { FIGWAY_COMMAND, figway } from '../support/figwayProcess.ts';

const engines = await testEngines();
const ID = DEMO_COMMITMENTS[3]?.id ?? '';

/** Environment for figway on `engine`: an embedded data folder, or three real PostgreSQL databases. */
async function environmentFor(
  engine: TestEngine,
): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (engine.name === 'pglite') {
    const dataDir = await freshDataDir('figway-backfill-');
    return { env: { FIGWAY_DATA_DIR: dataDir }, drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const legacy = await createLegacyDatabase(engine);
  const ledger = await engine.create();
  const oltp = await engine.create();
  await legacy.db.close();
  return {
    env: {
      SUPABASE_DB_URL: legacy.url ?? '',
      LEDGER_DATABASE_URL: ledger.url ?? '',
      OLTP_DATABASE_URL: oltp.url ?? '',
      SUPABASE_JWT_SECRET: 'a-jwt-secret-for-the-cli-test-of-40-chars',
    },
    drop: async () => void (await Promise.all([legacy.drop(), ledger.drop(), oltp.drop()])),
  };
}

/** Runs `figway backfill commitments --batch-size 1` and sends SIGINT once the first batch is reported. */
function interruptedBackfill(env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [...FIGWAY_COMMAND, 'backfill', 'commitments', '--batch-size', '1'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const first = stdout === '';
    stdout += chunk.toString();
    if (first) child.kill('SIGINT');
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
}

function counts(stdout: string) {
  const match =
    /commitments (?:done|interrupted[^:]*): read (\d+), written (\d+), skipped (\d+), failed (\d+)/.exec(
      stdout,
    );
  if (match === null) throw new Error(`no summary in:\n${stdout}`);
  return {
    read: Number(match[1]),
    written: Number(match[2]),
    skipped: Number(match[3]),
    failed: Number(match[4]),
  };
}

describe.each(engines)('figway backfill and verify ($name)', (engine) => {
  it('copies every job, resumes after Ctrl-C without duplicates, and verifies', async () => {
    const { env, drop } = await environmentFor(engine);
    try {
      for (const job of ['commitment-types', 'profiles']) {
        const result = await figway(['backfill', job], env);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toMatch(
          new RegExp(`${job} done: read \\d+, written \\d+, skipped 0, failed 0`),
        );
      }
      const stopped = await interruptedBackfill(env);
      expect(stopped.code).toBe(1);
      expect(stopped.stdout).toMatch(/interrupted \(run it again to resume\)/);
      const first = counts(stopped.stdout);
      expect(first.read).toBeGreaterThan(0);
      expect(first.read).toBeLessThan(22);

      const resumed = await figway(['backfill', 'commitments'], env);
      expect(resumed.code, resumed.stderr).toBe(0);
      const second = counts(resumed.stdout);
      expect(first.read + second.read).toBe(22);
      expect(first.written + second.written).toBe(22);

      const again = await figway(['backfill', 'commitments'], env);
      expect(counts(again.stdout)).toEqual({ read: 22, written: 0, skipped: 22, failed: 0 });

      const verify = await figway(['verify', ID], env);
      expect(verify.code, verify.stderr).toBe(0);
      expect(verify.stdout).toMatch(/8 revisions in the ledger/);
      expect(verify.stdout.match(/ yes$/gm)).toHaveLength(8);
    } finally {
      await drop();
    }
  }, 120_000);
});

describe('figway backfill usage', () => {
  it('names the jobs when given an unknown one', async () => {
    const result = await figway(['backfill', 'everything'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/commitment-types\|profiles\|commitments/);
  });
});
