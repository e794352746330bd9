// reconcile finds the rows legacy and the targets disagree on, and repairs them from the authoritative side.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { COMMITMENTS } from '../../src/backends/ledger/commitmentDocument.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import { DEMO_TYPES } from '../../src/backends/supabase/seed/demoCommitments.ts';
import { DEMO_USERS } from '../../src/backends/supabase/seed/demoUsers.ts';
import { SYNC_MIGRATIONS } from '../../src/writes/sync/syncMigrations.ts';
import {
  ALICE,
  BOB,
  changeOnLedger,
  fixture,
  idAt,
  legacyStatus,
  onLedger,
  reconcile,
  revisions,
  useReconcileDatabases,
} from './reconcileFixture.ts';

const engines = await testEngines();

describe.each(engines)('reconcile ($name)', (engine) => {
  useReconcileDatabases(engine);

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
});
