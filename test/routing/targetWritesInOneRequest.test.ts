import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { dataField, demoUser, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import { flagsWith, unitsAt } from '../support/stageFlags.ts';

const LOAN = '7e000000-0000-4000-8000-000000000001';

// Over the ledger, a commitment's parties are read off its document: a write in a
// request must not leave the request reading the document from before it.
describe.each(await testEngines())(
  'two writes to one commitment in one request, at live ($name)',
  (engine) => {
    let gateway: TestGateway;
    let id: string;
    beforeAll(async () => {
      gateway = await startTestGateway(engine, {
        targets: true,
        sync: {},
        flags: await flagsWith({
          ...(await unitsAt(['Query.*', 'Commitment.*', 'Profile.*'], 'live')),
          ...(await unitsAt(['Mutation.*'], 'live')),
        }),
      });
      const created = await gateway.query(
        `mutation { createCommitment(input: { title: "Share the van", typeId: "${LOAN}" }) { id } }`,
        { as: 'alice' },
      );
      id = (dataField(created, 'createCommitment') as { id: string }).id;
    });
    afterAll(() => gateway?.close());

    it('refuses the second seat of the same party with the reason, from the parties the first one changed', async () => {
      const response = await gateway.query(
        `mutation ($id: ID!, $dave: ID!) {
        first: addParty(commitmentId: $id, profileId: $dave, role: PARTICIPANT) { role }
        again: addParty(commitmentId: $id, profileId: $dave, role: PARTICIPANT) { role } }`,
        { as: 'alice', variables: { id, dave: demoUser('dave').id } },
      );
      // The first seat was taken; the answer is null only because the second, non-null field failed.
      expect(
        response.body.errors?.map((error) => [
          (error as { path?: unknown }).path,
          error.extensions?.code,
          error.message,
        ]),
      ).toEqual([[['again'], 'CONFLICT', 'dave is already a party to this commitment.']]);
      const parties = await gateway.query(
        'query ($id: ID!) { commitment(id: $id) { parties { profile { username } } } }',
        { as: 'alice', variables: { id } },
      );
      expect(parties.body.data?.commitment).toEqual({
        parties: [{ profile: { username: 'alice' } }, { profile: { username: 'dave' } }],
      });
    });
  },
);
