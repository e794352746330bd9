import { randomUUID } from 'node:crypto';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommitmentRecord, CommitmentStatus, ConnectStore } from '../../src/backends/connectStore.ts';
import { DEMO_TYPES } from '../../src/backends/supabase/seed/demoCommitments.ts';
import { DEMO_USERS } from '../../src/backends/supabase/seed/demoUsers.ts';
import { ANONYMOUS, type Viewer } from '../../src/backends/viewer.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { viewerFromClaims } from '../../src/server/verifyBearer.ts';
import {
  ALICE_ONLY,
  ALL_IDS,
  type Contract,
  demoUser,
  finalStatus,
  isParty,
  SHARED,
  seededIdsWhere,
} from './connectStoreContractSeed.ts';
import {
  describeAttachAndJoin,
  describeCreateAndMove,
  describeRefusedWrites,
} from './connectStoreContractWrites.ts';

/** The secret the contract's tokens are signed with; a store that forwards tokens must accept it. */
export const CONTRACT_JWT_SECRET = 'figway-contract-secret-at-least-32-characters-long';

/** A store under test, on a freshly migrated and seeded legacy data set, and how to dispose of it. */
export interface ContractSubject {
  store: ConnectStore;
  teardown(): Promise<void>;
}

async function viewerOf(username: string): Promise<Viewer> {
  const token = await signSupabaseToken(demoUser(username), CONTRACT_JWT_SECRET);
  const { payload } = await jwtVerify(token, new TextEncoder().encode(CONTRACT_JWT_SECRET));
  return viewerFromClaims(payload, token);
}

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
