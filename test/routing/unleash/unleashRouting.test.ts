import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { demoUser, startTestGateway, type TestGateway } from '../../../harness/testGateway.ts';
import { DEMO_COMMITMENTS } from '../../../src/backends/supabase/seed/demoCommitments.ts';
import { type FlagDefinitions, readCatalogue } from '../../../src/routing/flagFiles.ts';
import type { RouteRecord } from '../../../src/routing/requestRouter.ts';
import { pushDefinitions } from '../../../src/routing/unleashAdmin.ts';
import { createUnleashServerStageSource } from '../../../src/routing/unleashStageSources.ts';
import { startUnleashServer, type UnleashServer, unleashAvailable } from '../../support/unleashServer.ts';
import {
  adminOf,
  COMMITMENT_FLAG,
  STATUS_FLAG,
  stagedDefinitions,
  storedFlag,
  strategiesPath,
} from './stagedDefinitions.ts';

const available = await unleashAvailable();
const [pglite] = await testEngines();
if (pglite === undefined) throw new Error('PGlite is always available');

// Created by alice with bob as participant and carol as witness: all three may read it.
const SHARED = DEMO_COMMITMENTS[2]?.id ?? '';
// Created by bob with dave as participant.
const GENERAL = DEMO_COMMITMENTS[1]?.id ?? '';
const COMMITMENT = 'query ($id: ID!) { commitment(id: $id) { id status } }';
const REFRESH_MS = 1000;
// A correctness bound for "within the refresh interval" (polling, fetch, evaluation), not a benchmark.
const PROPAGATION_BOUND_MS = 5000;

type Routes = Record<string, RouteRecord>;

describe.runIf(available)('routing by a real Unleash server', () => {
  let server: UnleashServer;
  let gateway: TestGateway;
  let staged: FlagDefinitions;
  const catalogue = readCatalogue();

  async function routesOf(as: string, id = SHARED): Promise<Routes> {
    const response = await gateway.query(COMMITMENT, { as, variables: { id } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.commitment).toMatchObject({ id });
    const figway = response.body.extensions?.figway as { routes: Routes } | undefined;
    if (figway === undefined)
      throw new Error('no extensions.figway: the gateway must run in development mode');
    return figway.routes;
  }

  /** Polls until `as`'s route of `unit` is `expected`; fails after 15 s with the route last seen. */
  async function waitForRoute(as: string, unit: string, expected: RouteRecord): Promise<void> {
    await vi.waitFor(
      async () => {
        const route = (await routesOf(as))[unit];
        expect(route, `${as}'s ${unit}`).toMatchObject({ stage: expected.stage, backend: expected.backend });
      },
      { timeout: 15_000, interval: 50 },
    );
  }

  async function fallbacks(reason: string): Promise<number> {
    const { values } = await gateway.metrics.flagFallbacks.get();
    const found = values.find((value) => value.labels.flag === STATUS_FLAG && value.labels.reason === reason);
    return found?.value ?? 0;
  }

  /** Puts the staged definitions back and waits until the gateway routes by them. */
  async function restoreStaged(): Promise<void> {
    await pushDefinitions(await catalogue, staged, adminOf(server));
    await waitForRoute('alice', 'Commitment.status', { stage: 'live', backend: 'target' });
  }

  beforeAll(async () => {
    [server, staged] = await Promise.all([startUnleashServer(), stagedDefinitions()]);
  }, 120_000);
  afterAll(async () => {
    await gateway?.close();
    await server?.stop();
  }, 60_000);

  describe('pushDefinitions', () => {
    it('creates every flag of the catalogue on a fresh server', async () => {
      const report = await pushDefinitions(await catalogue, staged, adminOf(server));
      expect(report.created).toEqual((await catalogue).map((entry) => entry.flag));
      expect(report.updated).toEqual([]);
      expect(report.unchanged).toEqual([]);
    });

    it('reports every flag unchanged when the same definitions are pushed again', async () => {
      const report = await pushDefinitions(await catalogue, staged, adminOf(server));
      expect(report).toEqual({
        created: [],
        updated: [],
        unchanged: (await catalogue).map((entry) => entry.flag),
      });
    });

    it('stores each rule as a flexibleRollout strategy with its constraint and its stage as the variant', async () => {
      const status = await storedFlag(server, STATUS_FLAG);
      expect(status.enabled).toBe(true);
      expect(status.strategies).toMatchObject([
        {
          name: 'flexibleRollout',
          parameters: { rollout: '100', stickiness: 'userId', groupId: STATUS_FLAG },
          constraints: [{ contextName: 'cohort', operator: 'IN', values: ['beta'] }],
          variants: [{ name: 'live', weight: 1000, stickiness: 'userId' }],
        },
      ]);
      const commitment = await storedFlag(server, COMMITMENT_FLAG);
      expect(commitment.strategies).toMatchObject([
        {
          constraints: [{ contextName: 'userId', operator: 'IN', values: [demoUser('alice').id] }],
          variants: [{ name: 'shadow' }],
        },
      ]);
      const untouched = await storedFlag(server, 'figway.Commitment.parties');
      expect(untouched).toMatchObject({ enabled: false, strategies: [] });
    });
  });

  describe('a gateway reading the server', () => {
    beforeAll(async () => {
      gateway = await startTestGateway(pglite, {
        targets: true,
        development: true,
        stageSource: createUnleashServerStageSource({
          url: server.url,
          token: server.clientToken,
          refreshMs: REFRESH_MS,
          logger: pino({ level: 'silent' }),
        }),
      });
    }, 120_000);
    beforeEach(restoreStaged, 30_000);

    it("serves beta's Commitment.status from the target at live, and general's from legacy", async () => {
      expect((await routesOf('alice'))['Commitment.status']).toEqual({ stage: 'live', backend: 'target' });
      expect((await routesOf('carol'))['Commitment.status']).toEqual({ stage: 'live', backend: 'target' });
      expect((await routesOf('bob'))['Commitment.status']).toEqual({ stage: 'legacy', backend: 'legacy' });
    });

    it("puts alice's Query.commitment in shadow, served by legacy, and leaves bob's at legacy", async () => {
      expect((await routesOf('alice'))['Query.commitment']).toEqual({ stage: 'shadow', backend: 'legacy' });
      expect((await routesOf('carol'))['Query.commitment']).toEqual({ stage: 'legacy', backend: 'legacy' });
      expect((await routesOf('bob'))['Query.commitment']).toEqual({ stage: 'legacy', backend: 'legacy' });
    });

    it('keeps each user on the same routes across repeated requests', async () => {
      for (const user of ['alice', 'bob']) {
        const first = await routesOf(user);
        const repeated = await Promise.all(Array.from({ length: 10 }, () => routesOf(user)));
        expect(repeated).toEqual(Array.from({ length: 10 }, () => first));
      }
    });

    it("moves alice to legacy within the refresh interval when the beta rule's variant becomes legacy", async () => {
      const [beta] = (await storedFlag(server, STATUS_FLAG)).strategies;
      if (beta === undefined) throw new Error('the beta strategy is missing');
      const started = performance.now();
      await server.admin('PUT', `${strategiesPath(STATUS_FLAG)}/${beta.id}`, {
        name: beta.name,
        parameters: beta.parameters,
        constraints: beta.constraints,
        variants: [{ ...beta.variants[0], name: 'legacy' }],
      });
      await waitForRoute('alice', 'Commitment.status', { stage: 'legacy', backend: 'legacy' });
      expect(performance.now() - started).toBeLessThan(PROPAGATION_BOUND_MS);
    });

    it('moves general users to complete when a rule for their cohort is added, beta staying live', async () => {
      const started = performance.now();
      await server.admin('POST', strategiesPath(STATUS_FLAG), {
        name: 'flexibleRollout',
        parameters: { rollout: '100', stickiness: 'userId', groupId: STATUS_FLAG },
        constraints: [{ contextName: 'cohort', operator: 'IN', values: ['general'] }],
        variants: [{ name: 'complete', weight: 1000, weightType: 'variable', stickiness: 'userId' }],
      });
      await waitForRoute('bob', 'Commitment.status', { stage: 'complete', backend: 'target' });
      expect(performance.now() - started).toBeLessThan(PROPAGATION_BOUND_MS);
      expect((await routesOf('dave', GENERAL))['Commitment.status']).toEqual({
        stage: 'complete',
        backend: 'target',
      });
      expect((await routesOf('alice'))['Commitment.status']).toEqual({ stage: 'live', backend: 'target' });
    });

    it('returns everyone to legacy within the refresh interval when the flags are switched off', async () => {
      const started = performance.now();
      for (const flag of [STATUS_FLAG, COMMITMENT_FLAG])
        await server.admin('POST', `/admin/projects/default/features/${flag}/environments/development/off`);
      await waitForRoute('alice', 'Commitment.status', { stage: 'legacy', backend: 'legacy' });
      await waitForRoute('alice', 'Query.commitment', { stage: 'legacy', backend: 'legacy' });
      expect(performance.now() - started).toBeLessThan(PROPAGATION_BOUND_MS);
      expect(await routesOf('carol')).toMatchObject({ 'Commitment.status': { stage: 'legacy' } });
      expect(await routesOf('bob')).toMatchObject({ 'Commitment.status': { stage: 'legacy' } });
    });

    it('fails closed to legacy, and counts it, when the flag is archived in Unleash', async () => {
      await server.admin('DELETE', `/admin/projects/default/features/${STATUS_FLAG}`);
      try {
        await waitForRoute('alice', 'Commitment.status', { stage: 'legacy', backend: 'legacy' });
        const before = await fallbacks('unknown-flag');
        expect((await routesOf('alice'))['Commitment.status']).toEqual({
          stage: 'legacy',
          backend: 'legacy',
        });
        expect((await routesOf('bob'))['Commitment.status']).toEqual({ stage: 'legacy', backend: 'legacy' });
        expect(await fallbacks('unknown-flag')).toBe(before + 2);
        const scraped = await (await fetch(new URL('/metrics', gateway.gateway.url))).text();
        expect(scraped).toMatch(
          new RegExp(`figway_flag_fallbacks_total\\{flag="${STATUS_FLAG}",reason="unknown-flag"\\} [1-9]`),
        );
      } finally {
        await server.admin('POST', '/admin/projects/default/revive', { features: [STATUS_FLAG] });
      }
    });

    it('fails closed to legacy, and counts it, when a variant made in Unleash is not a stage', async () => {
      const [beta] = (await storedFlag(server, STATUS_FLAG)).strategies;
      if (beta === undefined) throw new Error('the beta strategy is missing');
      await server.admin('PUT', `${strategiesPath(STATUS_FLAG)}/${beta.id}`, {
        name: beta.name,
        parameters: beta.parameters,
        constraints: beta.constraints,
        variants: [{ ...beta.variants[0], name: 'banana' }],
      });
      await waitForRoute('alice', 'Commitment.status', { stage: 'legacy', backend: 'legacy' });
      const before = await fallbacks('not-a-stage');
      expect((await routesOf('alice'))['Commitment.status']).toEqual({ stage: 'legacy', backend: 'legacy' });
      expect((await routesOf('carol'))['Commitment.status']).toEqual({ stage: 'legacy', backend: 'legacy' });
      // bob matches no rule: plain legacy, nothing to count.
      expect((await routesOf('bob'))['Commitment.status']).toEqual({ stage: 'legacy', backend: 'legacy' });
      expect(await fallbacks('not-a-stage')).toBe(before + 2);
    });
  });
});
