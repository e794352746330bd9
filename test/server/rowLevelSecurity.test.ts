import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { dataField, errorCodes, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import { DEMO_COMMITMENTS } from '../../src/backends/supabase/seed/demoCommitments.ts';

const engines = await testEngines();

const LIST = `{ commitments(first: 100) { edges { node { id title parties { profile { username } } } } } }`;

function partyTo(username: string) {
  return DEMO_COMMITMENTS.filter(
    (commitment) =>
      commitment.creator === username || commitment.parties.some((party) => party.username === username),
  );
}

const aliceOnly = DEMO_COMMITMENTS.find(
  (commitment) => partyTo('alice').includes(commitment) && !partyTo('bob').includes(commitment),
);
const bobOnly = DEMO_COMMITMENTS.find(
  (commitment) => partyTo('bob').includes(commitment) && !partyTo('alice').includes(commitment),
);

describe.each(engines)('row-level security through the gateway ($name)', (engine) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(engine);
  });
  afterAll(() => gateway.close());

  it('shows alice exactly the commitments she is a party to', async () => {
    const response = await gateway.query(LIST, { as: 'alice' });
    const edges = (dataField(response, 'commitments') as { edges: Array<{ node: { id: string } }> }).edges;
    const seen = edges.map((edge) => edge.node.id).sort();
    expect(seen).toEqual(
      partyTo('alice')
        .map((commitment) => commitment.id)
        .sort(),
    );
    expect(seen).not.toContain(bobOnly?.id);
  });

  it('returns null when bob asks for a commitment only alice is party to', async () => {
    const response = await gateway.query('query ($id: ID!) { commitment(id: $id) { id title } }', {
      as: 'bob',
      variables: { id: aliceOnly?.id },
    });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.commitment).toBeNull();
    const asAlice = await gateway.query('query ($id: ID!) { commitment(id: $id) { id } }', {
      as: 'alice',
      variables: { id: aliceOnly?.id },
    });
    expect(asAlice.body.data?.commitment).toEqual({ id: aliceOnly?.id });
  });

  it("refuses bob's changes to alice's commitment and changes no row", async () => {
    const before = await gateway.db.query('select status, version from public.commitments where id = $1', [
      aliceOnly?.id,
    ]);
    const attempts = [
      gateway.query('mutation ($id: ID!) { updateCommitmentStatus(id: $id, status: CANCELLED) { id } }', {
        as: 'bob',
        variables: { id: aliceOnly?.id },
      }),
      gateway.query(
        `mutation ($id: ID!, $me: ID!) { addParty(commitmentId: $id, profileId: $me, role: PARTICIPANT) { id } }`,
        { as: 'bob', variables: { id: aliceOnly?.id, me: 'b0b00000-0000-4000-8000-000000000002' } },
      ),
      gateway.query(
        `mutation ($id: ID!) { attachDocument(commitmentId: $id, input: { name: "x.pdf", url: "https://x.example/x.pdf" }) { id } }`,
        { as: 'bob', variables: { id: aliceOnly?.id } },
      ),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(errorCodes(response)).toEqual(['NOT_FOUND']);
      expect(response.body.data).toBeNull();
    }
    const after = await gateway.db.query('select status, version from public.commitments where id = $1', [
      aliceOnly?.id,
    ]);
    expect(after).toEqual(before);
    const sideEffects = await gateway.db.query(
      `select (select count(*) from public.commitment_parties where commitment_id = $1 and profile_id = $2)::int as parties,
              (select count(*) from public.commitment_documents where commitment_id = $1 and name = 'x.pdf')::int as documents`,
      [aliceOnly?.id, 'b0b00000-0000-4000-8000-000000000002'],
    );
    expect(sideEffects).toEqual([{ parties: 0, documents: 0 }]);
  });

  it('shows anonymous callers nothing private', async () => {
    const response = await gateway.query(
      `query ($id: ID!) { me { id } commitment(id: $id) { id } commitments { edges { node { id } } } commitmentTypes { name } }`,
      { variables: { id: aliceOnly?.id } },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.me).toBeNull();
    expect(response.body.data?.commitment).toBeNull();
    expect(response.body.data?.commitments).toEqual({ edges: [] });
    expect((dataField(response, 'commitmentTypes') as unknown[]).length).toBeGreaterThan(0);
  });

  it('refuses anonymous writes with UNAUTHENTICATED', async () => {
    const response = await gateway.query(
      'mutation { createCommitment(input: { title: "t", typeId: "7e000000-0000-4000-8000-000000000001" }) { id } }',
    );
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('lets the service_role admin see every commitment', async () => {
    const response = await gateway.query(LIST, { as: 'admin' });
    const edges = (dataField(response, 'commitments') as { edges: unknown[] }).edges;
    expect(edges).toHaveLength(DEMO_COMMITMENTS.length);
  });
});
