import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { dataField, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import { countingDatabase } from '../support/countingDatabase.ts';

const engines = await testEngines();

const QUERY = `query ($first: Int) { commitments(first: $first) { edges { node {
  id parties { profile { id } } createdBy { id } type { name } documents { uploadedBy { id } }
} } } }`;

describe.each(engines)('per-request batching ($name)', (engine) => {
  let gateway: TestGateway;
  let counter: ReturnType<typeof countingDatabase>;
  beforeAll(async () => {
    gateway = await startTestGateway(engine, {
      wrapDatabase: (db) => {
        counter = countingDatabase(db);
        return counter;
      },
    });
  });
  afterAll(() => gateway.close());

  async function statementsFor(first: number) {
    counter.statements.length = 0;
    const response = await gateway.query(QUERY, { as: 'admin', variables: { first } });
    expect(response.body.errors).toBeUndefined();
    const edges = (dataField(response, 'commitments') as { edges: unknown[] }).edges;
    return { rows: edges.length, data: counter.statements.filter((sql) => !sql.includes('set_config')) };
  }

  it('costs at most 7 statements whether the page holds 2 commitments or 22', async () => {
    const few = await statementsFor(2);
    const many = await statementsFor(50);
    expect(few.rows).toBe(2);
    expect(many.rows).toBe(22);
    // One page, one batch each of types, parties and documents, and up to three of
    // profiles (creators, then party members and uploaders not already cached).
    // Without batching the 22-row page alone would cost over 100.
    expect(few.data.length).toBeLessThanOrEqual(7);
    expect(many.data.length).toBeLessThanOrEqual(7);
  });

  it('loads each kind of row in one statement per batch', async () => {
    const { data } = await statementsFor(50);
    const partyReads = data.filter((sql) => sql.includes('from public.commitment_parties'));
    const documentReads = data.filter((sql) => sql.includes('from public.commitment_documents'));
    expect(partyReads).toHaveLength(1);
    expect(documentReads).toHaveLength(1);
  });
});
