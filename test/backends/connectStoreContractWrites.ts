import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CommitmentRecord } from '../../src/backends/connectStore.ts';
import { DEMO_TYPES } from '../../src/backends/supabase/seed/demoCommitments.ts';
import { ANONYMOUS } from '../../src/backends/viewer.ts';
import { ErrorCode, FigwayError } from '../../src/errors.ts';
import { ALICE_ONLY, type Contract, demoUser } from './connectStoreContractSeed.ts';

/** Writes row-level security refuses: bob on a commitment he is no party to, anyone anonymous. */
export function describeRefusedWrites(c: Contract): void {
  describe('writes refused by row-level security', () => {
    it('lets bob change nothing on a commitment he is no party to', async () => {
      const admin = c.as('admin');
      const snapshot = async () => ({
        commitment: await c.store().commitmentsByIds(admin, [ALICE_ONLY.id]),
        parties: await c.store().partiesByCommitmentIds(admin, [ALICE_ONLY.id]),
        documents: await c.store().documentsByCommitmentIds(admin, [ALICE_ONLY.id]),
      });
      const before = await snapshot();
      const status = before.commitment[0]?.status ?? 'DRAFT';
      const bob = c.as('bob');
      expect(await c.store().updateCommitmentStatus(bob, ALICE_ONLY.id, status, 'CANCELLED')).toBeNull();
      const forbidden = { code: ErrorCode.FORBIDDEN };
      const join = c.store().addParty(bob, ALICE_ONLY.id, demoUser('bob').id, 'WITNESS');
      await expect(join).rejects.toBeInstanceOf(FigwayError);
      await expect(join).rejects.toMatchObject(forbidden);
      const attach = c.store().attachDocument(bob, ALICE_ONLY.id, 'x.pdf', 'https://x.example');
      await expect(attach).rejects.toMatchObject(forbidden);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses to create a commitment for an anonymous viewer', async () => {
      const input = { title: 'anonymous', description: '', typeId: DEMO_TYPES[0].id, terms: '' };
      await expect(c.store().createCommitment(ANONYMOUS, input)).rejects.toMatchObject({
        code: ErrorCode.FORBIDDEN,
      });
    });
  });
}

// A fresh commitment the service creates with dave as its participant: writes on it
// change no seeded view.
async function commitmentForDave(c: Contract, title: string): Promise<CommitmentRecord> {
  const input = { title, description: `${c.label} contract`, typeId: DEMO_TYPES[1].id, terms: 'none' };
  const created = await c.store().createCommitment(c.as('admin'), input);
  await c.store().addParty(c.as('admin'), created.id, demoUser('dave').id, 'PARTICIPANT');
  return created;
}

/** createCommitment, and updateCommitmentStatus as a compare-and-set. */
export function describeCreateAndMove(c: Contract): void {
  it('createCommitment makes the viewer its CREATOR and shows it to them only', async () => {
    const dave = c.as('dave');
    const input = { title: 'Dave builds a shed', description: 'd', typeId: DEMO_TYPES[1].id, terms: 't' };
    const created = await c.store().createCommitment(dave, input);
    expect(created).toMatchObject({ ...input, status: 'DRAFT', version: 1, createdBy: demoUser('dave').id });
    const parties = await c.store().partiesByCommitmentIds(dave, [created.id]);
    expect(parties.map((party) => [party.profileId, party.role])).toEqual([[demoUser('dave').id, 'CREATOR']]);
    expect(await c.store().commitmentsByIds(dave, [created.id])).toEqual([created]);
    expect(await c.store().commitmentsByIds(c.as('bob'), [created.id])).toEqual([]);
    expect(await c.store().commitmentsByIds(ANONYMOUS, [created.id])).toEqual([]);
  });

  it('updateCommitmentStatus changes the status only when it still is `from`', async () => {
    const created = await commitmentForDave(c, 'Status compare-and-set');
    const dave = c.as('dave');
    expect(await c.store().updateCommitmentStatus(dave, created.id, 'ACTIVE', 'FULFILLED')).toBeNull();
    const [unchanged] = await c.store().commitmentsByIds(c.as('admin'), [created.id]);
    expect(unchanged).toMatchObject({ status: 'DRAFT', version: 1 });
    const moved = await c.store().updateCommitmentStatus(dave, created.id, 'DRAFT', 'PROPOSED');
    expect(moved).toMatchObject({ id: created.id, status: 'PROPOSED', version: 2 });
    expect(await c.store().updateCommitmentStatus(dave, created.id, 'DRAFT', 'PROPOSED')).toBeNull();
  });
}

/** attachDocument's version numbers, and addParty's refusals. */
export function describeAttachAndJoin(c: Contract): void {
  it('attachDocument numbers documents attached under the same name 1, 2', async () => {
    const created = await commitmentForDave(c, 'Two drafts of the plan');
    const dave = c.as('dave');
    const first = await c.store().attachDocument(dave, created.id, 'plan.pdf', 'https://files.example/1');
    const second = await c.store().attachDocument(dave, created.id, 'plan.pdf', 'https://files.example/2');
    expect([first.version, second.version]).toEqual([1, 2]);
    expect(second).toMatchObject({ commitmentId: created.id, uploadedBy: demoUser('dave').id });
    const listed = await c.store().documentsByCommitmentIds(dave, [created.id]);
    expect(listed.map((document) => [document.url, document.version])).toEqual([
      ['https://files.example/1', 1],
      ['https://files.example/2', 2],
    ]);
  });

  it('addParty adds a party once, and refuses a duplicate or an unknown profile', async () => {
    const created = await commitmentForDave(c, 'A witness for the fence');
    const dave = c.as('dave');
    const carol = demoUser('carol').id;
    const party = await c.store().addParty(dave, created.id, carol, 'WITNESS');
    expect(party).toMatchObject({ commitmentId: created.id, profileId: carol, role: 'WITNESS' });
    await expect(c.store().addParty(dave, created.id, carol, 'PARTICIPANT')).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
    });
    await expect(c.store().addParty(dave, created.id, randomUUID(), 'WITNESS')).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
    });
    const parties = await c.store().partiesByCommitmentIds(dave, [created.id]);
    expect(parties.filter((row) => row.profileId === carol)).toHaveLength(1);
    expect(await c.store().commitmentsByIds(c.as('carol'), [created.id])).toHaveLength(1);
  });
}
