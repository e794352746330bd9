import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import {
  dataField,
  demoUser,
  errorCodes,
  startTestGateway,
  type TestGateway,
} from '../../harness/testGateway.ts';
import type { ConnectStore } from '../../src/backends/connectStore.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import { createLedgerCommitments } from '../../src/backends/ledger/ledgerCommitments.ts';
import { verifyCommitment } from '../../src/backends/ledger/verifyCommitment.ts';
import type { Viewer } from '../../src/backends/viewer.ts';
import type { Stage } from '../../src/core/stage.ts';
import { writeDefinitions } from '../../src/routing/flagFiles.ts';
import { runReconcile } from '../../src/writes/reconcile/runReconcile.ts';
import { eventually } from '../support/eventually.ts';
import { flagsWith, unitsAt } from '../support/stageFlags.ts';

const SHARED = 'c0000000-0000-4000-8000-000000000021'; // alice and dave are parties; ACTIVE
const BETA = { kind: 'cohort' as const, cohort: 'beta' };
const SERVICE: Viewer = { kind: 'service', id: null, claims: { role: 'service_role' }, token: '' };
const UPDATE = `mutation ($id: ID!, $to: CommitmentStatus!) { updateCommitmentStatus(id: $id, status: $to) { id status } }`;
const READ = `query ($id: ID!) { commitment(id: $id) { status } }`;

async function ledgerDocument(gateway: TestGateway, id: string) {
  const current = await gateway.fixture?.ledger.current<CommitmentDocument>(COMMITMENTS, id);
  if (current === null || current === undefined) throw new Error(`no ledger document ${id}`);
  return current;
}

async function legacyRow(gateway: TestGateway, id: string) {
  const [row] = await gateway.db.query('select status, version from public.commitments where id = $1', [id]);
  return { status: row?.status, version: row?.version };
}

// Mutations move for everyone; reads of the commitment move for beta only, so dave
// (general) reads legacy while alice (beta) reads and writes the ledger.
async function routeWritesAt(gateway: TestGateway, stage: Stage) {
  await writeDefinitions(
    gateway.flagsPath,
    await flagsWith({
      ...(await unitsAt(['Mutation.*'], stage)),
      ...(await unitsAt(['Query.commitment', 'Commitment.status'], 'live', BETA)),
    }),
  );
  expect(await gateway.nextFlagsReload()).toBe('applied');
}

// Holds every conditional status update until `count` of them have arrived, so
// concurrent writers have all read the same state before any of them writes.
function barrier(count: number) {
  let arrived = 0;
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return (store: ConnectStore): ConnectStore => ({
    ...store,
    async updateCommitmentStatus(viewer, id, from, to) {
      arrived += 1;
      if (arrived >= count) open();
      await opened;
      return store.updateCommitmentStatus(viewer, id, from, to);
    },
  });
}

for (const engine of await testEngines()) {
  describe(`writes reach both sides (${engine.name})`, () => {
    let gateway: TestGateway;
    let hold = barrier(1);
    beforeAll(async () => {
      gateway = await startTestGateway(engine, {
        targets: true,
        development: true,
        sync: { pollMs: 100 },
        wrapTarget: (store) => ({
          ...store,
          updateCommitmentStatus: (...args) => hold(store).updateCommitmentStatus(...args),
        }),
      });
    }, 120_000);
    afterAll(() => gateway?.close());

    it('a status change made with plain SQL outside figway reaches the ledger as a new revision that verifies', async () => {
      const before = await ledgerDocument(gateway, SHARED);
      await gateway.db.query("update public.commitments set status = 'BREACHED' where id = $1", [SHARED]);
      const after = await eventually(
        () => ledgerDocument(gateway, SHARED),
        (current) => current.data.status === 'BREACHED',
        2_000,
      );
      expect(after.metadata.version).toBe(before.metadata.version + 1);
      const { ledger } = gateway.fixture ?? {};
      if (ledger === undefined) throw new Error('no ledger');
      const check = await verifyCommitment(ledger, createLedgerCommitments(ledger), SERVICE, SHARED);
      expect(check?.verified).toBe(true);
      expect(check?.revision.data).toMatchObject({ status: 'BREACHED' });
      await gateway.db.query("update public.commitments set status = 'ACTIVE' where id = $1", [SHARED]);
      await eventually(
        () => ledgerDocument(gateway, SHARED),
        (current) => current.data.status === 'ACTIVE',
        2_000,
      );
    });

    it('a profile renamed with plain SQL reaches the OLTP service', async () => {
      const bob = demoUser('bob').id;
      await gateway.db.query("update public.profiles set display_name = 'Robert' where id = $1", [bob]);
      const [profile] = await eventually(
        async () => (await gateway.fixture?.oltp.profilesByIds(SERVICE, [bob])) ?? [],
        (profiles) => profiles[0]?.displayName === 'Robert',
        2_000,
      );
      expect(profile?.displayName).toBe('Robert');
    });

    it('alice writes at live; dave, reading legacy, sees the new status when her response returns', async () => {
      await routeWritesAt(gateway, 'live');
      const write = await gateway.query(UPDATE, { as: 'alice', variables: { id: SHARED, to: 'FULFILLED' } });
      expect(dataField(write, 'updateCommitmentStatus')).toEqual({ id: SHARED, status: 'FULFILLED' });
      expect(write.body.extensions?.figway).toMatchObject({
        routes: { 'Mutation.updateCommitmentStatus': { stage: 'live', backend: 'target' } },
      });

      const read = await gateway.query(READ, { as: 'dave', variables: { id: SHARED } });
      expect(dataField(read, 'commitment')).toEqual({ status: 'FULFILLED' });
      const ledger = await ledgerDocument(gateway, SHARED);
      expect(await legacyRow(gateway, SHARED)).toEqual({ status: 'FULFILLED', version: ledger.data.version });
      // Legacy's audit trail names alice, and the mirrored change is not sent back.
      const [audit] = await gateway.db.query(
        `select changed_by from public.commitment_history where commitment_id = $1 and entity = 'commitment'
         order by id desc limit 1`,
        [SHARED],
      );
      expect(audit?.changed_by).toBe(demoUser('alice').id);
      expect((await ledgerDocument(gateway, SHARED)).metadata.version).toBe(ledger.metadata.version);
      const [outbox] =
        (await gateway.fixture?.ledger.db.query('select count(*) as n from figway.outbox')) ?? [];
      expect(Number(outbox?.n)).toBe(0);
      // The two sides agree row for row, and the lag of the copy is on /metrics.
      const { fixture } = gateway;
      if (fixture === null) throw new Error('no targets');
      const report = await runReconcile(
        'commitments',
        { legacy: fixture.legacy, ledger: fixture.ledger, oltp: fixture.oltp },
        { mutationStage: 'live' },
      );
      expect(report).toMatchObject({ divergent: 0, missingOnTarget: 0, missingOnLegacy: 0 });
      expect(report.compared).toBeGreaterThan(20);
      expect(await gateway.metrics.registry.metrics()).toMatch(
        /figway_mirror_lag_seconds_count\{to="legacy"\} [1-9]/,
      );
    });

    it('at dualwrite the legacy write is on the ledger when the response returns', async () => {
      await routeWritesAt(gateway, 'dualwrite');
      const write = await gateway.query(UPDATE, { as: 'dave', variables: { id: SHARED, to: 'ACTIVE' } });
      // FULFILLED is final: the refusal changes nothing on either side.
      expect(errorCodes(write)).toEqual(['INVALID_STATUS_TRANSITION']);
      const created = await gateway.query(
        `mutation { createCommitment(input: { title: "Mirrored", typeId: "7e000000-0000-4000-8000-000000000001" }) { id } }`,
        { as: 'dave' },
      );
      const { id } = dataField(created, 'createCommitment') as { id: string };
      const ledger = await ledgerDocument(gateway, id);
      expect(ledger.data).toMatchObject({
        title: 'Mirrored',
        status: 'DRAFT',
        createdBy: demoUser('dave').id,
      });
      expect(ledger.data.parties.map((party) => party.role)).toEqual(['CREATOR']);
    });

    it('at rampdown the target write is copied back to legacy', async () => {
      await routeWritesAt(gateway, 'rampdown');
      const created = await gateway.query(
        `mutation { createCommitment(input: { title: "Ramping down", typeId: "7e000000-0000-4000-8000-000000000001" }) { id } }`,
        { as: 'carol' },
      );
      const { id } = dataField(created, 'createCommitment') as { id: string };
      const ledger = await ledgerDocument(gateway, id);
      expect(await legacyRow(gateway, id)).toEqual({ status: 'DRAFT', version: ledger.data.version });
      const [party] = await gateway.db.query(
        'select id, profile_id from public.commitment_parties where commitment_id = $1',
        [id],
      );
      expect(party).toEqual({ id: ledger.data.parties[0]?.id, profile_id: demoUser('carol').id });
    });

    it('at complete nothing is mirrored: legacy keeps its state and no outbox row is written', async () => {
      await routeWritesAt(gateway, 'complete');
      const created = await gateway.query(
        `mutation { createCommitment(input: { title: "Target only", typeId: "7e000000-0000-4000-8000-000000000001" }) { id } }`,
        { as: 'alice' },
      );
      const { id } = dataField(created, 'createCommitment') as { id: string };
      expect((await ledgerDocument(gateway, id)).data.title).toBe('Target only');
      expect(await gateway.db.query('select id from public.commitments where id = $1', [id])).toEqual([]);
      const rows =
        (await gateway.fixture?.ledger.db.query('select id from figway.outbox where entity_id = $1', [id])) ??
        [];
      expect(rows).toEqual([]);
    });

    it('two users in different read stages updating one commitment at once: one wins, the other gets CONFLICT, both sides end equal', async () => {
      await routeWritesAt(gateway, 'live');
      const created = await gateway.query(
        `mutation { createCommitment(input: { title: "Contested", typeId: "7e000000-0000-4000-8000-000000000001" }) { id } }`,
        { as: 'alice' },
      );
      const { id } = dataField(created, 'createCommitment') as { id: string };
      const added = await gateway.query(
        `mutation ($id: ID!, $dave: ID!) { addParty(commitmentId: $id, profileId: $dave, role: PARTICIPANT) { role } }`,
        { as: 'alice', variables: { id, dave: demoUser('dave').id } },
      );
      expect(added.body.errors).toBeUndefined();
      hold = barrier(2);
      const [first, second] = await Promise.all([
        gateway.query(UPDATE, { as: 'alice', variables: { id, to: 'PROPOSED' } }),
        gateway.query(UPDATE, { as: 'dave', variables: { id, to: 'CANCELLED' } }),
      ]);
      hold = barrier(1);
      const codes = [...errorCodes(first), ...errorCodes(second)];
      expect(codes).toEqual(['CONFLICT']);
      const winner = first.body.errors === undefined ? 'PROPOSED' : 'CANCELLED';
      const ledger = await ledgerDocument(gateway, id);
      expect(ledger.data.status).toBe(winner);
      expect(await legacyRow(gateway, id)).toEqual({ status: winner, version: ledger.data.version });
      const [parties] = await gateway.db.query(
        'select count(*) as n from public.commitment_parties where commitment_id = $1',
        [id],
      );
      expect(Number(parties?.n)).toBe(ledger.data.parties.length);
    });
  });
}
