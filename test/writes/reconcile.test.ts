import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestEngine, testEngines } from '../../harness/databases.ts';
import { createLegacyDatabase } from '../../harness/legacyDatabase.ts';
import { createMigrationFixture, type MigrationFixture } from '../../harness/targetDatabases.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import { openLedger } from '../../src/backends/ledger/openLedger.ts';
import { OLTP_MIGRATIONS } from '../../src/backends/oltp/oltpMigrations.ts';
import { createOltpStore } from '../../src/backends/oltp/oltpStore.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import { DEMO_COMMITMENTS, DEMO_TYPES } from '../../src/backends/supabase/seed/demoCommitments.ts';
import { DEMO_USERS } from '../../src/backends/supabase/seed/demoUsers.ts';
import { reconcileCommand } from '../../src/cli/reconcileCommand.ts';
import { formatReconcile } from '../../src/cli/renderReconcile.ts';
import type { Stage } from '../../src/core/stage.ts';
import { FLAGS_DIR, readDefinitions, writeDefinitions } from '../../src/routing/flagFiles.ts';
import { setRule } from '../../src/routing/stageRules.ts';
import { BACKFILL_JOBS } from '../../src/writes/backfill/backfillTypes.ts';
import { runBackfill } from '../../src/writes/backfill/runBackfill.ts';
import type { ReconcileEntity, ReconcileResult } from '../../src/writes/reconcile/reconcileTypes.ts';
import { runReconcile } from '../../src/writes/reconcile/runReconcile.ts';
import { CAPTURE_MIGRATIONS, SYNC_MIGRATIONS } from '../../src/writes/sync/syncMigrations.ts';
import { writeCommitmentToLegacy } from '../../src/writes/sync/writeToLegacy.ts';
import { freshDataDir } from '../support/dataDir.ts';

const engines = await testEngines();

const ALICE = DEMO_USERS[0]?.id ?? '';
const BOB = DEMO_USERS[1]?.id ?? '';
const SORTED = DEMO_COMMITMENTS.map((commitment) => commitment.id).sort();
const idAt = (index: number) => SORTED[index] ?? '';
const NOTHING_QUEUED = { toTarget: { pending: 0, dead: 0 }, toLegacy: { pending: 0, dead: 0 } };

function reconcile(
  fixture: MigrationFixture,
  entity: ReconcileEntity,
  options: { repair?: boolean; mutationStage?: Stage; chunkSize?: number } = {},
): Promise<ReconcileResult> {
  return runReconcile(
    entity,
    { legacy: fixture.legacy, ledger: fixture.ledger, oltp: fixture.oltp },
    { mutationStage: 'legacy', ...options },
  );
}

async function onLedger(fixture: MigrationFixture, id: string): Promise<CommitmentDocument> {
  const current = await fixture.ledger.current<CommitmentDocument>(COMMITMENTS, id);
  if (current === null) throw new Error(`the ledger has no commitment ${id}`);
  return current.data;
}

/** Writes a new ledger revision of `id` changed by `change`, as a target write would. */
async function changeOnLedger(
  fixture: MigrationFixture,
  id: string,
  change: (document: CommitmentDocument) => CommitmentDocument,
) {
  const current = await fixture.ledger.current<CommitmentDocument>(COMMITMENTS, id);
  if (current === null) throw new Error(`the ledger has no commitment ${id}`);
  await fixture.ledger.write([
    {
      tableName: COMMITMENTS,
      documentId: id,
      data: change(current.data),
      expectedVersion: current.metadata.version,
    },
  ]);
}

async function revisions(fixture: MigrationFixture, id: string) {
  return (await fixture.ledger.history<CommitmentDocument>(COMMITMENTS, id)).map((revision) => ({
    version: revision.metadata.version,
    hash: revision.hash,
  }));
}

async function legacyStatus(fixture: MigrationFixture, id: string): Promise<unknown> {
  const [row] = await fixture.legacy.query('select status from public.commitments where id = $1', [id]);
  return row?.status;
}

describe.each(engines)('reconcile ($name)', (engine) => {
  let fixture: MigrationFixture;
  beforeAll(async () => {
    fixture = await createMigrationFixture(engine, { backfill: true });
  }, 120_000);
  afterAll(() => fixture?.drop());

  it('finds nothing divergent when both sides hold the same rows', async () => {
    for (const [entity, compared] of [
      ['commitments', 22],
      ['profiles', 5],
      ['commitment-types', DEMO_TYPES.length],
    ] as const) {
      expect(await reconcile(fixture, entity)).toMatchObject({
        entity,
        compared,
        divergent: 0,
        missingOnTarget: 0,
        missingOnLegacy: 0,
        divergenceRate: 0,
        threshold: 0.005,
        verdict: 'in sync',
        chunksDiffering: 0,
        rows: [],
      });
    }
  });

  it('counts nothing queued, and prints no queue line, where the mirror is not installed', async () => {
    expect(
      await fixture.legacy.query("select to_regclass('figway.legacy_changes') is null as absent"),
    ).toEqual([{ absent: true }]);
    const result = await reconcile(fixture, 'commitments');
    expect(result.queued).toEqual(NOTHING_QUEUED);
    expect(formatReconcile(result)).not.toMatch(/Still queued/);
  });

  it('reports each divergent row with the fields that differ, then repairs the ledger from legacy with new revisions', async () => {
    const statusOnLegacy = idAt(2);
    const partyOnLedger = idAt(5);
    await fixture.legacy.query("update public.commitments set status = 'CANCELLED' where id = $1", [
      statusOnLegacy,
    ]);
    const addedParty = randomUUID();
    await changeOnLedger(fixture, partyOnLedger, (document) => ({
      ...document,
      parties: [
        ...document.parties,
        { id: addedParty, profileId: BOB, role: 'WITNESS', joinedAt: new Date().toISOString() },
      ],
    }));
    const onlyOnLegacy = randomUUID();
    await fixture.legacy.query(
      `insert into public.commitments (id, title, type_id, created_by) values ($1, 'Water the plants', $2, $3)`,
      [onlyOnLegacy, DEMO_TYPES[0].id, ALICE],
    );

    const found = await reconcile(fixture, 'commitments');
    expect(found).toMatchObject({
      compared: 23,
      divergent: 3,
      missingOnTarget: 1,
      missingOnLegacy: 0,
      verdict: 'over threshold',
      authority: {
        side: 'legacy',
        unit: 'Mutation.updateCommitmentStatus',
        stage: 'legacy',
        reason: expect.stringMatching(/Mutation\.updateCommitmentStatus is at legacy/),
      },
    });
    expect(found.divergenceRate).toBeCloseTo(3 / 23);
    expect(found.rows).toEqual(
      [
        { id: statusOnLegacy, fields: ['status', 'version', 'updatedAt'] },
        { id: partyOnLedger, fields: ['parties'] },
        { id: onlyOnLegacy, fields: [], missingOn: 'target' },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );

    const before = {
      status: await revisions(fixture, statusOnLegacy),
      party: await revisions(fixture, partyOnLedger),
    };
    const repaired = await reconcile(fixture, 'commitments', { repair: true });
    expect(repaired).toMatchObject({ divergent: 0, verdict: 'in sync', rows: [] });
    expect(repaired.repair).toMatchObject({
      unrepaired: [],
      before: { divergent: 3 },
    });
    expect(repaired.repair?.repaired.sort()).toEqual([statusOnLegacy, partyOnLedger, onlyOnLegacy].sort());
    // A repair is a new revision: the ones before it are still there, unchanged.
    const after = {
      status: await revisions(fixture, statusOnLegacy),
      party: await revisions(fixture, partyOnLedger),
    };
    expect(after.status).toHaveLength(before.status.length + 1);
    expect(after.status.slice(0, -1)).toEqual(before.status);
    expect(after.party).toHaveLength(before.party.length + 1);
    expect(after.party.slice(0, -1)).toEqual(before.party);
    expect((await onLedger(fixture, statusOnLegacy)).status).toBe('CANCELLED');
    expect((await onLedger(fixture, partyOnLedger)).parties.map((party) => party.id)).not.toContain(
      addedParty,
    );
    expect(await revisions(fixture, onlyOnLegacy)).toHaveLength(1);
    expect((await fixture.ledger.verifyJournal()).ok).toBe(true);
  });

  it('reports a profile changed on legacy and repairs the OLTP service from it', async () => {
    const profile = DEMO_USERS[2]?.id ?? '';
    await fixture.legacy.query("update public.profiles set display_name = 'Carol C.' where id = $1", [
      profile,
    ]);
    const found = await reconcile(fixture, 'profiles');
    expect(found).toMatchObject({
      compared: 5,
      divergent: 1,
      verdict: 'over threshold',
      authority: { side: 'legacy', reason: 'profiles are written on legacy only' },
      rows: [{ id: profile, fields: ['displayName'] }],
    });
    const repaired = await reconcile(fixture, 'profiles', { repair: true });
    expect(repaired).toMatchObject({ divergent: 0, verdict: 'in sync', repair: { repaired: [profile] } });
    const [row] = await fixture.oltp.db.query('select display_name from oltp.profiles where id = $1', [
      profile,
    ]);
    expect(row?.display_name).toBe('Carol C.');
  });

  it('rewrites legacy from the ledger when the target is authoritative, and resolves its open sync conflicts', async () => {
    await applyMigrations(fixture.ledger.db, SYNC_MIGRATIONS);
    const id = idAt(8);
    await changeOnLedger(fixture, id, (document) => ({
      ...document,
      status: 'BREACHED',
      version: document.version + 1,
      updatedAt: new Date().toISOString(),
    }));
    await fixture.ledger.db.query(
      `insert into figway.sync_conflicts (entity, entity_id, detail) values ('commitment', $1, 'a stale legacy write')`,
      [id],
    );
    const revisionsBefore = await revisions(fixture, id);

    const repaired = await reconcile(fixture, 'commitments', { repair: true, mutationStage: 'live' });
    expect(repaired).toMatchObject({
      divergent: 0,
      verdict: 'in sync',
      authority: { side: 'target', stage: 'live' },
      repair: {
        repaired: [id],
        conflictsResolved: 1,
        before: { divergent: 1, rows: [{ id, fields: ['status', 'version', 'updatedAt'] }] },
      },
    });
    expect(await legacyStatus(fixture, id)).toBe('BREACHED');
    expect(await revisions(fixture, id)).toEqual(revisionsBefore);
    const open = await fixture.ledger.db.query(
      'select id from figway.sync_conflicts where entity_id = $1 and resolved_at is null',
      [id],
    );
    expect(open).toEqual([]);
  });

  it('finds one divergent row in the middle with chunks of 7, narrowing only the chunk that differs', async () => {
    const id = idAt(11);
    await fixture.legacy.query("update public.commitments set title = 'Renamed on legacy' where id = $1", [
      id,
    ]);
    const found = await reconcile(fixture, 'commitments', { chunkSize: 7 });
    expect(found).toMatchObject({
      compared: 23,
      chunks: 4,
      chunksDiffering: 1,
      divergent: 1,
      rows: [{ id, fields: ['title', 'version', 'updatedAt'] }],
    });
    expect(await reconcile(fixture, 'commitments', { repair: true, chunkSize: 7 })).toMatchObject({
      divergent: 0,
    });
  });

  it('leaves a commitment only the ledger holds while legacy is authoritative, and copies it to legacy once the ledger is', async () => {
    const id = randomUUID();
    const template = await onLedger(fixture, idAt(0));
    await fixture.ledger.write([
      {
        tableName: COMMITMENTS,
        documentId: id,
        data: { ...template, id, title: 'Created on the ledger', parties: [], documents: [] },
        expectedVersion: null,
      },
    ]);
    const refused = await reconcile(fixture, 'commitments', { repair: true });
    expect(refused).toMatchObject({
      divergent: 1,
      missingOnLegacy: 1,
      rows: [{ id, fields: [], missingOn: 'legacy' }],
      repair: {
        repaired: [],
        unrepaired: [{ id, reason: expect.stringMatching(/never deletes a history/) }],
      },
    });
    const copied = await reconcile(fixture, 'commitments', { repair: true, mutationStage: 'rampdown' });
    expect(copied).toMatchObject({ divergent: 0, repair: { repaired: [id] } });
    expect(await legacyStatus(fixture, id)).toBe(template.status);
  });

  it('makes legacy exactly the ledger under target authority: a newer legacy version and a party added on legacy go', async () => {
    const id = idAt(17);
    const ledgerVersion = (await onLedger(fixture, id)).version;
    await fixture.legacy.query("update public.commitments set title = 'Renamed past figway' where id = $1", [
      id,
    ]);
    await fixture.legacy.query("update public.commitments set terms = 'Amended past figway' where id = $1", [
      id,
    ]);
    const [outsider] = await fixture.legacy.query(
      `select id from public.profiles where id not in
         (select profile_id from public.commitment_parties where commitment_id = $1) order by id limit 1`,
      [id],
    );
    await fixture.legacy.query(
      "insert into public.commitment_parties (commitment_id, profile_id, role) values ($1, $2, 'WITNESS')",
      [id, outsider?.id],
    );

    const repaired = await reconcile(fixture, 'commitments', { repair: true, mutationStage: 'live' });
    expect(repaired).toMatchObject({
      divergent: 0,
      repair: {
        repaired: [id],
        before: { rows: [{ id, fields: expect.arrayContaining(['version', 'parties']) }] },
      },
    });
    const [row] = await fixture.legacy.query('select title, version from public.commitments where id = $1', [
      id,
    ]);
    expect(row).toEqual({ title: (await onLedger(fixture, id)).title, version: ledgerVersion });
    const parties = await fixture.legacy.query(
      'select profile_id from public.commitment_parties where commitment_id = $1',
      [id],
    );
    expect(parties.map((party) => party.profile_id)).not.toContain(outsider?.id);
  });

  it('resolves, on a run without repair, the open conflicts of commitments found equal on both sides, and no others', async () => {
    await applyMigrations(fixture.ledger.db, SYNC_MIGRATIONS);
    const equal = idAt(14);
    const differing = idAt(15);
    const conflict = async (id: string) => {
      const [row] = await fixture.ledger.db.query(
        `insert into figway.sync_conflicts (entity, entity_id, detail) values ('commitment', $1, 'a stale legacy write') returning id`,
        [id],
      );
      return Number(row?.id);
    };
    // The target moved on; legacy wrote past it, a conflict; then the outbox brought legacy to the target's state.
    await changeOnLedger(fixture, equal, (document) => ({
      ...document,
      status: 'FULFILLED',
      version: document.version + 2,
      updatedAt: new Date().toISOString(),
    }));
    await fixture.legacy.query("update public.commitments set status = 'CANCELLED' where id = $1", [equal]);
    const resolvable = await conflict(equal);
    const document = await onLedger(fixture, equal);
    await fixture.legacy.transaction((tx) =>
      writeCommitmentToLegacy(tx, document, { actor: null, exact: false }),
    );
    await fixture.legacy.query("update public.commitments set title = 'Renamed past figway' where id = $1", [
      differing,
    ]);
    const left = await conflict(differing);

    const found = await reconcile(fixture, 'commitments', { mutationStage: 'live' });
    expect(found).toMatchObject({ divergent: 1, rows: [{ id: differing }], conflictsResolved: 1 });
    expect(found.repair).toBeUndefined();
    const open = await fixture.ledger.db.query(
      'select id from figway.sync_conflicts where id = any($1::bigint[]) and resolved_at is null',
      [[resolvable, left]],
    );
    expect(open.map((row) => Number(row.id))).toEqual([left]);
    expect(await reconcile(fixture, 'commitments', { mutationStage: 'live' })).toMatchObject({
      conflictsResolved: 0,
    });

    const repaired = await reconcile(fixture, 'commitments', { repair: true, mutationStage: 'live' });
    expect(repaired).toMatchObject({
      divergent: 0,
      conflictsResolved: 1,
      repair: { repaired: [differing], conflictsResolved: 1 },
    });
  });

  it('counts a legacy change still waiting for the applier as queued to the target, and says so', async () => {
    await applyMigrations(fixture.legacy, CAPTURE_MIGRATIONS);
    await applyMigrations(fixture.ledger.db, SYNC_MIGRATIONS);
    await fixture.legacy.query('delete from figway.legacy_changes');
    await fixture.ledger.db.query('delete from figway.outbox');
    const id = idAt(19);
    await fixture.legacy.query(
      "update public.commitments set title = 'Renamed, not yet mirrored' where id = $1",
      [id],
    );

    const found = await reconcile(fixture, 'commitments');
    expect(found).toMatchObject({ divergent: 1, rows: [{ id }] });
    expect(found.queued.toTarget.pending).toBeGreaterThanOrEqual(1);
    expect(found.queued).toMatchObject({ toTarget: { dead: 0 }, toLegacy: { pending: 0, dead: 0 } });
    const pending = found.queued.toTarget.pending;
    expect(formatReconcile(found)).toMatch(
      new RegExp(
        `^Still queued: ${pending} changes? to the target, 0 to legacy: a divergent row may only be waiting for the mirror; run figway sync status$`,
        'm',
      ),
    );
    // Another entity's queue is not this one's.
    expect((await reconcile(fixture, 'profiles')).queued).toEqual(NOTHING_QUEUED);

    // A dead letter on legacy's side and a target write waiting for legacy count too.
    await fixture.legacy.query(
      'update figway.legacy_changes set dead_at = now() where id = (select min(id) from figway.legacy_changes)',
    );
    await fixture.ledger.db.query(
      `insert into figway.outbox (entity, entity_id, unit, stage, revision)
       values ('commitment', $1, 'Mutation.updateCommitmentStatus', 'live', 2)`,
      [idAt(20)],
    );
    const counted = await reconcile(fixture, 'commitments');
    expect(counted.queued).toEqual({
      toTarget: { pending: pending - 1, dead: 1 },
      toLegacy: { pending: 1, dead: 0 },
    });
    expect(formatReconcile(counted)).toMatch(/, 1 to legacy \(1 dead letter\): a divergent row/);
  });

  it('counts nothing queued, and prints no queue line, once the queues are empty', async () => {
    // What the appliers leave behind once every change is applied (and the dead letter retried and applied).
    await fixture.legacy.query('delete from figway.legacy_changes');
    await fixture.ledger.db.query('delete from figway.outbox');
    const repaired = await reconcile(fixture, 'commitments', { repair: true });
    expect(repaired).toMatchObject({ divergent: 0, queued: NOTHING_QUEUED });
    expect(formatReconcile(repaired)).not.toMatch(/Still queued/);
    // The capture is installed: a change made now is counted.
    await fixture.legacy.query("update public.profiles set display_name = 'Dana D.' where id = $1", [
      DEMO_USERS[3]?.id,
    ]);
    expect((await reconcile(fixture, 'profiles')).queued.toTarget.pending).toBeGreaterThanOrEqual(1);
  });
});

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
