// A Mutation unit whose stage for everyone a gateway does not know (flags not loaded, evaluation failed, a variant that is not a stage) is refused, never written to legacy; reads keep failing closed to legacy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import type { CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import { ErrorCode, FigwayError } from '../../src/errors.ts';
import { createRequestRouter } from '../../src/routing/requestRouter.ts';
import { strategyOf } from '../../src/routing/stageRules.ts';
import type { StageDecision, StageReason, StageSource } from '../../src/routing/stageSource.ts';
import { createUnleashServerStageSource } from '../../src/routing/unleashStageSources.ts';
import { type CapturedLogs, captureLogs } from '../support/capturedLogs.ts';
import { closedPort } from '../support/closedPort.ts';
import { MUTATION, MUTATION_FLAG, offlineSource, units, viewerOf } from './mutationAuthorityFixture.ts';
import { breachInLedger, flagsWith, pglite, routesOf, SHARED, STATUS } from './routingGatewayFixture.ts';

const READ = 'Commitment.status';

function routerOver(source: StageSource) {
  const problems: Array<{ flag: string; decision: StageDecision; outcome: string }> = [];
  const router = createRequestRouter(viewerOf('alice'), {
    source,
    catalogue: units,
    targetsAvailable: true,
    onFlagProblem: (flag, decision, outcome) => void problems.push({ flag, decision, outcome }),
    onRouteFallback: () => {},
  });
  return { router, problems };
}

const failingWith = (reason: StageReason): StageSource => ({
  decide: () => ({ stage: 'legacy', reason }),
  close: async () => {},
});

describe('the request router', () => {
  it.each(['not-synchronized', 'error', 'not-a-stage'] as const)(
    'refuses a Mutation unit on %s with BACKEND_UNAVAILABLE, reports it, and serves reads from legacy',
    (reason) => {
      const { router, problems } = routerOver(failingWith(reason));
      let refusal: unknown;
      try {
        router.stageOf(MUTATION);
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(FigwayError);
      expect(refusal).toMatchObject({
        code: ErrorCode.BACKEND_UNAVAILABLE,
        message: expect.stringMatching(
          /^Mutation\.updateCommitmentStatus was refused and nothing was written: .*cannot tell which side is authoritative/,
        ),
        extensions: { backend: 'flags', unit: MUTATION, flag: MUTATION_FLAG, reason },
      });
      expect(router.stageOf(READ)).toBe('legacy');
      expect(problems.map(({ flag, outcome }) => `${flag} ${outcome}`)).toEqual([
        `${MUTATION_FLAG} refused`,
        `figway.${READ} legacy`,
      ]);
    },
  );

  it('says why in words: flags not loaded yet, evaluation failed, a variant that is not a stage', () => {
    const messageOf = (reason: StageReason) => {
      try {
        routerOver(failingWith(reason)).router.stageOf(MUTATION);
      } catch (error) {
        return (error as Error).message;
      }
      return 'not refused';
    };
    expect(messageOf('not-synchronized')).toMatch(
      /has not loaded its flags yet \(Unleash not reached.*Retry once the flags are loaded\.$/,
    );
    expect(messageOf('error')).toMatch(
      /could not evaluate its flag figway\.Mutation\.updateCommitmentStatus/,
    );
    expect(messageOf('not-a-stage')).toMatch(
      /serves a variant that is not a stage.*Retry once the flag names a stage\.$/,
    );
  });

  it('serves legacy for a Mutation flag that is missing: every gateway reading the same flags misses it alike', () => {
    const { router, problems } = routerOver(failingWith('unknown-flag'));
    expect(router.stageOf(MUTATION)).toBe('legacy');
    expect(problems).toEqual([
      { flag: MUTATION_FLAG, decision: { stage: 'legacy', reason: 'unknown-flag' }, outcome: 'legacy' },
    ]);
  });

  it('refuses a Mutation flag whose rule for everyone serves a variant that is not a stage, as unleash-client evaluates it', async () => {
    const definitions = await flagsWith({});
    const live = strategyOf(MUTATION_FLAG, { selector: { kind: 'everyone' }, stage: 'live' });
    const typo = { ...live, variants: live.variants.map((variant) => ({ ...variant, name: 'liv' })) };
    const source = await offlineSource({
      ...definitions,
      features: definitions.features.map((feature) =>
        feature.name === MUTATION_FLAG ? { ...feature, enabled: true, strategies: [typo] } : feature,
      ),
    });
    try {
      expect(() => routerOver(source).router.stageOf(MUTATION)).toThrow(
        /serves a variant that is not a stage/,
      );
    } finally {
      await source.close();
    }
  });
});

describe('a gateway that starts while Unleash is unreachable', () => {
  let gateway: TestGateway;
  let logs: CapturedLogs;
  beforeAll(async () => {
    logs = captureLogs('warn');
    gateway = await startTestGateway(pglite, {
      targets: true,
      development: true,
      logger: logs.logger,
      stageSource: createUnleashServerStageSource({
        url: `http://127.0.0.1:${await closedPort()}/api`,
        token: 'default:development.unleash-insecure-api-token',
        refreshMs: 60_000,
        logger: logs.logger,
      }),
    });
    // The ledger tells another story for SHARED, so the side that answers a read shows.
    await breachInLedger(gateway);
  });
  afterAll(() => gateway.close());

  const legacyRow = async () =>
    (await gateway.db.query('select status, version from public.commitments where id = $1', [SHARED]))[0];
  const ledgerRow = () => gateway.fixture?.ledger.current<CommitmentDocument>('commitments', SHARED);

  it('refuses a mutation, saying nothing was written and why, and writes nothing on either side', async () => {
    const [legacyBefore, ledgerBefore] = [await legacyRow(), await ledgerRow()];
    expect(legacyBefore).toMatchObject({ status: 'ACTIVE' });
    const response = await gateway.query(
      `mutation { updateCommitmentStatus(id: "${SHARED}", status: FULFILLED) { id status } }`,
      { as: 'alice' },
    );
    expect(response.body.data?.updateCommitmentStatus ?? null).toBeNull();
    expect(response.body.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /^Mutation\.updateCommitmentStatus was refused and nothing was written: this gateway has not loaded its flags yet/,
        ),
        extensions: expect.objectContaining({
          code: 'BACKEND_UNAVAILABLE',
          backend: 'flags',
          reason: 'not-synchronized',
        }),
      }),
    ]);
    expect(await legacyRow()).toEqual(legacyBefore);
    expect((await ledgerRow())?.metadata).toEqual(ledgerBefore?.metadata);
    expect(routesOf(response)?.[MUTATION]).toBeUndefined();

    const metric = await gateway.metrics.registry.getSingleMetricAsString('figway_flag_fallbacks_total');
    expect(metric).toMatch(
      /flag="figway\.Mutation\.updateCommitmentStatus",reason="not-synchronized"\} [1-9]/,
    );
    expect(
      logs.lines.find((line) => line.flag === MUTATION_FLAG && line.reason === 'not-synchronized')?.msg,
    ).toMatch(/^flag unavailable: refusing its writes \(nothing written\)/);
  });

  it('serves a read in the same state from legacy', async () => {
    const response = await gateway.query(STATUS, { as: 'alice' });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toEqual({ commitment: { status: 'ACTIVE' } });
    expect(routesOf(response)?.[READ]).toEqual({ stage: 'legacy', backend: 'legacy' });
    expect(
      logs.lines.find((line) => line.flag === `figway.${READ}` && line.reason === 'not-synchronized')?.msg,
    ).toBe('flag unavailable: serving legacy');
  });
});
