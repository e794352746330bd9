// A repair runs inside a live gateway: a write mirrored to the side it rewrites, between
// its read of the authoritative side and its write, is never undone.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import type { CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import { upsertCommitmentTypes, upsertProfiles } from '../../src/backends/oltp/oltpWrites.ts';
import { toCommitmentType, toProfile } from '../../src/backends/supabase/rows.ts';
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
  it('under legacy authority, keeps a profile rename the change applier brought to the OLTP service between the legacy read and the OLTP write', async () => {
    const id = DEMO_USERS[2]?.id ?? '';
    // The OLTP service diverges: written behind figway's back.
    await fixture.oltp.db.query("update oltp.profiles set display_name = 'Drifted' where id = $1", [id]);
    const sides = sidesOf('profiles', targets());
    const raced = {
      ...sides,
      legacy: afterReadOf(sides.legacy, id, async () => {
        // The user renames themselves on legacy; the change applier upserts the captured row.
        const [row] = await fixture.legacy.query(
          "update public.profiles set display_name = 'Renamed on legacy' where id = $1 returning *",
          [id],
        );
        if (row === undefined) throw new Error(`legacy has no profile ${id}`);
        await upsertProfiles(fixture.oltp.db, [toProfile(row)]);
      }),
    };
    const outcome = await repairRows(
      'profiles',
      targets(),
      raced,
      [{ id, fields: ['displayName'] }],
      reconcileAuthority('profiles', 'legacy'),
    );
    const [profile] = await fixture.oltp.db.query('select display_name from oltp.profiles where id = $1', [
      id,
    ]);
    expect(profile?.display_name).toBe('Renamed on legacy');
    expect(outcome).toEqual({
      repaired: [],
      unrepaired: [{ id, reason: expect.stringMatching(/changed while it was repaired/) }],
    });
  });

  it('under legacy authority, keeps a commitment type that legacy gained and the applier mirrored after the comparison found legacy lacking it', async () => {
    const id = randomUUID();
    const [row] = await fixture.legacy.query(
      "insert into public.commitment_types (id, name, description) values ($1, $2, '') returning *",
      [id, `Added ${id}`],
    );
    if (row === undefined) throw new Error('legacy refused the commitment type');
    await upsertCommitmentTypes(fixture.oltp.db, [toCommitmentType(row)]);
    // The divergent row is the comparison's, read before legacy gained the type.
    const outcome = await repairRows(
      'commitment-types',
      targets(),
      sidesOf('commitment-types', targets()),
      [{ id, fields: [], missingOn: 'legacy' }],
      reconcileAuthority('commitment-types', 'legacy'),
    );
    const kept = await fixture.oltp.db.query('select name from oltp.commitment_types where id = $1', [id]);
    expect(kept).toEqual([{ name: `Added ${id}` }]);
    expect(outcome).toEqual({ repaired: [id], unrepaired: [] });
  });
});
