// A repair runs inside a live gateway: a write mirrored to the side it rewrites, between
// its read of the authoritative side and its write, is never undone.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import type { CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import { DEMO_USERS } from '../../src/backends/supabase/seed/demoUsers.ts';
import { reconcileAuthority } from '../../src/writes/reconcile/reconcileAuthority.ts';
import { type SideReader, sidesOf } from '../../src/writes/reconcile/reconcileSides.ts';
import { repairRows } from '../../src/writes/reconcile/repairRows.ts';
import { writeCommitmentToLegacy } from '../../src/writes/sync/writeToLegacy.ts';
import { changeOnLedger, fixture, idAt, onLedger, useReconcileDatabases } from './reconcileFixture.ts';

const engines = await testEngines();

/** `side`, which runs `between` once, right after the first read that returns `id`. */
function afterReadOf(side: SideReader, id: string, between: () => Promise<void>): SideReader {
  let done = false;
  return {
    ...side,
    async byIds(ids) {
      const records = await side.byIds(ids);
      if (!done && records.some((record) => record.id === id)) {
        done = true;
        await between();
      }
      return records;
    },
  };
}

// A party of a demo user who is not yet one of the commitment's.
async function newParty(id: string) {
  const held = new Set((await onLedger(fixture, id)).parties.map((party) => party.profileId));
  const profile = DEMO_USERS.find((user) => !held.has(user.id));
  if (profile === undefined) throw new Error(`every demo user is a party of ${id}`);
  return {
    id: randomUUID(),
    profileId: profile.id,
    role: 'WITNESS' as const,
    joinedAt: new Date().toISOString(),
  };
}

async function legacyParties(id: string): Promise<string[]> {
  const rows = await fixture.legacy.query(
    'select id from public.commitment_parties where commitment_id = $1',
    [id],
  );
  return rows.map((row) => String(row.id));
}

const targets = () => ({ legacy: fixture.legacy, ledger: fixture.ledger, oltp: fixture.oltp });

describe.each(engines)('repair beside the mirror ($name)', (engine) => {
  useReconcileDatabases(engine);

  it('under target authority, keeps a party the outbox brought to legacy between the ledger read and the legacy write', async () => {
    const id = idAt(7);
    // Legacy diverges: written behind figway's back.
    await fixture.legacy.query("update public.commitments set status = 'CANCELLED' where id = $1", [id]);
    const party = await newParty(id);
    const sides = sidesOf('commitments', targets());
    const raced = {
      ...sides,
      target: afterReadOf(sides.target, id, async () => {
        // A user adds a party on the ledger; the outbox applies the revision to legacy.
        await changeOnLedger(fixture, id, (document: CommitmentDocument) => ({
          ...document,
          parties: [...document.parties, party],
        }));
        const revision = await onLedger(fixture, id);
        await fixture.legacy.transaction((tx) =>
          writeCommitmentToLegacy(tx, revision, { actor: null, exact: false }),
        );
      }),
    };
    const outcome = await repairRows(
      'commitments',
      targets(),
      raced,
      [{ id, fields: ['status'] }],
      reconcileAuthority('commitments', 'live'),
    );
    expect(await legacyParties(id)).toContain(party.id);
    expect(outcome).toEqual({
      repaired: [],
      unrepaired: [{ id, reason: expect.stringMatching(/changed while it was repaired/) }],
    });
  });

  it('under legacy authority, keeps a party the change applier brought to the ledger between the legacy read and the ledger write', async () => {
    const id = idAt(9);
    await changeOnLedger(fixture, id, (document) => ({ ...document, status: 'CANCELLED' }));
    const party = await newParty(id);
    const sides = sidesOf('commitments', targets());
    const raced = {
      ...sides,
      legacy: afterReadOf(sides.legacy, id, async () => {
        // A user adds a party on legacy; the change applier writes it to the ledger.
        await fixture.legacy.query(
          'insert into public.commitment_parties (id, commitment_id, profile_id, role, joined_at) values ($1, $2, $3, $4, $5)',
          [party.id, id, party.profileId, party.role, party.joinedAt],
        );
        await changeOnLedger(fixture, id, (document) => ({
          ...document,
          parties: [...document.parties, party],
        }));
      }),
    };
    const outcome = await repairRows(
      'commitments',
      targets(),
      raced,
      [{ id, fields: ['status'] }],
      reconcileAuthority('commitments', 'legacy'),
    );
    expect((await onLedger(fixture, id)).parties.map((entry) => entry.id)).toContain(party.id);
    expect(outcome).toEqual({
      repaired: [],
      unrepaired: [{ id, reason: expect.stringMatching(/changed while it was repaired/) }],
    });
  });
});
