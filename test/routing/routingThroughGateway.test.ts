import { readFile, writeFile } from 'node:fs/promises';
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
import type { CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import {
  FLAGS_DIR,
  type FlagDefinitions,
  readCatalogue,
  readDefinitions,
} from '../../src/routing/flagFiles.ts';
import { type StageRule, setRule } from '../../src/routing/stageRules.ts';
import { captureLogs, LEVEL } from '../support/capturedLogs.ts';

const [pglite] = await testEngines();
if (pglite === undefined) throw new Error('PGlite is always available');

// Alice, bob and carol are all parties to this one; it is ACTIVE in legacy.
const SHARED = 'c0000000-0000-4000-8000-000000000003';
const STATUS = `{ commitment(id: "${SHARED}") { status } }`;
const MISSING = 'c0000000-0000-4000-8000-00000000dead';

async function flagsWith(rules: Record<string, StageRule[]>): Promise<FlagDefinitions> {
  const defaults = await readDefinitions(`${FLAGS_DIR}/definitions.json`);
  const catalogue = await readCatalogue();
  const flagOf = (unit: string) => catalogue.find((entry) => entry.unit === unit)?.flag;
  return {
    ...defaults,
    features: defaults.features.map((feature) => {
      const unit = Object.keys(rules).find((candidate) => flagOf(candidate) === feature.name);
      return unit === undefined ? feature : (rules[unit] ?? []).reduce(setRule, feature);
    }),
  };
}

const betaLive = (unit: string) => ({
  [unit]: [{ selector: { kind: 'cohort' as const, cohort: 'beta' }, stage: 'live' as const }],
});

type Routes = Record<string, { stage: string; backend: string; forced?: true }>;
const routesOf = (response: { body: { extensions?: Record<string, unknown> } }) =>
  (response.body.extensions?.figway as { routes?: Routes } | undefined)?.routes;

// The ledger tells a different story for SHARED: the side that answered shows in the data.
async function breachInLedger(gateway: TestGateway) {
  const ledger = gateway.fixture?.ledger;
  const current = await ledger?.current<CommitmentDocument>('commitments', SHARED);
  if (ledger === undefined || current === null || current === undefined)
    throw new Error('no ledger copy of SHARED');
  await ledger.write([
    {
      tableName: 'commitments',
      documentId: SHARED,
      data: { ...current.data, status: 'BREACHED' },
      expectedVersion: current.metadata.version,
    },
  ]);
}

describe('routing Commitment.status by cohort through the gateway', () => {
  let gateway: TestGateway;
  const logs = captureLogs('warn');
  beforeAll(async () => {
    gateway = await startTestGateway(pglite, {
      targets: true,
      development: true,
      flags: await flagsWith(betaLive('Commitment.status')),
      logger: logs.logger,
    });
    await breachInLedger(gateway);
  });
  afterAll(() => gateway.close());

  it('serves alice (beta) from the ledger and bob (general) from legacy', async () => {
    const alice = await gateway.query(STATUS, { as: 'alice' });
    const bob = await gateway.query(STATUS, { as: 'bob' });
    expect(dataField(alice, 'commitment')).toEqual({ status: 'BREACHED' });
    expect(dataField(bob, 'commitment')).toEqual({ status: 'ACTIVE' });
    expect(routesOf(alice)).toEqual({
      'Query.commitment': { stage: 'legacy', backend: 'legacy' },
      'Commitment.status': { stage: 'live', backend: 'target' },
    });
    expect(routesOf(bob)?.['Commitment.status']).toEqual({ stage: 'legacy', backend: 'legacy' });
  });

  it('applies a change to the flags file within 2 s, without a restart, and rolls back as fast', async () => {
    const original = await readFile(gateway.flagsPath, 'utf8');
    const started = performance.now();
    await writeFile(
      gateway.flagsPath,
      JSON.stringify(
        await flagsWith({ 'Commitment.status': [{ selector: { kind: 'everyone' }, stage: 'complete' }] }),
      ),
    );
    const seen = async (who: string, status: string) => {
      for (;;) {
        const response = await gateway.query(STATUS, { as: who });
        if ((response.body.data?.commitment as { status?: string } | null)?.status === status)
          return performance.now() - started;
        if (performance.now() - started > 5000) throw new Error(`${who} never saw ${status}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    expect(await seen('bob', 'BREACHED')).toBeLessThan(2000);
    await writeFile(gateway.flagsPath, original);
    const back = performance.now();
    await seen('bob', 'ACTIVE');
    expect(performance.now() - back).toBeLessThan(2000);
  });

  it('keeps the last good flags when the file turns malformed', async () => {
    const original = await readFile(gateway.flagsPath, 'utf8');
    const reloaded = gateway.nextFlagsReload();
    await writeFile(gateway.flagsPath, '{ "version": 2, "features": [ { "name": ');
    expect(await reloaded).toBe('rejected');
    expect(dataField(await gateway.query(STATUS, { as: 'alice' }), 'commitment')).toEqual({
      status: 'BREACHED',
    });
    const restored = gateway.nextFlagsReload();
    await writeFile(gateway.flagsPath, original);
    expect(await restored).toBe('applied');
  });

  it('lets an admin force a stage for one request, and ignores the header from anyone else', async () => {
    const admin = await gateway.tokenFor('admin');
    const force = async (token: string, header: string) => {
      const response = await fetch(gateway.gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'x-figway-stage': header,
        },
        body: JSON.stringify({ query: STATUS }),
      });
      return {
        status: response.status,
        body: (await response.json()) as { data?: unknown; extensions?: Record<string, unknown> },
      };
    };
    const forced = await force(admin, 'Commitment.status=live');
    expect(forced.body.data).toEqual({ commitment: { status: 'BREACHED' } });
    expect(routesOf(forced)?.['Commitment.status']).toEqual({
      stage: 'live',
      backend: 'target',
      forced: true,
    });
    const ignored = await force(await gateway.tokenFor('bob'), 'Commitment.status=live');
    expect(ignored.body.data).toEqual({ commitment: { status: 'ACTIVE' } });
    expect((await force(admin, 'Commitment.status=sideways')).status).toBe(400);
  });

  it('never forces a Mutation unit for one request, since its stage is one for everyone, and logs why', async () => {
    const admin = await gateway.tokenFor('admin');
    const response = await fetch(gateway.gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${admin}`,
        'x-figway-stage': 'Mutation.updateCommitmentStatus=live',
      },
      // No such commitment: the route is recorded before the write, and nothing changes.
      body: JSON.stringify({
        query: `mutation { updateCommitmentStatus(id: "${MISSING}", status: FULFILLED) { status } }`,
      }),
    });
    const body = (await response.json()) as { extensions?: Record<string, unknown> };
    expect(routesOf({ body })?.['Mutation.updateCommitmentStatus']).toEqual({
      stage: 'legacy',
      backend: 'legacy',
    });
    const warning = await logs.waitFor((line) => line.unit === 'Mutation.updateCommitmentStatus');
    expect(warning).toMatchObject({ level: LEVEL.warn, stage: 'live' });
    expect(warning.msg).toContain('x-figway-stage ignored for Mutation.updateCommitmentStatus');
  });

  it('decides each unit once per request and keeps it across requests (sticky per user)', async () => {
    const many = `{ a: commitment(id: "${SHARED}") { status } b: commitment(id: "${SHARED}") { status } }`;
    for (let i = 0; i < 5; i++) {
      const response = await gateway.query(many, { as: 'carol' });
      expect(response.body.data).toEqual({ a: { status: 'BREACHED' }, b: { status: 'BREACHED' } });
    }
  });
});

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
  const failing = (store: ConnectStore): ConnectStore => ({
    ...store,
    commitmentsByIds: async () => {
      throw new Error('ledger connection reset');
    },
  });

  it('reaches the client as an error: no silent fallback by default', async () => {
    const gateway = await startTestGateway(pglite, {
      targets: true,
      wrapTarget: failing,
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
    const catalogue = (await readCatalogue()).map((entry) =>
      entry.unit === 'Commitment.status' ? { ...entry, fallback: 'legacy' as const } : entry,
    );
    const gateway = await startTestGateway(pglite, {
      targets: true,
      development: true,
      wrapTarget: failing,
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
