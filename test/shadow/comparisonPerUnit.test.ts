import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { dataField, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import type { ConnectStore } from '../../src/backends/connectStore.ts';
import type { CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import { flagsWith, unitsAt } from '../support/stageFlags.ts';

const TYPE_ID = '7e000000-0000-4000-8000-000000000001';
const CREATE = `mutation ($title: String!) { createCommitment(input: { title: $title, typeId: "${TYPE_ID}" }) { id } }`;
const page = (first: number) =>
  `query Page { commitments(first: ${first}) { edges { node { id title status type { name } ` +
  'parties { role profile { username displayName } } } } } }';

interface Row extends Record<string, unknown> {
  id: number;
  unit: string;
  outcome: string;
  items: number;
  sample_rate: number;
  diffs: Array<{ path: string; id?: string; control: unknown; candidate: unknown }>;
}

// The store's reads: each is one statement on the target.
const READS = new Set([
  'profilesByIds',
  'commitmentTypesByIds',
  'listCommitmentTypes',
  'commitmentsByIds',
  'listCommitments',
  'partiesByCommitmentIds',
  'documentsByCommitmentIds',
]);

// Counts the reads made of the target's store, to show a list's candidate reads batch.
function countingTarget(calls: { count: number }) {
  return (store: ConnectStore): ConnectStore =>
    new Proxy(store, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || !READS.has(String(key))) return value;
        return (...args: unknown[]) => {
          calls.count += 1;
          return value.apply(target, args);
        };
      },
    });
}

describe.each(await testEngines())('one comparison per unit and request ($name)', (engine) => {
  let gateway: TestGateway;
  const targetCalls = { count: 0 };
  const created: string[] = [];

  // Rows recorded by one query as alice, once every comparison of it is stored.
  async function observe(
    query: string,
  ): Promise<{ rows: Row[]; edges: Array<{ node: { id: string } }>; calls: number }> {
    await gateway.settle();
    const [{ last }] = (await gateway.db.query<{ last: number | null }>(
      'select max(id)::int as last from observations.observations',
    )) as [{ last: number | null }];
    const before = targetCalls.count;
    const response = await gateway.query(query, { as: 'alice' });
    const calls = targetCalls.count - before;
    await gateway.settle();
    const rows = await gateway.db.query<Row>(
      'select id::int, unit, outcome, items, sample_rate, diffs from observations.observations where id > $1 order by unit',
      [last ?? 0],
    );
    const { edges } = dataField(response, 'commitments') as { edges: Array<{ node: { id: string } }> };
    return { rows, edges, calls };
  }

  beforeAll(async () => {
    gateway = await startTestGateway(engine, {
      targets: true,
      sync: {},
      shadow: {},
      wrapTarget: countingTarget(targetCalls),
      flags: await flagsWith({
        ...(await unitsAt(['Query.*', 'Commitment.*', 'Profile.*'], 'shadow')),
        // Each write reaches the ledger before its answer, so the list is the same on both sides.
        ...(await unitsAt(['Mutation.*'], 'dualwrite')),
      }),
    });
    for (let index = 0; index < 50; index++) {
      const response = await gateway.query(CREATE, { as: 'alice', variables: { title: `Item ${index}` } });
      created.push((dataField(response, 'createCommitment') as { id: string }).id);
    }
  }, 180_000);
  afterAll(() => gateway?.close());

  it('judges a 50-item list as one comparison per shadowed unit, its candidate read in batches', async () => {
    const small = await observe(page(5));
    const { rows, edges, calls } = await observe(page(50));
    expect(edges).toHaveLength(50);
    expect(rows.map((row) => row.unit)).toEqual([
      'Commitment.parties',
      'Commitment.status',
      'Commitment.type',
      'Profile.displayName',
      'Profile.username',
      'Query.commitments',
    ]);
    expect(rows.every((row) => row.outcome === 'matched' && row.sample_rate === 1)).toBe(true);
    const items = Object.fromEntries(rows.map((row) => [row.unit, row.items]));
    expect(items).toMatchObject({
      'Commitment.status': 50,
      'Commitment.parties': 50,
      'Query.commitments': 1,
    });
    // A profile on many commitments is compared once: alice is on every one of them.
    expect(items['Profile.username']).toBeLessThan(10);
    // Ten times the items, the same reads of the target: one batch per unit, not one per
    // item. (The list's candidate read may prime the commitments or not before the
    // status reads ask for them: one read more or less.)
    expect(calls).toBeLessThanOrEqual(small.calls + 1);
    expect(calls).toBeLessThanOrEqual(6);
  });

  it('names every differing item of the list in the one observation of its unit', async () => {
    const ledger = gateway.fixture?.ledger;
    const breached = created.slice(10, 12);
    for (const id of breached) {
      const current = await ledger?.current<CommitmentDocument>('commitments', id);
      if (ledger === undefined || current == null) throw new Error(`no ledger copy of ${id}`);
      await ledger.write([
        {
          tableName: 'commitments',
          documentId: id,
          data: { ...current.data, status: 'BREACHED' },
          expectedVersion: current.metadata.version,
        },
      ]);
    }
    const { rows, edges } = await observe(page(50));
    expect(edges.map((edge) => edge.node.id)).toEqual(expect.arrayContaining(breached));
    const status = rows.filter((row) => row.unit === 'Commitment.status');
    expect(status).toHaveLength(1);
    expect(status[0]).toMatchObject({ outcome: 'mismatched', items: 50 });
    expect(status[0]?.diffs.map((diff) => diff.id).sort()).toEqual([...breached].sort());
    expect(status[0]?.diffs[0]).toMatchObject({
      path: 'commitments.edges[*].node.status',
      control: 'DRAFT',
      candidate: 'BREACHED',
    });
    expect(rows.filter((row) => row.unit !== 'Commitment.status').map((row) => row.outcome)).toEqual(
      Array(5).fill('matched'),
    );
  });
});
