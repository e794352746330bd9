import { describe, expect, it } from 'vitest';
import { type CatalogueEntry, DEFAULT_SHADOW } from '../../src/core/catalogue.ts';
import { createGatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { createDiscardingObservationWriter } from '../../src/shadow/observationWriter.ts';
import { createShadowRunner } from '../../src/shadow/shadowRunner.ts';
import { FACTS, INFO, side, THING } from './shadowRunnerFixture.ts';

const ENTRY: CatalogueEntry = {
  unit: 'Query.thing',
  flag: 'f',
  owner: 'o',
  description: 'd',
  fallback: 'none',
  shadow: DEFAULT_SHADOW,
};

describe('shadow reads without an observation store', () => {
  it('keep comparing every sample, each observation counted lost on arrival and none held', async () => {
    const metrics = createGatewayMetrics();
    const writer = createDiscardingObservationWriter((reason, count) =>
      metrics.observationsLost.inc({ reason }, count),
    );
    const runner = createShadowRunner({
      catalogue: new Map([['Query.thing', ENTRY]]),
      writer,
      metrics,
      salt: 's',
    });
    // Past the 10,000 places a queue would hold: sampling must never stop for want of room.
    for (let index = 0; index < 12_000; index++) {
      const request = runner.forRequest(FACTS);
      await request.run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        side('target', async () => THING),
        INFO,
      );
      request.responseSent();
      // As a server does between requests: the response goes out before the next one comes in.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await runner.idle();
    expect(writer.queued).toBe(0);
    expect(await metrics.registry.getSingleMetricAsString('figway_shadow_observations_total')).toMatch(
      /outcome="matched"\} 12000/,
    );
    expect(await metrics.registry.getSingleMetricAsString('figway_shadow_observations_lost_total')).toMatch(
      /reason="store_unavailable"\} 12000/,
    );
    expect(runner.factorOf('Query.thing')).toBe(1);
  }, 60_000);
});
