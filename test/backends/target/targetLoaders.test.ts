import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { createMigrationFixture, type MigrationFixture } from '../../../harness/targetDatabases.ts';
import { createConnectLoaders } from '../../../src/backends/connectLoaders.ts';
import type { ConnectStore } from '../../../src/backends/connectStore.ts';
import { DEMO_USERS } from '../../../src/backends/supabase/seed/demoUsers.ts';
import type { Viewer } from '../../../src/backends/viewer.ts';
import { signSupabaseToken } from '../../../src/server/signToken.ts';
import { viewerFromClaims } from '../../../src/server/verifyBearer.ts';

const SECRET = 'figway-loaders-secret-at-least-32-characters-long';

async function viewerOf(username: string): Promise<Viewer> {
  const user = DEMO_USERS.find((candidate) => candidate.username === username);
  if (user === undefined) throw new Error(`no demo user ${username}`);
  const token = await signSupabaseToken(user, SECRET);
  const { payload } = await jwtVerify(token, new TextEncoder().encode(SECRET));
  return viewerFromClaims(payload, token);
}

// The target store with every read it makes counted by name.
function counted(store: ConnectStore, reads: string[]): ConnectStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || key === 'partsOf') return value;
      return (...args: unknown[]) => {
        reads.push(String(key));
        return value.apply(target, args);
      };
    },
  });
}

describe.each(await testEngines())("a request's loaders over the target ($name)", (engine) => {
  let fixture: MigrationFixture;
  let alice: Viewer;
  beforeAll(async () => {
    fixture = await createMigrationFixture(engine, { backfill: true });
    alice = await viewerOf('alice');
  });
  afterAll(() => fixture?.drop());

  it("answers parties and documents from the commitments' documents already read, with the store's own answers", async () => {
    const page = await fixture.target.listCommitments(alice, { status: null, limit: 10, after: null });
    const ids = page.map((commitment) => commitment.id);
    expect(ids.length).toBeGreaterThan(3);
    const reads: string[] = [];
    const loaders = createConnectLoaders(counted(fixture.target, reads), alice);
    await loaders.commitment.loadMany(ids);
    const [parties, documents] = await Promise.all([
      loaders.parties.loadMany(ids),
      loaders.documents.loadMany(ids),
    ]);
    expect(reads).toEqual(['commitmentsByIds']);
    const byCommitment = async <T extends { commitmentId: string }>(records: Promise<T[]>) => {
      const all = await records;
      return ids.map((id) => all.filter((record) => record.commitmentId === id));
    };
    expect(parties).toEqual(await byCommitment(fixture.target.partiesByCommitmentIds(alice, ids)));
    expect(documents).toEqual(await byCommitment(fixture.target.documentsByCommitmentIds(alice, ids)));
    expect(parties.flat().length).toBeGreaterThan(ids.length);
  });

  it('reads the parts of a commitment primed from elsewhere, and gives none for one the viewer may not see', async () => {
    const [visible] = await fixture.target.listCommitments(alice, { status: null, limit: 1, after: null });
    if (visible === undefined) throw new Error('alice sees no commitment');
    const reads: string[] = [];
    const loaders = createConnectLoaders(counted(fixture.target, reads), alice);
    loaders.commitment.prime(visible.id, { ...visible });
    const hidden = 'c0000000-0000-4000-8000-00000000ffff';
    const [parties, none] = await loaders.parties.loadMany([visible.id, hidden]);
    expect(reads).toEqual(['commitmentsByIds', 'partiesByCommitmentIds']);
    expect(parties).toEqual(await fixture.target.partiesByCommitmentIds(alice, [visible.id]));
    expect(none).toEqual([]);
  });

  it('answers a commitment asked for by id while a page is being read from the page, and reads only the rest', async () => {
    const page = await fixture.target.listCommitments(alice, { status: null, limit: 3, after: null });
    const [first, second] = page;
    if (first === undefined || second === undefined) throw new Error('alice sees fewer than 2 commitments');
    const [beyond] = await fixture.target.listCommitments(alice, {
      status: null,
      limit: 1,
      after: { createdAt: page.at(-1)?.createdAt ?? '', id: page.at(-1)?.id ?? '' },
    });
    if (beyond === undefined) throw new Error('alice sees no commitment past the first page');
    const reads: string[] = [];
    const byIds: string[][] = [];
    let answerPage: () => void = () => {};
    const pageAnswered = new Promise<void>((resolve) => {
      answerPage = resolve;
    });
    const store = counted(fixture.target, reads);
    const loaders = createConnectLoaders(
      {
        ...store,
        // The page answers only when the test says so, as a slow side would.
        listCommitments: async (viewer, query) => {
          const rows = await store.listCommitments(viewer, query);
          await pageAnswered;
          return rows;
        },
        commitmentsByIds: (viewer, ids) => {
          byIds.push([...ids]);
          return store.commitmentsByIds(viewer, ids);
        },
      },
      alice,
    );
    const reading = loaders.commitmentPage({ status: null, limit: 3, after: null });
    // A shadow read of each item's field starts before its side's page has answered.
    const asked = loaders.commitment.loadMany([first.id, second.id, beyond.id]);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(byIds).toEqual([]);
    answerPage();
    expect((await reading).map((row) => row.id)).toEqual(page.map((row) => row.id));
    expect(await asked).toEqual([first, second, beyond]);
    // Only the commitment the page does not hold was read by id.
    expect(byIds).toEqual([[beyond.id]]);
    expect(reads).toEqual(['listCommitments', 'commitmentsByIds']);
  });
});
