// Legacy changes applied to the ledger and OLTP service: once only, merged, skipped, retried, failed alone.
import { describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../../src/backends/ledger/commitmentDocument.ts';
import { createLedgerCommitments } from '../../../src/backends/ledger/ledgerCommitments.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import { verifyCommitment } from '../../../src/backends/ledger/verifyCommitment.ts';
import { DEMO_TYPES } from '../../../src/backends/supabase/seed/demoCommitments.ts';
import { sameCommitment } from '../../../src/writes/backfill/replayCommitmentHistory.ts';
import { applyLegacyChanges } from '../../../src/writes/sync/applyLegacyChanges.ts';
import { capture, demoId } from '../../support/capturedChanges.ts';
import {
  ALICE,
  BOB,
  current,
  deps,
  fixture,
  ids,
  legacyCommitment,
  outcomesOf,
  recordedAsApplied,
  revisionCount,
  SERVICE,
  useApplyLegacyChangesDatabases,
} from './applyLegacyChangesFixture.ts';

const engines = await testEngines();

describe.each(engines)('applyLegacyChanges ($name)', (engine) => {
  useApplyLegacyChangesDatabases(engine);

  it('turns a plain-SQL status update into one verifiable ledger revision, and changes nothing the second time', async () => {
    const id = demoId(0);
    const before = await revisionCount(fixture.ledger, id);
    const changes = await capture(fixture.legacy, () =>
      fixture.legacy.query("update public.commitments set status = 'PROPOSED' where id = $1", [id]),
    );
    expect(changes.map((change) => [change.tableName, change.operation])).toEqual([
      ['commitments', 'UPDATE'],
    ]);

    expect(await applyLegacyChanges(deps, changes)).toEqual(outcomesOf(changes, 'applied'));
    expect(await revisionCount(fixture.ledger, id)).toBe(before + 1);
    expect(await current(fixture.ledger, id)).toMatchObject({ status: 'PROPOSED', version: 2 });
    expect(
      sameCommitment(await current(fixture.ledger, id), await legacyCommitment(fixture.legacy, id)),
    ).toBe(true);
    const verification = await verifyCommitment(
      fixture.ledger,
      createLedgerCommitments(fixture.ledger),
      SERVICE,
      id,
    );
    expect(verification).toMatchObject({ verified: true, problem: null });
    expect(verification?.revision.data.status).toBe('PROPOSED');
    expect(await recordedAsApplied(fixture.ledger.db, ids(changes))).toEqual(ids(changes));

    expect(await applyLegacyChanges(deps, changes)).toEqual(outcomesOf(changes, 'skipped'));
    expect(await revisionCount(fixture.ledger, id)).toBe(before + 1);
  });

  it('changes nothing when an older change arrives after a newer one', async () => {
    const id = demoId(6);
    const [older, newer] = await capture(fixture.legacy, async () => {
      await fixture.legacy.query("update public.commitments set title = 'First retitling' where id = $1", [
        id,
      ]);
      await fixture.legacy.query("update public.commitments set title = 'Second retitling' where id = $1", [
        id,
      ]);
    });
    if (older === undefined || newer === undefined) throw new Error('expected two captured changes');
    expect(await applyLegacyChanges(deps, [newer])).toEqual([{ id: newer.id, result: 'applied' }]);
    const count = await revisionCount(fixture.ledger, id);

    expect(await applyLegacyChanges(deps, [older])).toEqual([{ id: older.id, result: 'skipped' }]);
    expect(await revisionCount(fixture.ledger, id)).toBe(count);
    expect(await current(fixture.ledger, id)).toMatchObject({ title: 'Second retitling' });
    const conflicts = await fixture.ledger.db.query(
      'select 1 from figway.sync_conflicts where change_id = $1',
      [older.id],
    );
    expect(conflicts).toEqual([]);
  });

  it('merges a party and a document into the commitment without touching its status', async () => {
    const id = demoId(1);
    const before = await current(fixture.ledger, id);
    const [outsider] = await fixture.legacy.query(
      `select id from public.profiles where id not in
         (select profile_id from public.commitment_parties where commitment_id = $1) order by id limit 1`,
      [id],
    );
    const changes = await capture(fixture.legacy, async () => {
      await fixture.legacy.query(
        "insert into public.commitment_parties (commitment_id, profile_id, role) values ($1, $2, 'WITNESS')",
        [id, outsider?.id],
      );
      await fixture.legacy.query(
        `insert into public.commitment_documents (commitment_id, name, url, uploaded_by)
         values ($1, 'receipt.pdf', 'https://files.example.com/receipt.pdf', $2)`,
        [id, ALICE],
      );
    });
    expect(changes.map((change) => change.tableName)).toEqual(['commitment_parties', 'commitment_documents']);

    expect(await applyLegacyChanges(deps, changes)).toEqual(outcomesOf(changes, 'applied'));
    const after = await current(fixture.ledger, id);
    expect(after).toMatchObject({ status: before.status, version: before.version });
    expect(after.parties).toHaveLength(before.parties.length + 1);
    expect(after.parties.find((party) => party.profileId === outsider?.id)?.role).toBe('WITNESS');
    expect(after.documents.map((doc) => doc.name)).toContain('receipt.pdf');
    expect(sameCommitment(after, await legacyCommitment(fixture.legacy, id))).toBe(true);
  });

  it('skips changes figway mirrored into legacy, and records them', async () => {
    const id = demoId(3);
    const count = await revisionCount(fixture.ledger, id);
    const changes = await capture(fixture.legacy, () =>
      fixture.legacy.transaction(async (tx) => {
        await tx.query("select set_config('figway.origin', 'mirror', true)");
        await tx.query("update public.commitments set terms = 'Mirrored terms' where id = $1", [id]);
      }),
    );
    expect(changes.map((change) => change.origin)).toEqual(['mirror']);
    expect(await applyLegacyChanges(deps, changes)).toEqual(outcomesOf(changes, 'skipped'));
    expect(await revisionCount(fixture.ledger, id)).toBe(count);
    expect((await current(fixture.ledger, id)).terms).not.toBe('Mirrored terms');
    expect(await recordedAsApplied(fixture.ledger.db, ids(changes))).toEqual(ids(changes));
  });

  it('brings a profile update and a commitment type created and deleted on legacy to the OLTP service', async () => {
    const profileChanges = await capture(fixture.legacy, () =>
      fixture.legacy.query("update public.profiles set display_name = 'Bob the Builder' where id = $1", [
        BOB,
      ]),
    );
    expect(await applyLegacyChanges(deps, profileChanges)).toEqual(outcomesOf(profileChanges, 'applied'));
    const [profile] = await fixture.oltp.db.query('select display_name from oltp.profiles where id = $1', [
      BOB,
    ]);
    expect(profile?.display_name).toBe('Bob the Builder');
    expect(await recordedAsApplied(fixture.oltp.db, ids(profileChanges))).toEqual(ids(profileChanges));

    const typeId = '7e000000-0000-4000-8000-0000000000aa';
    const created = await capture(fixture.legacy, () =>
      fixture.legacy.query("insert into public.commitment_types (id, name) values ($1, 'Barter')", [typeId]),
    );
    expect(await applyLegacyChanges(deps, created)).toEqual(outcomesOf(created, 'applied'));
    expect((await fixture.oltp.commitmentTypesByIds(SERVICE, [typeId])).map((type) => type.name)).toEqual([
      'Barter',
    ]);
    const renamedAndDeleted = await capture(fixture.legacy, async () => {
      await fixture.legacy.query("update public.commitment_types set name = 'Swap' where id = $1", [typeId]);
      await fixture.legacy.query('delete from public.commitment_types where id = $1', [typeId]);
    });
    // The latest row wins: the rename is superseded by the deletion.
    expect(await applyLegacyChanges(deps, renamedAndDeleted)).toEqual([
      { id: renamedAndDeleted[0]?.id, result: 'skipped' },
      { id: renamedAndDeleted[1]?.id, result: 'applied' },
    ]);
    expect(await fixture.oltp.commitmentTypesByIds(SERVICE, [typeId])).toEqual([]);
  });

  it('puts a commitment created with plain SQL, with the creator party the app adds, whole on the ledger', async () => {
    let id = '';
    const changes = await capture(fixture.legacy, async () => {
      const [row] = await fixture.legacy.query(
        "insert into public.commitments (title, type_id, created_by) values ('Water the plants', $1, $2) returning id",
        [DEMO_TYPES[2].id, ALICE],
      );
      id = String(row?.id);
    });
    expect(changes.map((change) => [change.tableName, change.operation])).toEqual([
      ['commitments', 'INSERT'],
      ['commitment_parties', 'INSERT'],
    ]);

    expect(await applyLegacyChanges(deps, changes)).toEqual(outcomesOf(changes, 'applied'));
    const history = await fixture.ledger.history<CommitmentDocument>(COMMITMENTS, id);
    // One legacy transaction, one revision: the commitment arrives with its creator.
    expect(history.map((revision) => revision.data.parties.length)).toEqual([1]);
    const onLedger = await current(fixture.ledger, id);
    expect(onLedger.parties).toEqual([expect.objectContaining({ profileId: ALICE, role: 'CREATOR' })]);
    expect(sameCommitment(onLedger, await legacyCommitment(fixture.legacy, id))).toBe(true);
  });

  it("builds a commitment the ledger lacks from legacy's current rows when a later change arrives first", async () => {
    let id = '';
    const [insert, creator] = await capture(fixture.legacy, async () => {
      const [row] = await fixture.legacy.query(
        "insert into public.commitments (title, type_id, created_by) values ('Mend the fence', $1, $2) returning id",
        [DEMO_TYPES[0].id, BOB],
      );
      id = String(row?.id);
    });
    if (insert === undefined || creator === undefined) throw new Error('expected two captured changes');

    expect(await applyLegacyChanges(deps, [creator])).toEqual([{ id: creator.id, result: 'applied' }]);
    expect(await revisionCount(fixture.ledger, id)).toBe(1);
    expect(
      sameCommitment(await current(fixture.ledger, id), await legacyCommitment(fixture.legacy, id)),
    ).toBe(true);
    expect(await applyLegacyChanges(deps, [insert])).toEqual([{ id: insert.id, result: 'skipped' }]);
    expect(await revisionCount(fixture.ledger, id)).toBe(1);
  });

  it('retries a commitment once from a fresh read when the target wrote it meanwhile', async () => {
    const id = demoId(4);
    const changes = await capture(fixture.legacy, () =>
      fixture.legacy.query(
        "update public.commitments set description = 'Agreed at the meeting' where id = $1",
        [id],
      ),
    );
    let raced = 0;
    const document = {
      id: '0d000000-0000-4000-8000-000000000001',
      name: 'minutes.pdf',
      url: 'https://files.example.com/minutes.pdf',
      version: 1,
      uploadedBy: ALICE,
      uploadedAt: '2025-01-01T00:00:00.000Z',
    };
    const racing: Ledger = {
      ...fixture.ledger,
      async write(writes, within) {
        if (raced === 0) {
          raced += 1;
          const stored = await fixture.ledger.current<CommitmentDocument>(COMMITMENTS, id);
          if (stored === null) throw new Error('not backfilled');
          await fixture.ledger.write([
            {
              tableName: COMMITMENTS,
              documentId: id,
              data: { ...stored.data, documents: [...stored.data.documents, document] },
              expectedVersion: stored.metadata.version,
            },
          ]);
        }
        return fixture.ledger.write(writes, within);
      },
    };

    expect(await applyLegacyChanges({ ...deps, ledger: racing }, changes)).toEqual(
      outcomesOf(changes, 'applied'),
    );
    expect(raced).toBe(1);
    const after = await current(fixture.ledger, id);
    expect(after.description).toBe('Agreed at the meeting');
    expect(after.documents).toContainEqual(document);
  });

  it('fails only the entity whose change is malformed and applies the others', async () => {
    const broken = demoId(5);
    const healthy = demoId(7);
    const changes = await capture(fixture.legacy, async () => {
      await fixture.legacy.query("update public.commitments set terms = 'Broken terms' where id = $1", [
        broken,
      ]);
      await fixture.legacy.query("update public.commitments set terms = 'Healthy terms' where id = $1", [
        healthy,
      ]);
      await fixture.legacy.query("update public.profiles set display_name = 'Alice A.' where id = $1", [
        ALICE,
      ]);
    });
    const [brokenChange, ...rest] = changes;
    if (brokenChange === undefined) throw new Error('nothing captured');
    const malformed = { ...brokenChange, rowData: { id: broken, status: 'ACTIVE' } };
    const count = await revisionCount(fixture.ledger, broken);

    const outcomes = await applyLegacyChanges(deps, [malformed, ...rest]);
    expect(outcomes).toEqual([
      { id: brokenChange.id, result: 'failed', error: expect.any(Error) },
      ...outcomesOf(rest, 'applied'),
    ]);
    expect(await revisionCount(fixture.ledger, broken)).toBe(count);
    expect(await recordedAsApplied(fixture.ledger.db, [brokenChange.id])).toEqual([]);
    expect((await current(fixture.ledger, healthy)).terms).toBe('Healthy terms');
    const [alice] = await fixture.oltp.db.query('select display_name from oltp.profiles where id = $1', [
      ALICE,
    ]);
    expect(alice?.display_name).toBe('Alice A.');

    // Delivered again intact, the change applies.
    expect(await applyLegacyChanges(deps, [brokenChange])).toEqual([
      { id: brokenChange.id, result: 'applied' },
    ]);
    expect((await current(fixture.ledger, broken)).terms).toBe('Broken terms');
  });
});
