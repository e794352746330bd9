import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { dataField, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import { writeDefinitions } from '../../src/routing/flagFiles.ts';
import { eventually } from '../support/eventually.ts';
import { flagsWith, unitsAt } from '../support/stageFlags.ts';

const [pglite] = await testEngines();
if (pglite === undefined) throw new Error('PGlite is always available');

const LOAN = '7e000000-0000-4000-8000-000000000001';
const CREATE = `mutation ($title: String!) { createCommitment(input: { title: $title, typeId: "${LOAN}" }) { id } }`;

async function observationsOf(gateway: TestGateway, unit: string) {
  await gateway.settle();
  return gateway.db.query(
    'select stage, control, outcome, diffs, candidate_error from observations.observations where unit = $1 order by id',
    [unit],
  );
}

// A mirrored write is judged like a read: the copy's outcome against the authoritative one.
describe('mirrored writes in the shadow report', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(pglite, {
      targets: true,
      sync: { pollMs: 100, retry: { maxAttempts: 1 } },
      shadow: {},
      flags: await flagsWith(await unitsAt(['Mutation.*'], 'shadow')),
    });
  }, 120_000);
  afterAll(() => gateway?.close());

  it('records a matched observation of the mutation unit when the copy equals the authoritative write', async () => {
    const created = await gateway.query(CREATE, { as: 'alice', variables: { title: 'Observed' } });
    expect(dataField(created, 'createCommitment')).toMatchObject({ id: expect.any(String) });
    const [observation] = await eventually(
      () => observationsOf(gateway, 'Mutation.createCommitment'),
      (rows) => rows.length === 1,
      5_000,
    );
    expect(observation).toMatchObject({
      stage: 'shadow',
      control: 'legacy',
      outcome: 'matched',
      candidate_error: null,
    });
  });

  it('records a candidate error when the target refuses the copy, and the write stands on legacy', async () => {
    await gateway.fixture?.ledger.db.query(
      "alter table ledger.revisions add constraint no_refused check (data ->> 'title' <> 'Refused')",
    );
    try {
      const created = await gateway.query(CREATE, { as: 'alice', variables: { title: 'Refused' } });
      const { id } = dataField(created, 'createCommitment') as { id: string };
      expect(await gateway.db.query('select title from public.commitments where id = $1', [id])).toEqual([
        { title: 'Refused' },
      ]);
      const rows = await eventually(
        () => observationsOf(gateway, 'Mutation.createCommitment'),
        (found) => found.length === 2,
        5_000,
      );
      expect(rows[1]).toMatchObject({ outcome: 'candidate_error' });
      expect(String(rows[1]?.candidate_error)).toMatch(/not take the change|dead letter/);
    } finally {
      await gateway.fixture?.ledger.db.query('alter table ledger.revisions drop constraint no_refused');
    }
  });

  it('at live the copy on legacy is compared with the ledger', async () => {
    await writeDefinitions(gateway.flagsPath, await flagsWith(await unitsAt(['Mutation.*'], 'live')));
    expect(await gateway.nextFlagsReload()).toBe('applied');
    await gateway.query(CREATE, { as: 'bob', variables: { title: 'Observed at live' } });
    const rows = await eventually(
      () => observationsOf(gateway, 'Mutation.createCommitment'),
      (found) => found.length === 3,
      5_000,
    );
    expect(rows[2]).toMatchObject({ stage: 'live', control: 'target', outcome: 'matched' });
  });
});
