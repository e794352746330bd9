// reconcile and the mirror: the changes still queued either way, and the open sync conflicts a run resolves.
import { describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import { DEMO_USERS } from '../../src/backends/supabase/seed/demoUsers.ts';
import { formatReconcile } from '../../src/cli/renderReconcile.ts';
import { CAPTURE_MIGRATIONS, SYNC_MIGRATIONS } from '../../src/writes/sync/syncMigrations.ts';
import { writeCommitmentToLegacy } from '../../src/writes/sync/writeToLegacy.ts';
import {
  changeOnLedger,
  fixture,
  idAt,
  NOTHING_QUEUED,
  onLedger,
  reconcile,
  useReconcileDatabases,
} from './reconcileFixture.ts';

const engines = await testEngines();

describe.each(engines)('reconcile ($name)', (engine) => {
  useReconcileDatabases(engine);

  it('counts nothing queued, and prints no queue line, where the mirror is not installed', async () => {
    expect(
      await fixture.legacy.query("select to_regclass('figway.legacy_changes') is null as absent"),
    ).toEqual([{ absent: true }]);
    const result = await reconcile(fixture, 'commitments');
    expect(result.queued).toEqual(NOTHING_QUEUED);
    expect(formatReconcile(result)).not.toMatch(/Still queued/);
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
