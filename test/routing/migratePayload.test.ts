import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { dataField, errorCodes, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import type { ConnectStore } from '../../src/backends/connectStore.ts';
import type { CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import { targetError } from '../../src/backends/targetError.ts';
import { ErrorCode, FigwayError } from '../../src/errors.ts';
import { flagsWith, unitsAt } from '../support/stageFlags.ts';

const [pglite] = await testEngines();
if (pglite === undefined) throw new Error('PGlite is always available');

const SHARED = 'c0000000-0000-4000-8000-000000000003'; // alice's, bob PARTICIPANT, carol WITNESS; ACTIVE
const ALICE_ACTIVE = 'c0000000-0000-4000-8000-000000000015'; // alice's, carol PARTICIPANT; ACTIVE
const ALICE_PROPOSED = 'c0000000-0000-4000-8000-000000000014'; // alice's, dave PARTICIPANT; PROPOSED
const LOAN = '7e000000-0000-4000-8000-000000000001';
const BETA = { kind: 'cohort' as const, cohort: 'beta' };

const UPDATE_WITH_DOCUMENTS = `mutation ($id: ID!, $to: CommitmentStatus!) {
  updateCommitmentStatus(id: $id, status: $to) { status documents { name } } }`;
const UPDATE = `mutation ($id: ID!, $to: CommitmentStatus!) { updateCommitmentStatus(id: $id, status: $to) {
  id status parties { role profile { username } } } }`;

async function legacyStatus(gateway: TestGateway, id: string): Promise<unknown> {
  const [row] = await gateway.db.query('select status from public.commitments where id = $1', [id]);
  return row?.status;
}

// The ledger and OLTP answer every call the way their adapters answer a refused connection.
function down(store: ConnectStore): ConnectStore {
  const refuse = async (): Promise<never> => {
    throw targetError('ledger', undefined, new Error('connect ECONNREFUSED 127.0.0.1:5433'));
  };
  return {
    ...store,
    profilesByIds: refuse,
    commitmentTypesByIds: refuse,
    listCommitmentTypes: refuse,
    commitmentsByIds: refuse,
    listCommitments: refuse,
    partiesByCommitmentIds: refuse,
    documentsByCommitmentIds: refuse,
    createCommitment: refuse,
    updateCommitmentStatus: refuse,
    addParty: refuse,
    attachDocument: refuse,
    ping: refuse,
  };
}

describe('a mutation committed on legacy while the ledger is down and beta reads the ledger', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(pglite, {
      targets: true,
      wrapTarget: down,
      flags: await flagsWith(await unitsAt(['Query.*', 'Commitment.*', 'Profile.*'], 'live', BETA)),
    });
  }, 120_000);
  afterAll(() => gateway.close());

  it('answers with the committed commitment read from legacy, not BACKEND_UNAVAILABLE', async () => {
    const read = await gateway.query(`{ commitment(id: "${SHARED}") { status } }`, { as: 'alice' });
    expect(errorCodes(read)).toEqual(['BACKEND_UNAVAILABLE']); // the ledger really is down for her reads

    const response = await gateway.query(UPDATE, { as: 'alice', variables: { id: SHARED, to: 'FULFILLED' } });
    expect(response.body.errors).toBeUndefined();
    expect(dataField(response, 'updateCommitmentStatus')).toEqual({
      id: SHARED,
      status: 'FULFILLED',
      parties: [
        { role: 'CREATOR', profile: { username: 'alice' } },
        { role: 'PARTICIPANT', profile: { username: 'bob' } },
        { role: 'WITNESS', profile: { username: 'carol' } },
      ],
    });
    expect(await legacyStatus(gateway, SHARED)).toBe('FULFILLED');
  });
});

describe('a mutation whose committed side fails while its answer is read', () => {
  let gateway: TestGateway;
  // Armed with an error, legacy fails its reads of documents from the moment it commits a status change.
  let failure: Error | null = null;
  let committed = false;
  const failAfterCommit = (store: ConnectStore): ConnectStore => ({
    ...store,
    updateCommitmentStatus: async (...args) => {
      const updated = await store.updateCommitmentStatus(...args);
      committed = failure !== null;
      return updated;
    },
    documentsByCommitmentIds: async (viewer, ids) => {
      if (committed && failure !== null) throw failure;
      return store.documentsByCommitmentIds(viewer, ids);
    },
  });
  const disarm = () => {
    failure = null;
    committed = false;
  };
  beforeAll(async () => {
    gateway = await startTestGateway(pglite, { wrapStore: failAfterCommit });
  }, 120_000);
  afterAll(() => gateway.close());

  it('says the write was saved, never that nothing was changed', async () => {
    failure = new FigwayError(ErrorCode.BACKEND_UNAVAILABLE, 'The legacy backend failed to answer.');
    const response = await gateway.query(UPDATE_WITH_DOCUMENTS, {
      as: 'alice',
      variables: { id: ALICE_ACTIVE, to: 'FULFILLED' },
    });
    disarm();
    expect(response.body.data).toBeNull();
    expect(errorCodes(response)).toEqual(['WRITE_COMMITTED']);
    const [error] = response.body.errors ?? [];
    expect(error?.message).toMatch(/was saved/);
    expect(error?.message).toMatch(/re-read/i);
    expect(error?.extensions).toMatchObject({
      committed: true,
      unit: 'Mutation.updateCommitmentStatus',
      backend: 'legacy',
      cause: 'BACKEND_UNAVAILABLE',
    });
    expect(await legacyStatus(gateway, ALICE_ACTIVE)).toBe('FULFILLED');
    const reread = await gateway.query(`{ commitment(id: "${ALICE_ACTIVE}") { status } }`, { as: 'alice' });
    expect(dataField(reread, 'commitment')).toEqual({ status: 'FULFILLED' });
  });

  it('says so for an unexpected failure too, without its internals', async () => {
    failure = new Error('password authentication failed for user "legacy_rw"');
    const response = await gateway.query(UPDATE_WITH_DOCUMENTS, {
      as: 'alice',
      variables: { id: ALICE_PROPOSED, to: 'ACTIVE' },
    });
    disarm();
    expect(errorCodes(response)).toEqual(['WRITE_COMMITTED']);
    expect(JSON.stringify(response.body)).not.toMatch(/password|legacy_rw/);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({
      committed: true,
      cause: 'INTERNAL_SERVER_ERROR',
    });
    expect(await legacyStatus(gateway, ALICE_PROPOSED)).toBe('ACTIVE');
  });
});

describe('a mutation at live, its payload units at legacy', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(pglite, {
      targets: true,
      flags: await flagsWith(
        await unitsAt(['Mutation.updateCommitmentStatus', 'Mutation.createCommitment'], 'live'),
      ),
    });
  }, 120_000);
  afterAll(() => gateway.close());

  it('answers the status the ledger committed, not the one legacy still holds', async () => {
    const response = await gateway.query(UPDATE, { as: 'alice', variables: { id: SHARED, to: 'BREACHED' } });
    expect(dataField(response, 'updateCommitmentStatus')).toMatchObject({ id: SHARED, status: 'BREACHED' });
    const inLedger = await gateway.fixture?.ledger.current<CommitmentDocument>('commitments', SHARED);
    expect(inLedger?.data.status).toBe('BREACHED');
    expect(await legacyStatus(gateway, SHARED)).toBe('ACTIVE');
  });

  it('answers a commitment created on the ledger, which legacy does not hold', async () => {
    const response = await gateway.query(
      `mutation ($typeId: ID!) { createCommitment(input: { title: "Paint the fence", typeId: $typeId }) {
        status type { name } parties { role profile { username } } documents { name } } }`,
      { as: 'alice', variables: { typeId: LOAN } },
    );
    expect(response.body.errors).toBeUndefined();
    expect(dataField(response, 'createCommitment')).toEqual({
      status: 'DRAFT',
      type: { name: 'Loan' },
      parties: [{ role: 'CREATOR', profile: { username: 'alice' } }],
      documents: [],
    });
  });
});

describe('a mutation whose payload units are at shadow', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(pglite, {
      targets: true,
      shadow: {},
      flags: await flagsWith(await unitsAt(['Commitment.*', 'Profile.*'], 'shadow')),
    });
  }, 120_000);
  afterAll(() => gateway.close());

  it('reads its payload from the committed side only, with no shadow comparison', async () => {
    const response = await gateway.query(UPDATE, {
      as: 'alice',
      variables: { id: ALICE_ACTIVE, to: 'CANCELLED' },
    });
    expect(dataField(response, 'updateCommitmentStatus')).toMatchObject({ status: 'CANCELLED' });
    await gateway.settle();
    const observed = await gateway.db.query('select unit from observations.observations');
    expect(observed).toEqual([]);
    // The same units read by a query are still compared.
    await gateway.query(`{ commitment(id: "${ALICE_ACTIVE}") { status } }`, { as: 'alice' });
    await gateway.settle();
    const units = await gateway.db.query('select unit from observations.observations');
    expect(units.map((row) => row.unit)).toEqual(['Commitment.status']);
  });
});
