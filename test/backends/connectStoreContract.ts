import { randomUUID } from 'node:crypto';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommitmentRecord, CommitmentStatus, ConnectStore } from '../../src/backends/connectStore.ts';
import {
  DEMO_COMMITMENTS,
  DEMO_TYPES,
  type DemoCommitment,
} from '../../src/backends/supabase/seed/demoCommitments.ts';
import { DEMO_USERS, type DemoUser } from '../../src/backends/supabase/seed/demoUsers.ts';
import { ANONYMOUS, type Viewer } from '../../src/backends/viewer.ts';
import { ErrorCode, FigwayError } from '../../src/errors.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { viewerFromClaims } from '../../src/server/verifyBearer.ts';

/** The secret the contract's tokens are signed with; a store that forwards tokens must accept it. */
export const CONTRACT_JWT_SECRET = 'figway-contract-secret-at-least-32-characters-long';

/** A store under test, on a freshly migrated and seeded legacy data set, and how to dispose of it. */
export interface ContractSubject {
  store: ConnectStore;
  teardown(): Promise<void>;
}

// What every part of the contract reaches: the store set up for this run and the demo viewers.
interface Contract {
  label: string;
  store(): ConnectStore;
  as(username: string): Viewer;
}

function demoUser(username: string): DemoUser {
  const user = DEMO_USERS.find((candidate) => candidate.username === username);
  if (user === undefined) throw new Error(`no demo user ${username}`);
  return user;
}

async function viewerOf(username: string): Promise<Viewer> {
  const token = await signSupabaseToken(demoUser(username), CONTRACT_JWT_SECRET);
  const { payload } = await jwtVerify(token, new TextEncoder().encode(CONTRACT_JWT_SECRET));
  return viewerFromClaims(payload, token);
}

// The seed in the terms a viewer sees: ids newest first (created_at grows with the index).
const SEEDED_NEWEST_FIRST = [...DEMO_COMMITMENTS].reverse();
const ALL_IDS = SEEDED_NEWEST_FIRST.map((commitment) => commitment.id);

function finalStatus(commitment: DemoCommitment): CommitmentStatus {
  return commitment.path.at(-1) ?? 'DRAFT';
}

function isParty(commitment: DemoCommitment, username: string): boolean {
  return commitment.creator === username || commitment.parties.some((party) => party.username === username);
}

function seededIdsWhere(keep: (commitment: DemoCommitment) => boolean): string[] {
  return SEEDED_NEWEST_FIRST.filter(keep).map((commitment) => commitment.id);
}

function seeded(index: number) {
  const commitment = DEMO_COMMITMENTS[index];
  if (commitment === undefined) throw new Error(`no demo commitment ${index}`);
  return commitment;
}

// Alice and carol only; bob is no party to it. It has terms.pdf twice.
const ALICE_ONLY = seeded(0);
// Alice, bob (participant) and carol (witness).
const SHARED = seeded(2);

async function allPages(store: ConnectStore, viewer: Viewer, size: number, status: CommitmentStatus | null) {
  const pages: CommitmentRecord[][] = [];
  let after: { createdAt: string; id: string } | null = null;
  for (;;) {
    const page = await store.listCommitments(viewer, { status, limit: size, after });
    if (page.length === 0) break;
    pages.push(page);
    const last = page.at(-1);
    if (last === undefined || page.length < size) break;
    after = { createdAt: last.createdAt, id: last.id };
    if (pages.length > 50) throw new Error('paging does not end');
  }
  return pages;
}

const EVERYTHING = { status: null, limit: 100, after: null } as const;

function describeVisibility(c: Contract): void {
  describe('reads as a party', () => {
    it('answers ping', async () => {
      await expect(c.store().ping()).resolves.toBeUndefined();
    });

    it('lists for alice exactly the commitments she is a party to, newest first', async () => {
      const page = await c.store().listCommitments(c.as('alice'), EVERYTHING);
      expect(page.map((commitment) => commitment.id)).toEqual(
        seededIdsWhere((seed) => isParty(seed, 'alice')),
      );
      expect(page).toHaveLength(13);
    });

    it('lists all 22 commitments for the service viewer, newest first', async () => {
      const page = await c.store().listCommitments(c.as('admin'), EVERYTHING);
      expect(page.map((commitment) => commitment.id)).toEqual(ALL_IDS);
    });

    it('maps a commitment with its seeded fields', async () => {
      const [found] = await c.store().commitmentsByIds(c.as('alice'), [SHARED.id]);
      expect(found).toMatchObject({
        id: SHARED.id,
        title: SHARED.title,
        typeId: DEMO_TYPES.find((type) => type.name === SHARED.type)?.id,
        status: finalStatus(SHARED),
        version: 1 + SHARED.path.length,
        createdBy: demoUser(SHARED.creator).id,
      });
      expect(found?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });

    it('omits from a read by ids the commitments bob is no party to', async () => {
      const found = await c.store().commitmentsByIds(c.as('bob'), [ALICE_ONLY.id, SHARED.id]);
      expect(found.map((commitment) => commitment.id)).toEqual([SHARED.id]);
    });

    it('shows parties and documents only to parties', async () => {
      const parties = await c.store().partiesByCommitmentIds(c.as('alice'), [ALICE_ONLY.id]);
      expect(parties.map((party) => `${party.profileId}:${party.role}`).sort()).toEqual(
        [`${demoUser('alice').id}:CREATOR`, `${demoUser('carol').id}:PARTICIPANT`].sort(),
      );
      const documents = await c.store().documentsByCommitmentIds(c.as('alice'), [ALICE_ONLY.id]);
      expect(documents.map((document) => `${document.name}@${document.version}`)).toEqual([
        'terms.pdf@1',
        'terms.pdf@2',
      ]);
      expect(await c.store().partiesByCommitmentIds(c.as('bob'), [ALICE_ONLY.id])).toEqual([]);
      expect(await c.store().documentsByCommitmentIds(c.as('bob'), [ALICE_ONLY.id])).toEqual([]);
    });

    it('shows signed-in users every profile', async () => {
      const profiles = await c.store().profilesByIds(
        c.as('bob'),
        DEMO_USERS.map((user) => user.id),
      );
      expect(profiles.map((profile) => profile.username).sort()).toEqual(
        DEMO_USERS.map((user) => user.username).sort(),
      );
      const alice = profiles.find((profile) => profile.id === demoUser('alice').id);
      expect(alice?.displayName).toBe('Alice Adeyemi');
    });
  });
}

function describeAnonymousAndUnknownIds(c: Contract): void {
  describe('reads as nobody, and of ids that name nothing', () => {
    it('shows anonymous viewers the commitment types and nothing private', async () => {
      const types = await c.store().listCommitmentTypes(ANONYMOUS);
      expect(types.map((type) => type.name)).toEqual(['Loan', 'Pledge', 'Rental', 'Service']);
      expect(await c.store().commitmentTypesByIds(ANONYMOUS, [DEMO_TYPES[2].id])).toEqual([
        { ...DEMO_TYPES[2] },
      ]);
      expect(await c.store().listCommitments(ANONYMOUS, EVERYTHING)).toEqual([]);
      expect(await c.store().commitmentsByIds(ANONYMOUS, ALL_IDS)).toEqual([]);
      expect(await c.store().partiesByCommitmentIds(ANONYMOUS, ALL_IDS)).toEqual([]);
      expect(await c.store().documentsByCommitmentIds(ANONYMOUS, ALL_IDS)).toEqual([]);
      expect(await c.store().profilesByIds(ANONYMOUS, [demoUser('alice').id])).toEqual([]);
    });

    it('omits unknown and non-UUID ids from every read by ids', async () => {
      const admin = c.as('admin');
      const ids = [SHARED.id, randomUUID(), 'not-a-uuid', '', "'; drop table x; --"];
      expect((await c.store().commitmentsByIds(admin, ids)).map((row) => row.id)).toEqual([SHARED.id]);
      expect(await c.store().profilesByIds(admin, ['nope', randomUUID()])).toEqual([]);
      expect(await c.store().commitmentTypesByIds(admin, ['nope', DEMO_TYPES[0].id])).toHaveLength(1);
      expect(await c.store().partiesByCommitmentIds(admin, ['nope', randomUUID()])).toEqual([]);
      expect(await c.store().documentsByCommitmentIds(admin, ['nope'])).toEqual([]);
    });
  });
}

function describePaging(c: Contract): void {
  describe('listCommitments paging', () => {
    it('covers every row exactly once in pages of 5, newest first', async () => {
      const pages = await allPages(c.store(), c.as('admin'), 5, null);
      expect(pages.map((page) => page.length)).toEqual([5, 5, 5, 5, 2]);
      expect(pages.flat().map((commitment) => commitment.id)).toEqual(ALL_IDS);
    });

    it('pages through only what the viewer may see', async () => {
      const pages = await allPages(c.store(), c.as('alice'), 5, null);
      const ids = pages.flat().map((commitment) => commitment.id);
      expect(ids).toEqual(seededIdsWhere((seed) => isParty(seed, 'alice')));
    });

    it('filters by status, also across pages', async () => {
      const active = await c.store().listCommitments(c.as('alice'), { ...EVERYTHING, status: 'ACTIVE' });
      expect(active.map((commitment) => commitment.id)).toEqual(
        seededIdsWhere((seed) => isParty(seed, 'alice') && finalStatus(seed) === 'ACTIVE'),
      );
      expect(active.every((commitment) => commitment.status === 'ACTIVE')).toBe(true);
      const drafts = await allPages(c.store(), c.as('admin'), 2, 'DRAFT');
      const ids = drafts.flat().map((commitment) => commitment.id);
      expect(ids).toEqual(seededIdsWhere((seed) => finalStatus(seed) === 'DRAFT'));
      expect(drafts.length).toBeGreaterThan(1);
    });
  });
}

function describeRefusedWrites(c: Contract): void {
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

function describeCreateAndMove(c: Contract): void {
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

function describeAttachAndJoin(c: Contract): void {
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

/**
 * The one contract every `ConnectStore` adapter passes (legacy transports now, the
 * ledger and OLTP targets later), on the seeded demo data. `setup` runs once for the
 * whole suite. Reads run first; writes touch only commitments they create and dave's
 * and carol's views of them, so what alice, bob and anonymous see stays as seeded
 * whatever order the write tests run in.
 */
export function describeConnectStoreContract(label: string, setup: () => Promise<ContractSubject>): void {
  describe(`ConnectStore contract: ${label}`, () => {
    let subject: ContractSubject | undefined;
    const viewers = new Map<string, Viewer>();
    const contract: Contract = {
      label,
      store() {
        if (subject === undefined) throw new Error('the contract setup did not run');
        return subject.store;
      },
      as(username) {
        const viewer = viewers.get(username);
        if (viewer === undefined) throw new Error(`no demo viewer ${username}`);
        return viewer;
      },
    };
    beforeAll(async () => {
      subject = await setup();
      for (const user of DEMO_USERS) viewers.set(user.username, await viewerOf(user.username));
    });
    afterAll(async () => {
      await subject?.teardown();
    });

    describeVisibility(contract);
    describeAnonymousAndUnknownIds(contract);
    describePaging(contract);
    describeRefusedWrites(contract);
    describe('writes', () => {
      describeCreateAndMove(contract);
      describeAttachAndJoin(contract);
    });
  });
}
