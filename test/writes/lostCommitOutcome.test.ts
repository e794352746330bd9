// A write whose COMMIT reached PostgreSQL and whose answer was lost may have been made:
// the client is told its outcome is unknown, never that nothing was changed. A write
// whose connection broke before COMMIT was sent changed nothing, and says so.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../harness/databases.ts';
import { createLegacyDatabase } from '../../harness/legacyDatabase.ts';
import type { ConnectStore } from '../../src/backends/connectStore.ts';
import { createLedgerCommitments } from '../../src/backends/ledger/ledgerCommitments.ts';
import { openLedger } from '../../src/backends/ledger/openLedger.ts';
import { openPostgresDatabase } from '../../src/backends/sql/postgresDatabase.ts';
import { createPostgresTransport } from '../../src/backends/supabase/postgresTransport.ts';
import type { Viewer } from '../../src/backends/viewer.ts';
import type { BackendEvents, Database } from '../../src/core/database.ts';
import { type StatementCutProxy, startStatementCutProxy } from '../support/statementCutProxy.ts';

const postgres = (await testEngines()).find((engine) => engine.name === 'postgres');

const ALICE_ID = 'a11ce000-0000-4000-8000-000000000001';
const ALICE: Viewer = {
  kind: 'user',
  id: ALICE_ID,
  email: null,
  cohort: null,
  claims: { sub: ALICE_ID, role: 'authenticated' },
  token: '',
};
const quiet: BackendEvents = { backendFailed: () => {}, timedOut: () => {} };

const unknownOutcome = (backend: string) => ({
  extensions: { code: 'BACKEND_UNAVAILABLE', backend, outcome: 'unknown' },
});

async function failureOf(promise: Promise<unknown>): Promise<{ extensions: Record<string, unknown> }> {
  return promise.then(
    () => {
      throw new Error('the write succeeded');
    },
    (error: { extensions: Record<string, unknown> }) => error,
  );
}

/** A database on `url` reached through a fresh proxy that can cut its connections. */
async function throughProxy(url: string) {
  const proxy = await startStatementCutProxy(Number(new URL(url).port));
  const db = openPostgresDatabase({ connectionString: proxy.via(url), events: quiet });
  return { proxy, db };
}

describe.runIf(postgres !== undefined)('a write whose connection is lost around COMMIT', () => {
  const engine = postgres as TestEngine;
  let legacy: Awaited<ReturnType<typeof createLegacyDatabase>>;
  let ledgerDatabase: Awaited<ReturnType<TestEngine['create']>>;
  let typeId: string;
  let opened: Array<{ proxy: StatementCutProxy; db: Database }> = [];

  beforeAll(async () => {
    legacy = await createLegacyDatabase(engine);
    ledgerDatabase = await engine.create();
    const [type] = await legacy.db.query('select id from public.commitment_types limit 1');
    typeId = String(type?.id);
  });
  afterEach(async () => {
    for (const { proxy, db } of opened) {
      await db.close();
      await proxy.close();
    }
    opened = [];
  });
  afterAll(async () => {
    await legacy?.drop();
    await ledgerDatabase?.drop();
  });

  const open = async (url: string | null) => {
    const reached = await throughProxy(url ?? '');
    opened.push(reached);
    return reached;
  };
  const input = () => ({ title: `lost ${randomUUID()}`, description: '', typeId, terms: 'terms' });

  describe('on legacy (PostgreSQL)', () => {
    const legacyHolds = async (title: string) =>
      (await legacy.db.query('select 1 from public.commitments where title = $1', [title])).length === 1;

    it('reports an unknown outcome when COMMIT was sent and not answered, and the write is there', async () => {
      const { proxy, db } = await open(legacy.url);
      const store: ConnectStore = createPostgresTransport(db);
      const write = input();
      const cut = proxy.cutAt(/^commit$/i, 'after');
      const failure = failureOf(store.createCommitment(ALICE, write));
      await cut;
      expect(await failure).toMatchObject(unknownOutcome('legacy'));
      await expect.poll(() => legacyHolds(write.title)).toBe(true);
    });

    it('reports a read cut the same way as before: the backend failed to answer, with no outcome', async () => {
      const { proxy, db } = await open(legacy.url);
      const cut = proxy.cutAt(/^commit$/i, 'after');
      const failure = failureOf(createPostgresTransport(db).commitmentTypesByIds(ALICE, [typeId]));
      await cut;
      const error = await failure;
      expect(error).toMatchObject({ extensions: { code: 'BACKEND_UNAVAILABLE', backend: 'legacy' } });
      expect(error.extensions.outcome).toBeUndefined();
    });
  });

  describe('on the ledger (PostgreSQL)', () => {
    const ledgerHolds = async (title: string) =>
      (
        await ledgerDatabase.db.query(
          "select 1 from ledger.documents where table_name = 'commitments' and data ->> 'title' = $1",
          [title],
        )
      ).length === 1;
    const commitments = async () => {
      const { proxy, db } = await open(ledgerDatabase.url);
      return { proxy, store: createLedgerCommitments(await openLedger(db)) };
    };

    it('reports an unknown outcome when COMMIT was sent and not answered, and the revision is there', async () => {
      const { proxy, store } = await commitments();
      const write = input();
      const cut = proxy.cutAt(/^commit$/i, 'after');
      const failure = failureOf(store.createCommitment(ALICE, write));
      await cut;
      expect(await failure).toMatchObject(unknownOutcome('ledger'));
      await expect.poll(() => ledgerHolds(write.title)).toBe(true);
    });

    it('reports that nothing was changed when the connection broke before COMMIT was sent', async () => {
      const { proxy, store } = await commitments();
      const write = input();
      const cut = proxy.cutAt(/ledger\.strands for update/i, 'before');
      const failure = failureOf(store.createCommitment(ALICE, write));
      await cut;
      const error = await failure;
      expect(error).toMatchObject({ extensions: { code: 'BACKEND_UNAVAILABLE', backend: 'ledger' } });
      expect(error.extensions.outcome).toBeUndefined();
      expect(await ledgerHolds(write.title)).toBe(false);
    });
  });
});
