import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { createLegacyDatabase } from '../../../harness/legacyDatabase.ts';
import { createPostgresTransport } from '../../../src/backends/supabase/postgresTransport.ts';
import { createRestTransport } from '../../../src/backends/supabase/restTransport.ts';
import { DEMO_COMMITMENTS } from '../../../src/backends/supabase/seed/demoCommitments.ts';
import { DEMO_USERS } from '../../../src/backends/supabase/seed/demoUsers.ts';
import type { Viewer } from '../../../src/backends/viewer.ts';
import { ErrorCode } from '../../../src/errors.ts';
import { signAnonKey, signSupabaseToken } from '../../../src/server/signToken.ts';
import { viewerFromClaims } from '../../../src/server/verifyBearer.ts';
import { type PostgrestFake, startPostgrestFake } from '../../fakes/postgrestFake.ts';
import { closedPort } from '../../support/closedPort.ts';
import { CONTRACT_JWT_SECRET, describeConnectStoreContract } from '../connectStoreContract.ts';

const engines = await testEngines();
const [alice, bob] = DEMO_USERS;
// The first demo commitment is alice's and carol's; bob is no party to it.
const aliceOnly = DEMO_COMMITMENTS[0]?.id ?? '';

async function userViewer(index: number): Promise<Viewer> {
  const user = DEMO_USERS[index];
  if (user === undefined) throw new Error(`no demo user ${index}`);
  const token = await signSupabaseToken(user, CONTRACT_JWT_SECRET);
  return viewerFromClaims(decodeJwt(token), token);
}

for (const engine of engines) {
  describeConnectStoreContract(`supabase/postgres on ${engine.name}`, async () => {
    const legacy = await createLegacyDatabase(engine);
    // drop() closes the database the transport uses, so the transport needs no close of its own.
    return { store: createPostgresTransport(legacy.db), teardown: () => legacy.drop() };
  });

  describeConnectStoreContract(`supabase/rest through the PostgREST fake on ${engine.name}`, async () => {
    const legacy = await createLegacyDatabase(engine);
    const fake = await startPostgrestFake({ db: legacy.db, jwtSecret: CONTRACT_JWT_SECRET });
    const store = createRestTransport({ url: fake.url, anonKey: await signAnonKey(CONTRACT_JWT_SECRET) });
    return {
      store,
      async teardown() {
        await store.close();
        await fake.close();
        await legacy.drop();
      },
    };
  });

  describe(`PostgREST fake on ${engine.name}`, () => {
    let fake: PostgrestFake;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      const legacy = await createLegacyDatabase(engine);
      drop = legacy.drop;
      fake = await startPostgrestFake({ db: legacy.db, jwtSecret: CONTRACT_JWT_SECRET });
    });
    afterAll(async () => {
      await fake?.close();
      await drop?.();
    });

    const get = async (path: string, token: string) => {
      const response = await fetch(`${fake.url}/rest/v1/${path}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };

    it('enforces row-level security with the caller’s token', async () => {
      if (alice === undefined || bob === undefined) throw new Error('demo users missing');
      const path = `commitments?select=*&id=eq.${aliceOnly}`;
      const asBob = await get(path, await signSupabaseToken(bob, CONTRACT_JWT_SECRET));
      expect(asBob).toEqual({ status: 200, body: [] });
      const asAlice = await get(path, await signSupabaseToken(alice, CONTRACT_JWT_SECRET));
      expect(asAlice.body).toMatchObject([{ id: aliceOnly }]);
    });

    it('answers 401 PGRST301 to a token signed with another secret', async () => {
      if (alice === undefined) throw new Error('demo users missing');
      const forged = await signSupabaseToken(alice, 'some-other-secret-that-is-32-characters');
      const answer = await get(`commitments?select=*&id=eq.${aliceOnly}`, forged);
      expect(answer).toMatchObject({ status: 401, body: { code: 'PGRST301' } });
    });

    it('answers 400 to a select other than *', async () => {
      const answer = await get('commitments?select=title', await signAnonKey(CONTRACT_JWT_SECRET));
      expect(answer).toMatchObject({ status: 400, body: { code: 'PGRST100' } });
    });

    it('is what the rest transport talks to', async () => {
      const store = createRestTransport({ url: fake.url, anonKey: await signAnonKey(CONTRACT_JWT_SECRET) });
      const before = fake.requests;
      const found = await store.commitmentsByIds(await userViewer(0), [aliceOnly]);
      expect(found.map((commitment) => commitment.id)).toEqual([aliceOnly]);
      expect(fake.requests).toBe(before + 1);
    });
  });
}

describe('createRestTransport against a closed port', () => {
  it('rejects reads, writes and ping with BACKEND_UNAVAILABLE', async () => {
    const port = await closedPort();
    const store = createRestTransport({
      url: `http://127.0.0.1:${port}`,
      anonKey: await signAnonKey(CONTRACT_JWT_SECRET),
    });
    const viewer = await userViewer(0);
    const unavailable = { code: ErrorCode.BACKEND_UNAVAILABLE };
    await expect(store.commitmentsByIds(viewer, [aliceOnly])).rejects.toMatchObject(unavailable);
    await expect(store.updateCommitmentStatus(viewer, aliceOnly, 'DRAFT', 'PROPOSED')).rejects.toMatchObject(
      unavailable,
    );
    await expect(store.ping()).rejects.toMatchObject(unavailable);
  });

  it('refuses a url that is not http(s) at construction', () => {
    expect(() => createRestTransport({ url: 'postgres://127.0.0.1/x', anonKey: 'k' })).toThrow(/http\(s\)/);
  });
});
