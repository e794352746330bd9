// Gateways each started for one routing setup: a mixed route, a failing target, mutations at live, flags that cannot be evaluated, routes in extensions.
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { dataField, demoUser, errorCodes, startTestGateway } from '../../harness/testGateway.ts';
import type { ConnectStore } from '../../src/backends/connectStore.ts';
import type { CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import {
  betaLive,
  breachInLedger,
  catalogueFallingBack,
  failingLedger,
  flagsWith,
  pglite,
  routesOf,
  SHARED,
  STATUS,
} from './routingGatewayFixture.ts';

describe('a mixed route', () => {
  it('pages from legacy while the ledger serves every status in one batch', async () => {
    let batches = 0;
    const counting = (store: ConnectStore): ConnectStore => ({
      ...store,
      commitmentsByIds: (viewer, ids) => {
        batches += 1;
        return store.commitmentsByIds(viewer, ids);
      },
    });
    const gateway = await startTestGateway(pglite, {
      targets: true,
      development: true,
      wrapTarget: counting,
      flags: await flagsWith({ 'Commitment.status': [{ selector: { kind: 'everyone' }, stage: 'live' }] }),
    });
    try {
      await breachInLedger(gateway);
      const response = await gateway.query('{ commitments(first: 50) { edges { node { id status } } } }', {
        as: 'admin',
      });
      const edges = (
        dataField(response, 'commitments') as { edges: Array<{ node: { id: string; status: string } }> }
      ).edges;
      expect(edges).toHaveLength(22);
      expect(edges.find((edge) => edge.node.id === SHARED)?.node.status).toBe('BREACHED');
      expect(batches).toBe(1);
      expect(routesOf(response)?.['Query.commitments']).toEqual({ stage: 'legacy', backend: 'legacy' });
    } finally {
      await gateway.close();
    }
  });
});

describe('a target that fails', () => {
  it('reaches the client as an error: no silent fallback by default', async () => {
    const gateway = await startTestGateway(pglite, {
      targets: true,
      wrapTarget: failingLedger,
      flags: await flagsWith(betaLive('Commitment.status')),
    });
    try {
      const response = await gateway.query(STATUS, { as: 'alice' });
      expect(response.body.data).toEqual({ commitment: null });
      expect(errorCodes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(response.body.errors?.[0]?.message).not.toMatch(/ledger connection reset/);
    } finally {
      await gateway.close();
    }
  });

  it('falls back to legacy under a unit fallback policy, reported in extensions and metrics', async () => {
    const catalogue = await catalogueFallingBack('Commitment.status');
    const gateway = await startTestGateway(pglite, {
      targets: true,
      development: true,
      wrapTarget: failingLedger,
      catalogue,
      flags: await flagsWith(betaLive('Commitment.status')),
    });
    try {
      const response = await gateway.query(STATUS, { as: 'alice' });
      expect(response.body.data).toEqual({ commitment: { status: 'ACTIVE' } });
      expect(response.body.extensions?.figway).toMatchObject({
        fallbacks: [{ unit: 'Commitment.status', error: 'ledger connection reset' }],
      });
      const metric = await gateway.metrics.registry.getSingleMetricAsString('figway_route_fallbacks_total');
      expect(metric).toMatch(/figway_route_fallbacks_total\{unit="Commitment.status"\} 1/);
    } finally {
      await gateway.close();
    }
  });
});

describe('mutations under routing', () => {
  it('writes to the ledger for everyone at live and leaves legacy as it was', async () => {
    const gateway = await startTestGateway(pglite, {
      targets: true,
      development: true,
      flags: await flagsWith({
        'Mutation.updateCommitmentStatus': [{ selector: { kind: 'everyone' }, stage: 'live' }],
      }),
    });
    try {
      const id = 'c0000000-0000-4000-8000-000000000002'; // bob and dave's, PROPOSED
      const response = await gateway.query(
        `mutation { updateCommitmentStatus(id: "${id}", status: ACTIVE) { id } }`,
        { as: 'dave' },
      );
      expect(routesOf(response)?.['Mutation.updateCommitmentStatus']).toEqual({
        stage: 'live',
        backend: 'target',
      });
      const shared = await gateway.query(
        `mutation { updateCommitmentStatus(id: "${SHARED}", status: FULFILLED) { id } }`,
        { as: 'alice' },
      );
      expect(routesOf(shared)?.['Mutation.updateCommitmentStatus']).toEqual({
        stage: 'live',
        backend: 'target',
      });
      const inLedger = await gateway.fixture?.ledger.current<CommitmentDocument>('commitments', SHARED);
      expect(inLedger?.data.status).toBe('FULFILLED');
      const [inLegacy] = await gateway.db.query('select status from public.commitments where id = $1', [
        SHARED,
      ]);
      expect(inLegacy?.status).toBe('ACTIVE');
      expect(demoUser('alice').cohort).toBe('beta');
    } finally {
      await gateway.close();
    }
  });
});

describe('flags that cannot be evaluated', () => {
  it('serve legacy, and are counted by flag and reason, when a reload drops a flag', async () => {
    const flags = await flagsWith(betaLive('Commitment.status'));
    const gateway = await startTestGateway(pglite, { targets: true, development: true, flags });
    try {
      expect(routesOf(await gateway.query(STATUS, { as: 'alice' }))?.['Commitment.status']?.stage).toBe(
        'live',
      );
      const withoutStatus = {
        ...flags,
        features: flags.features.filter((feature) => feature.name !== 'figway.Commitment.status'),
      };
      await writeFile(gateway.flagsPath, JSON.stringify(withoutStatus));
      const deadline = performance.now() + 3000;
      let route = routesOf(await gateway.query(STATUS, { as: 'alice' }))?.['Commitment.status'];
      while (route?.stage !== 'legacy' && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        route = routesOf(await gateway.query(STATUS, { as: 'alice' }))?.['Commitment.status'];
      }
      expect(route).toEqual({ stage: 'legacy', backend: 'legacy' });
      const metric = await gateway.metrics.registry.getSingleMetricAsString('figway_flag_fallbacks_total');
      expect(metric).toMatch(/flag="figway.Commitment.status",reason="unknown-flag"\} [1-9]/);
    } finally {
      await gateway.close();
    }
  });

  it('serve legacy when no target is configured, whatever the flags say', async () => {
    const gateway = await startTestGateway(pglite, {
      development: true,
      flags: await flagsWith(betaLive('Commitment.status')),
    });
    try {
      const response = await gateway.query(STATUS, { as: 'alice' });
      expect(dataField(response, 'commitment')).toEqual({ status: 'ACTIVE' });
      expect(routesOf(response)?.['Commitment.status']).toEqual({ stage: 'legacy', backend: 'legacy' });
    } finally {
      await gateway.close();
    }
  });
});

describe('routes in extensions', () => {
  it('are hidden from users outside development and shown to admins', async () => {
    const gateway = await startTestGateway(pglite, { targets: true });
    try {
      expect(routesOf(await gateway.query(STATUS, { as: 'alice' }))).toBeUndefined();
      expect(routesOf(await gateway.query(STATUS, { as: 'admin' }))?.['Commitment.status']).toEqual({
        stage: 'legacy',
        backend: 'legacy',
      });
    } finally {
      await gateway.close();
    }
  });
});
