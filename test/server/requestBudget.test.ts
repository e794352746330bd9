import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../harness/databases.ts';
import type { Database } from '../../src/core/database.ts';
import { FLAGS_DIR, readDefinitions } from '../../src/routing/flagFiles.ts';
import { setRule } from '../../src/routing/stageRules.ts';
import { type BudgetedGateway, startBudgetedGateway } from '../support/budgetedGateway.ts';
import { captureLogs } from '../support/capturedLogs.ts';
import { wsOperation } from '../support/wsClient.ts';

const postgres = (await testEngines()).find((engine) => engine.name === 'postgres');
const PAGE = '{ commitments(first: 3) { edges { node { title } } } }';

// Holds an exclusive lock on `table` until the returned release is called.
async function lockTable(db: Database, table: string) {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked = () => {};
  const isLocked = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holding = db.transaction(async (tx) => {
    await tx.query(`lock table ${table} in access exclusive mode`);
    locked();
    await released;
  });
  await isLocked;
  return async () => {
    release();
    await holding;
  };
}

async function waitingStatements(db: Database, table: string): Promise<number> {
  const rows = await db.query(
    `select 1 from pg_stat_activity
     where datname = current_database() and state = 'active' and pid <> pg_backend_pid() and query like $1`,
    [`%${table}%`],
  );
  return rows.length;
}

async function ask(served: BudgetedGateway, as: string, query: string) {
  const response = await fetch(served.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await served.tokenFor(as)}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
}

describe.runIf(postgres !== undefined)('the per-request time budget', () => {
  let served: BudgetedGateway;
  beforeAll(async () => {
    const defaults = await readDefinitions(`${FLAGS_DIR}/definitions.json`);
    // Cohort beta (alice) reads its commitments from the ledger; bob from legacy.
    const flags = {
      ...defaults,
      features: defaults.features.map((feature) =>
        feature.name === 'figway.Query.commitments'
          ? setRule(feature, { selector: { kind: 'cohort', cohort: 'beta' }, stage: 'live' })
          : feature,
      ),
    };
    served = await startBudgetedGateway(postgres as TestEngine, {
      flags,
      requestTimeoutMs: 800,
      logger: captureLogs('warn').logger,
    });
  });
  afterAll(() => served?.close());

  it.each([
    ['legacy', 'bob', () => served.fixture.legacy, 'public.commitments'],
    ['the ledger', 'alice', () => served.fixture.ledger.db, 'ledger.documents'],
  ])(
    'cuts a read of %s at the budget, cancels its statement, and serves again after',
    async (_side, user, db, table) => {
      const unlock = await lockTable(db(), table);
      try {
        const late = await ask(served, user, PAGE);
        expect(late.errors?.map((error) => error.extensions?.code)).toEqual(['REQUEST_TIMEOUT']);
        // Cancelled in PostgreSQL, not left waiting behind the lock.
        const deadline = performance.now() + 5_000;
        while ((await waitingStatements(db(), table)) > 0) {
          if (performance.now() > deadline) throw new Error(`a statement on ${table} is still running`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        await unlock();
      }
      const again = await ask(served, user, PAGE);
      expect(again.errors).toBeUndefined();
      expect(again.data).toMatchObject({ commitments: { edges: expect.any(Array) } });
    },
  );

  it('gives a query over graphql-ws the same budget', async () => {
    const unlock = await lockTable(served.fixture.legacy, 'public.commitments');
    try {
      const outcome = await wsOperation(served.gateway.url, PAGE, `Bearer ${await served.tokenFor('bob')}`);
      expect(outcome).toMatchObject({
        kind: 'completed',
        results: [{ errors: [{ extensions: { code: 'REQUEST_TIMEOUT' } }] }],
      });
    } finally {
      await unlock();
    }
  });
});
