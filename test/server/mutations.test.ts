import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import {
  dataField,
  demoUser,
  errorCodes,
  newestSchemaLabel,
  startTestGateway,
  type TestGateway,
} from '../../harness/testGateway.ts';

const engines = await testEngines();
const LOAN = '7e000000-0000-4000-8000-000000000001';

describe.each(engines)('mutations ($name)', (engine) => {
  let gateway: TestGateway;
  let id: string;
  beforeAll(async () => {
    gateway = await startTestGateway(engine);
    const created = await gateway.query(
      `mutation ($typeId: ID!) { createCommitment(input: { title: "  Lend the ladder  ", typeId: $typeId, terms: "Back by Friday" }) {
        id title status type { name } createdBy { username } parties { role profile { username } } } }`,
      { as: 'carol', variables: { typeId: LOAN } },
    );
    id = (dataField(created, 'createCommitment') as { id: string }).id;
  });
  afterAll(() => gateway.close());

  it('creates a DRAFT commitment with the caller as CREATOR', async () => {
    const response = await gateway.query(
      'query ($id: ID!) { commitment(id: $id) { title status type { name } createdBy { username } parties { role profile { username } } } }',
      { as: 'carol', variables: { id } },
    );
    expect(response.body.data?.commitment).toEqual({
      title: 'Lend the ladder',
      status: 'DRAFT',
      type: { name: 'Loan' },
      createdBy: { username: 'carol' },
      parties: [{ role: 'CREATOR', profile: { username: 'carol' } }],
    });
    const asBob = await gateway.query('query ($id: ID!) { commitment(id: $id) { id } }', {
      as: 'bob',
      variables: { id },
    });
    expect(asBob.body.data?.commitment).toBeNull();
  });

  it('seats a participant, who then sees the commitment, and refuses a second seat', async () => {
    const add = `mutation ($id: ID!, $profile: ID!) { addParty(commitmentId: $id, profileId: $profile, role: PARTICIPANT) { role profile { username } } }`;
    const variables = { id, profile: demoUser('bob').id };
    const first = await gateway.query(add, { as: 'carol', variables });
    expect(first.body.data?.addParty).toEqual({ role: 'PARTICIPANT', profile: { username: 'bob' } });
    const again = await gateway.query(add, { as: 'carol', variables });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    const asBob = await gateway.query(
      'query ($id: ID!) { commitment(id: $id) { parties { profile { username } } } }',
      {
        as: 'bob',
        variables: { id },
      },
    );
    expect(asBob.body.data?.commitment).toEqual({
      parties: [{ profile: { username: 'carol' } }, { profile: { username: 'bob' } }],
    });
  });

  it('versions documents attached under the same name', async () => {
    const attach = `mutation ($id: ID!) { attachDocument(commitmentId: $id, input: { name: "terms.pdf", url: "https://files.example.com/t.pdf" }) { name version uploadedBy { username } } }`;
    const first = await gateway.query(attach, { as: 'carol', variables: { id } });
    const second = await gateway.query(attach, { as: 'bob', variables: { id } });
    expect(first.body.data?.attachDocument).toEqual({
      name: 'terms.pdf',
      version: 1,
      uploadedBy: { username: 'carol' },
    });
    expect(second.body.data?.attachDocument).toEqual({
      name: 'terms.pdf',
      version: 2,
      uploadedBy: { username: 'bob' },
    });
  });

  it('moves the status along allowed transitions and records each change in the audit trail', async () => {
    const move =
      'mutation ($id: ID!, $to: CommitmentStatus!) { updateCommitmentStatus(id: $id, status: $to) { status } }';
    for (const to of ['PROPOSED', 'ACTIVE', 'FULFILLED']) {
      const response = await gateway.query(move, { as: 'bob', variables: { id, to } });
      expect(response.body.data?.updateCommitmentStatus).toEqual({ status: to });
    }
    const final = await gateway.query(move, { as: 'carol', variables: { id, to: 'CANCELLED' } });
    expect(errorCodes(final)).toEqual(['INVALID_STATUS_TRANSITION']);
    const history = await gateway.db.query(
      `select entity, operation, row_data->>'status' as status, changed_by from public.commitment_history
       where commitment_id = $1 and entity = 'commitment' order by id`,
      [id],
    );
    expect(history.map((row) => `${row.operation}:${row.status}`)).toEqual([
      'INSERT:DRAFT',
      'UPDATE:PROPOSED',
      'UPDATE:ACTIVE',
      'UPDATE:FULFILLED',
    ]);
    expect(history.at(-1)?.changed_by).toBe(demoUser('bob').id);
  });

  it('stamps every response with the schema version', async () => {
    const response = await gateway.query('{ commitmentTypes { name } }');
    const schemaVersion = await newestSchemaLabel();
    expect(schemaVersion).toMatch(/^v\d+$/);
    expect(response.body.extensions?.figway).toEqual({ schemaVersion });
    const failed = await gateway.query('{ nope }');
    expect(failed.body.extensions?.figway).toEqual({ schemaVersion });
  });
});
