import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import {
  dataField,
  demoUser,
  errorCodes,
  startTestGateway,
  type TestGateway,
} from '../../harness/testGateway.ts';
import type { CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import type { FlagDefinitions } from '../../src/routing/flagFiles.ts';
import { flagsWith, unitsAt } from '../support/stageFlags.ts';

const [pglite] = await testEngines();
if (pglite === undefined) throw new Error('PGlite is always available');

// Carol created it, dave is its PARTICIPANT and alice its WITNESS; it is a DRAFT.
const WITNESSED = 'c0000000-0000-4000-8000-000000000019';

const STATUS = 'mutation ($id: ID!) { updateCommitmentStatus(id: $id, status: PROPOSED) { status } }';
const ADD = `mutation ($id: ID!, $profile: ID!) {
  addParty(commitmentId: $id, profileId: $profile, role: PARTICIPANT) { role } }`;
const ATTACH = `mutation ($id: ID!) {
  attachDocument(commitmentId: $id, input: { name: "side-letter.pdf", url: "https://files.example.com/s.pdf" }) { name } }`;
const READ = `query ($id: ID!) { commitment(id: $id) {
  status parties { role profile { username } } documents { name version } } }`;

const SIDES: Array<{ name: string; backend: 'legacy' | 'target'; flags: () => Promise<FlagDefinitions> }> = [
  { name: 'legacy stage', backend: 'legacy', flags: () => flagsWith({}) },
  {
    name: 'complete stage (ledger and OLTP)',
    backend: 'target',
    flags: async () =>
      flagsWith(await unitsAt(['Query.*', 'Commitment.*', 'Profile.*', 'Mutation.*'], 'complete')),
  },
];

describe.each(SIDES)('party rules at the $name', ({ backend, flags }) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(pglite, { targets: true, development: true, flags: await flags() });
  }, 120_000);
  afterAll(() => gateway.close());

  // What the backend itself holds, read past figway.
  async function stored(): Promise<unknown> {
    if (backend === 'legacy') {
      const [row] = await gateway.db.query('select status from public.commitments where id = $1', [
        WITNESSED,
      ]);
      const parties = await gateway.db.query(
        'select profile_id from public.commitment_parties where commitment_id = $1 order by joined_at',
        [WITNESSED],
      );
      const documents = await gateway.db.query(
        'select name from public.commitment_documents where commitment_id = $1',
        [WITNESSED],
      );
      return { status: row?.status, parties: parties.length, documents: documents.length };
    }
    const current = await gateway.fixture?.ledger.current<CommitmentDocument>('commitments', WITNESSED);
    return {
      status: current?.data.status,
      parties: current?.data.parties.length,
      documents: current?.data.documents.length,
    };
  }

  it('refuses a WITNESS every change with FORBIDDEN, and nothing changes', async () => {
    const before = await stored();
    const visible = await gateway.query(READ, { as: 'alice', variables: { id: WITNESSED } });
    const seen = dataField(visible, 'commitment');
    expect(seen).toMatchObject({ status: 'DRAFT' });

    const refusals = [
      await gateway.query(STATUS, { as: 'alice', variables: { id: WITNESSED } }),
      await gateway.query(ADD, { as: 'alice', variables: { id: WITNESSED, profile: demoUser('bob').id } }),
      await gateway.query(ATTACH, { as: 'alice', variables: { id: WITNESSED } }),
    ];
    for (const refused of refusals) {
      expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
      expect(refused.body.errors?.[0]?.message).toMatch(/WITNESS/);
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ role: 'WITNESS' });
      const routes = (refused.body.extensions?.figway as { routes?: Record<string, { backend: string }> })
        ?.routes;
      expect(Object.values(routes ?? {}).map((route) => route.backend)).toEqual([backend]);
    }
    expect(await stored()).toEqual(before);
    const after = await gateway.query(READ, { as: 'alice', variables: { id: WITNESSED } });
    expect(dataField(after, 'commitment')).toEqual(seen);
  });

  it('lets a PARTICIPANT and the CREATOR make those changes', async () => {
    const moved = await gateway.query(STATUS, { as: 'dave', variables: { id: WITNESSED } });
    expect(dataField(moved, 'updateCommitmentStatus')).toEqual({ status: 'PROPOSED' });
    const attached = await gateway.query(ATTACH, { as: 'dave', variables: { id: WITNESSED } });
    expect(dataField(attached, 'attachDocument')).toEqual({ name: 'side-letter.pdf' });
    const added = await gateway.query(ADD, {
      as: 'carol',
      variables: { id: WITNESSED, profile: demoUser('bob').id },
    });
    expect(dataField(added, 'addParty')).toEqual({ role: 'PARTICIPANT' });
    expect(await stored()).toMatchObject({ status: 'PROPOSED', parties: 4 });
  });
});
