import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { commitmentPageStatement } from '../../../src/backends/ledger/commitmentPage.ts';
import type { LedgerWrite } from '../../../src/backends/ledger/ledgerTypes.ts';
import type { Database } from '../../../src/core/database.ts';
import { ALICE_ID, BOB_ID } from './commitmentLedgerFixture.ts';
import { openTestLedger } from './ledgerFixture.ts';

const engines = await testEngines();
const DOCUMENTS = 120;
const REVISIONS_EACH = 4;
const CAROL_ID = 'ca401000-0000-4000-8000-000000000003';

function documentOf(index: number, version: number) {
  const creator = [ALICE_ID, BOB_ID, CAROL_ID][index % 3];
  return {
    id: `c2000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    createdBy: creator,
    createdAt: new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString(),
    status: ['DRAFT', 'PROPOSED', 'ACTIVE', 'FULFILLED'][version],
    parties: [{ profileId: creator }, ...(index % 2 === 0 ? [{ profileId: ALICE_ID }] : [])],
  };
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

// The plan PostgreSQL runs the page statement with, as a prepared statement in `mode`.
async function planOf(db: Database, mode: 'force_generic_plan' | 'force_custom_plan', userId: string) {
  const { sql } = commitmentPageStatement({ status: null, limit: 21, after: null }, userId);
  return db.transaction(async (tx) => {
    await tx.exec(`set local plan_cache_mode = ${mode}`);
    await tx.exec(`prepare page_plan (int, text) as ${sql}`);
    const [row] = await tx.query(`explain (format json) execute page_plan (21, '${userId}')`);
    await tx.exec('deallocate page_plan');
    const [plan] = (row?.['QUERY PLAN'] ?? []) as Array<{ Plan: PlanNode }>;
    if (plan === undefined) throw new Error('explain returned no plan');
    return nodesOf(plan.Plan);
  });
}

describe.each(engines)('a page of commitments reads its order index ($name)', (engine) => {
  let db: Database;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const opened = await openTestLedger(engine);
    ({ db, drop } = opened);
    // Every commitment has several revisions, as status changes leave them.
    for (let version = 0; version < REVISIONS_EACH; version++) {
      const writes: LedgerWrite[] = Array.from({ length: DOCUMENTS }, (_, index) => ({
        tableName: 'commitments',
        documentId: documentOf(index, version).id,
        data: documentOf(index, version),
        expectedVersion: version === 0 ? null : version - 1,
      }));
      await opened.ledger.write(writes);
    }
    await db.exec('analyze ledger.revisions');
  }, 120_000);
  afterAll(async () => {
    await drop();
  });

  for (const mode of ['force_generic_plan', 'force_custom_plan'] as const) {
    it(`walks revisions_newest_first and sorts nothing (${mode})`, async () => {
      const nodes = await planOf(db, mode, ALICE_ID);
      const types = nodes.map((node) => node['Node Type']);
      expect(nodes.some((node) => node['Index Name'] === 'revisions_newest_first')).toBe(true);
      expect(types).not.toContain('Sort');
      expect(types).not.toContain('Seq Scan');
    });
  }

  it('answers the newest visible commitments, one revision each', async () => {
    const { sql, params } = commitmentPageStatement({ status: null, limit: 5, after: null }, ALICE_ID);
    const rows = await db.query(sql, params);
    const expected = Array.from({ length: DOCUMENTS }, (_, index) => documentOf(index, REVISIONS_EACH - 1))
      .filter((document) => document.parties.some((party) => party.profileId === ALICE_ID))
      .reverse()
      .slice(0, 5);
    expect(rows.map((row) => row.data)).toEqual(expected);
  });
});
