// Legacy changes recorded as sync conflicts: stale updates, deletions, later changes held behind a conflict.
import { describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { DEMO_TYPES } from '../../../src/backends/supabase/seed/demoCommitments.ts';
import { applyLegacyChanges } from '../../../src/writes/sync/applyLegacyChanges.ts';
import { capture, demoId } from '../../support/capturedChanges.ts';
import {
  ALICE,
  current,
  deps,
  fixture,
  fulfilledOnTarget,
  ids,
  outcomesOf,
  recordedAsApplied,
  revisionCount,
  useApplyLegacyChangesDatabases,
} from './applyLegacyChangesFixture.ts';

const engines = await testEngines();

describe.each(engines)('applyLegacyChanges ($name)', (engine) => {
  useApplyLegacyChangesDatabases(engine);

  it('records a stale legacy update over a newer target version as a conflict and leaves the ledger as it was', async () => {
    const id = demoId(2);
    const version = await fulfilledOnTarget(fixture.ledger, id);
    const count = await revisionCount(fixture.ledger, id);
    const changes = await capture(fixture.legacy, () =>
      fixture.legacy.query("update public.commitments set status = 'CANCELLED' where id = $1", [id]),
    );

    expect(await applyLegacyChanges(deps, changes)).toEqual(outcomesOf(changes, 'conflict'));
    expect(await revisionCount(fixture.ledger, id)).toBe(count);
    expect(await current(fixture.ledger, id)).toMatchObject({ status: 'FULFILLED', version });
    const conflicts = await fixture.ledger.db.query(
      'select entity, entity_id, detail, legacy_row, target_version from figway.sync_conflicts where change_id = $1',
      [changes[0]?.id],
    );
    expect(conflicts).toEqual([
      {
        entity: 'commitment',
        entity_id: id,
        detail: `legacy wrote version ${version} (status CANCELLED) over the target's version ${version} (status FULFILLED)`,
        legacy_row: expect.objectContaining({ id, status: 'CANCELLED', version }),
        target_version: version,
      },
    ]);
    expect(await recordedAsApplied(fixture.ledger.db, ids(changes))).toEqual(ids(changes));
  });

  it('records a stale legacy update as a conflict even when legacy wrote again since, and holds the later write', async () => {
    const id = demoId(15);
    const version = await fulfilledOnTarget(fixture.ledger, id);
    const count = await revisionCount(fixture.ledger, id);
    // An old app writes twice before the applier runs: the first over the target's version, the second on top of it.
    const changes = await capture(fixture.legacy, async () => {
      await fixture.legacy.query("update public.commitments set status = 'CANCELLED' where id = $1", [id]);
      await fixture.legacy.query(
        "update public.commitments set terms = 'Cancelled by the old app' where id = $1",
        [id],
      );
    });
    expect(await applyLegacyChanges(deps, changes)).toEqual(outcomesOf(changes, 'conflict'));
    expect(await revisionCount(fixture.ledger, id)).toBe(count);
    expect(await current(fixture.ledger, id)).toMatchObject({ status: 'FULFILLED', version });
  });

  it('keeps a commitment deleted on legacy, parties included, and records the deletion as a conflict', async () => {
    let id = '';
    const created = await capture(fixture.legacy, async () => {
      const [row] = await fixture.legacy.query(
        "insert into public.commitments (title, type_id, created_by) values ('Share the allotment', $1, $2) returning id",
        [DEMO_TYPES[1].id, ALICE],
      );
      id = String(row?.id);
    });
    await applyLegacyChanges(deps, created);
    const kept = await current(fixture.ledger, id);
    const count = await revisionCount(fixture.ledger, id);
    const deleted = await capture(fixture.legacy, () =>
      fixture.legacy.query('delete from public.commitments where id = $1', [id]),
    );
    expect(deleted.map((change) => change.tableName).sort()).toEqual(['commitment_parties', 'commitments']);

    expect(await applyLegacyChanges(deps, deleted)).toEqual(outcomesOf(deleted, 'conflict'));
    expect(await revisionCount(fixture.ledger, id)).toBe(count);
    expect(await current(fixture.ledger, id)).toEqual(kept);
    const conflicts = await fixture.ledger.db.query(
      'select detail from figway.sync_conflicts where change_id = any($1::bigint[]) order by change_id',
      [ids(deleted)],
    );
    expect(conflicts.map((row) => row.detail).sort()).toEqual([
      'deleted on legacy with its commitment; the ledger keeps the commitment and its history',
      'deleted on legacy; the ledger keeps the commitment and its history',
    ]);
  });

  describe('a commitment with an open conflict', () => {
    async function openConflicts(id: string) {
      return fixture.ledger.db.query(
        'select id, change_id, detail from figway.sync_conflicts where entity_id = $1 and resolved_at is null order by id',
        [id],
      );
    }

    it('holds every later legacy change of it as a conflict until the conflict is resolved, while others apply', async () => {
      const held = demoId(8);
      const other = demoId(9);
      const version = await fulfilledOnTarget(fixture.ledger, held);
      const stale = await capture(fixture.legacy, () =>
        fixture.legacy.query("update public.commitments set status = 'CANCELLED' where id = $1", [held]),
      );
      expect(await applyLegacyChanges(deps, stale)).toEqual(outcomesOf(stale, 'conflict'));
      const [first, ...none] = await openConflicts(held);
      expect(none).toEqual([]);
      expect(Number(first?.change_id)).toBe(stale[0]?.id);
      const kept = await current(fixture.ledger, held);
      const count = await revisionCount(fixture.ledger, held);

      // Past figway: an update above the ledger's version, a party, and a change figway's mirror made.
      const [outsider] = await fixture.legacy.query(
        `select id from public.profiles where id not in
           (select profile_id from public.commitment_parties where commitment_id = $1) order by id limit 1`,
        [held],
      );
      const later = await capture(fixture.legacy, async () => {
        await fixture.legacy.query(
          "update public.commitments set title = 'Retitled past figway' where id = $1",
          [held],
        );
        await fixture.legacy.query(
          "insert into public.commitment_parties (commitment_id, profile_id, role) values ($1, $2, 'WITNESS')",
          [held, outsider?.id],
        );
        await fixture.legacy.query("update public.commitments set terms = 'Other terms' where id = $1", [
          other,
        ]);
        await fixture.legacy.transaction(async (tx) => {
          await tx.query("select set_config('figway.origin', 'mirror', true)");
          await tx.query("update public.commitments set description = 'Mirrored' where id = $1", [held]);
        });
      });
      expect(later.map((change) => [change.entityId, change.tableName, change.origin])).toEqual([
        [held, 'commitments', 'legacy'],
        [held, 'commitment_parties', 'legacy'],
        [other, 'commitments', 'legacy'],
        [held, 'commitments', 'mirror'],
      ]);
      const [retitled, party, otherTerms, mirrored] = later;
      expect(Number(retitled?.rowData.version)).toBeGreaterThan(version);

      expect(await applyLegacyChanges(deps, later)).toEqual([
        { id: retitled?.id, result: 'conflict' },
        { id: party?.id, result: 'conflict' },
        { id: otherTerms?.id, result: 'applied' },
        { id: mirrored?.id, result: 'skipped' },
      ]);
      expect(await current(fixture.ledger, held)).toEqual(kept);
      expect(await revisionCount(fixture.ledger, held)).toBe(count);
      expect((await current(fixture.ledger, other)).terms).toBe('Other terms');
      const waiting = await openConflicts(held);
      expect(waiting.map((row) => [Number(row.change_id), row.detail])).toEqual([
        [stale[0]?.id, expect.stringMatching(/^legacy wrote version/)],
        [retitled?.id, expect.stringContaining(`waits on conflict #${first?.id}`)],
        [party?.id, expect.stringContaining(`waits on conflict #${first?.id}`)],
      ]);

      await fixture.ledger.db.query(
        'update figway.sync_conflicts set resolved_at = now() where entity_id = $1 and resolved_at is null',
        [held],
      );
      const afterResolution = await capture(fixture.legacy, () =>
        fixture.legacy.query("update public.commitments set title = 'Retitled once resolved' where id = $1", [
          held,
        ]),
      );
      expect(await applyLegacyChanges(deps, afterResolution)).toEqual(outcomesOf(afterResolution, 'applied'));
      expect(await current(fixture.ledger, held)).toMatchObject({
        title: 'Retitled once resolved',
        version: Number(afterResolution[0]?.rowData.version),
      });
      expect(await openConflicts(held)).toEqual([]);
    });

    it('holds the changes of later legacy transactions that follow a conflict in the same batch', async () => {
      const id = demoId(10);
      await fulfilledOnTarget(fixture.ledger, id);
      const kept = await current(fixture.ledger, id);
      const [outsider] = await fixture.legacy.query(
        `select id from public.profiles where id not in
           (select profile_id from public.commitment_parties where commitment_id = $1) order by id limit 1`,
        [id],
      );
      // Two legacy transactions: the party comes after the stale update, in the same batch.
      const changes = await capture(fixture.legacy, async () => {
        await fixture.legacy.query("update public.commitments set status = 'CANCELLED' where id = $1", [id]);
        await fixture.legacy.query(
          "insert into public.commitment_parties (commitment_id, profile_id, role) values ($1, $2, 'WITNESS')",
          [id, outsider?.id],
        );
      });
      expect(new Set(changes.map((change) => change.transactionId)).size).toBe(2);
      expect(await applyLegacyChanges(deps, changes)).toEqual(outcomesOf(changes, 'conflict'));
      expect(await current(fixture.ledger, id)).toEqual(kept);
      const conflicts = await openConflicts(id);
      expect(conflicts.map((row) => row.detail)).toEqual([
        expect.stringMatching(/^legacy wrote version/),
        expect.stringContaining(`waits on the conflict of legacy change ${changes[0]?.id}`),
      ]);
    });
  });
});
