// figway reconcile: usage, exit codes and output, embedded and on PostgreSQL named by the environment.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestEngine, testEngines } from '../../harness/databases.ts';
import { createLegacyDatabase } from '../../harness/legacyDatabase.ts';
import { openLedger } from '../../src/backends/ledger/openLedger.ts';
import { OLTP_MIGRATIONS } from '../../src/backends/oltp/oltpMigrations.ts';
import { createOltpStore } from '../../src/backends/oltp/oltpStore.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import { DEMO_TYPES } from '../../src/backends/supabase/seed/demoCommitments.ts';
import { reconcileCommand } from '../../src/cli/reconcileCommand.ts';
import { FLAGS_DIR, readDefinitions, writeDefinitions } from '../../src/routing/flagFiles.ts';
import { setRule } from '../../src/routing/stageRules.ts';
import { BACKFILL_JOBS } from '../../src/writes/backfill/backfillTypes.ts';
import { runBackfill } from '../../src/writes/backfill/runBackfill.ts';
import type { ReconcileResult } from '../../src/writes/reconcile/reconcileTypes.ts';
import { freshDataDir } from '../support/dataDir.ts';
import { BOB, idAt, NOTHING_QUEUED } from './reconcileFixture.ts';

const engines = await testEngines();

/** Runs the CLI function with `env` added to the environment; returns its exit code and what it printed. */
async function cli(args: string[], env: Record<string, string>) {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await reconcileCommand(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Three PostgreSQL databases (legacy seeded, targets backfilled) and the environment that names them. */
async function hostedEnvironment(engine: TestEngine, flagsFile: string) {
  const legacy = await createLegacyDatabase(engine);
  const ledgerDb = await engine.create();
  const oltpDb = await engine.create();
  const ledger = await openLedger(ledgerDb.db);
  await applyMigrations(oltpDb.db, OLTP_MIGRATIONS);
  const oltp = createOltpStore(oltpDb.db);
  for (const job of BACKFILL_JOBS) await runBackfill(job, { legacy: legacy.db, ledger, oltp });
  return {
    legacy: legacy.db,
    env: {
      SUPABASE_DB_URL: legacy.url ?? '',
      LEDGER_DATABASE_URL: ledgerDb.url ?? '',
      OLTP_DATABASE_URL: oltpDb.url ?? '',
      SUPABASE_JWT_SECRET: 'a-jwt-secret-for-the-reconcile-test-40-chars',
      FIGWAY_FLAGS_FILE: flagsFile,
    },
    drop: async () => void (await Promise.all([legacy.drop(), ledgerDb.drop(), oltpDb.drop()])),
  };
}

describe('figway reconcile', () => {
  it('answers a usage error with code 2 and the usage', async () => {
    for (const args of [[], ['widgets'], ['commitments', '--chunk-size', '0'], ['profiles', '--fix']]) {
      const result = await cli(args, {});
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/usage: figway reconcile <commitments\|profiles\|commitment-types>/);
      expect(result.stdout).toBe('');
    }
  });

  it('works on the embedded default: its empty targets diverge (exit 1) until a repair fills them (exit 0)', async () => {
    const dataDir = await freshDataDir('figway-reconcile-embedded-');
    try {
      const empty = await cli(['profiles', '--json'], { FIGWAY_DATA_DIR: dataDir });
      expect(empty.code).toBe(1);
      expect(JSON.parse(empty.stdout)).toMatchObject({
        entity: 'profiles',
        compared: 5,
        divergent: 5,
        missingOnTarget: 5,
        divergenceRate: 1,
        verdict: 'over threshold',
      });
      const repaired = await cli(['profiles', '--repair', '--json'], { FIGWAY_DATA_DIR: dataDir });
      expect(repaired.code).toBe(0);
      expect(JSON.parse(repaired.stdout)).toMatchObject({
        divergent: 0,
        repair: { before: { divergent: 5 } },
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

const postgres = engines.find((engine) => engine.name === 'postgres');

describe.runIf(postgres !== undefined)(
  'figway reconcile on PostgreSQL databases named by the environment',
  () => {
    let dir: string;
    let hosted: Awaited<ReturnType<typeof hostedEnvironment>>;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'figway-reconcile-'));
      const flagsFile = join(dir, 'flags.json');
      await writeDefinitions(flagsFile, await readDefinitions(`${FLAGS_DIR}/definitions.json`));
      if (postgres !== undefined) hosted = await hostedEnvironment(postgres, flagsFile);
    }, 120_000);
    afterAll(async () => {
      await hosted?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('prints one JSON object and exits 0 when the sides agree, 1 when they do not, 0 after a repair', async () => {
      const agreed = await cli(['commitments', '--json'], hosted.env);
      expect(agreed.code).toBe(0);
      expect(JSON.parse(agreed.stdout)).toEqual({
        entity: 'commitments',
        compared: 22,
        divergent: 0,
        missingOnTarget: 0,
        missingOnLegacy: 0,
        divergenceRate: 0,
        threshold: 0.005,
        verdict: 'in sync',
        chunks: 1,
        chunksDiffering: 0,
        authority: expect.objectContaining({ side: 'legacy', stage: 'legacy' }),
        rows: [],
        conflictsResolved: 0,
        queued: NOTHING_QUEUED,
      });

      const id = idAt(4);
      await hosted.legacy.query("update public.commitments set status = 'BREACHED' where id = $1", [id]);
      const diverged = await cli(['commitments', '--json', '--chunk-size', '5'], hosted.env);
      expect(diverged.code).toBe(1);
      expect(JSON.parse(diverged.stdout)).toMatchObject({
        divergent: 1,
        chunks: 5,
        chunksDiffering: 1,
        rows: [{ id, fields: ['status', 'version', 'updatedAt'] }],
        // The command installed change capture on legacy; no applier runs here, so the change waits.
        queued: { toTarget: { pending: 1, dead: 0 }, toLegacy: { pending: 0, dead: 0 } },
      });
      const text = await cli(['commitments'], hosted.env);
      expect(text.code).toBe(1);
      expect(text.stdout).toContain(`${id}  status, version, updatedAt`);
      expect(text.stdout).toMatch(/Authority: legacy \(Mutation\.updateCommitmentStatus is at legacy/);
      expect(text.stdout).toMatch(/^Verdict: over threshold$/m);
      expect(text.stdout).toMatch(
        /^Still queued: 1 change to the target, 0 to legacy: a divergent row may only be waiting for the mirror; run figway sync status$/m,
      );

      const repaired = await cli(['commitments', '--repair', '--json'], hosted.env);
      expect(repaired.code).toBe(0);
      expect(JSON.parse(repaired.stdout)).toMatchObject({
        divergent: 0,
        verdict: 'in sync',
        repair: { repaired: [id], unrepaired: [], before: { divergent: 1 } },
        // Still queued, yet the sides agree: the exit code follows the divergence alone.
        queued: { toTarget: { pending: 1 } },
      });
    }, 60_000);

    it('takes the authority from the flags: at live, a repair rewrites legacy and a commitment only legacy holds stays, exit 1', async () => {
      const flagsFile = hosted.env.FIGWAY_FLAGS_FILE;
      const definitions = await readDefinitions(flagsFile);
      await writeDefinitions(flagsFile, {
        ...definitions,
        features: definitions.features.map((feature) =>
          feature.name === 'figway.Mutation.updateCommitmentStatus'
            ? setRule(feature, { selector: { kind: 'everyone' }, stage: 'live' })
            : feature,
        ),
      });
      const id = idAt(6);
      await hosted.legacy.query(
        "update public.commitments set title = 'Changed behind figway' where id = $1",
        [id],
      );
      const orphan = randomUUID();
      await hosted.legacy.query(
        `insert into public.commitments (id, title, type_id, created_by) values ($1, 'Only on legacy', $2, $3)`,
        [orphan, DEMO_TYPES[1].id, BOB],
      );
      const result = await cli(['commitments', '--repair', '--json'], hosted.env);
      expect(result.code).toBe(1);
      const parsed = JSON.parse(result.stdout) as ReconcileResult;
      expect(parsed).toMatchObject({
        authority: { side: 'target', stage: 'live' },
        divergent: 1,
        rows: [{ id: orphan, missingOn: 'target' }],
        repair: { repaired: [id], unrepaired: [{ id: orphan }] },
      });
      const [row] = await hosted.legacy.query('select title from public.commitments where id = $1', [id]);
      expect(row?.title).not.toBe('Changed behind figway');
    }, 60_000);
  },
);
