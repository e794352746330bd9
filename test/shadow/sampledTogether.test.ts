import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../harness/seededRandom.ts';
import { type CatalogueEntry, DEFAULT_SHADOW } from '../../src/core/catalogue.ts';
import { createShadowRunner } from '../../src/shadow/shadowRunner.ts';
import { FACTS, INFO, side, THING, useShadowRunner } from './shadowRunnerFixture.ts';

const RATES: Record<string, number> = { 'Query.a': 0.2, 'Query.b': 0.2, 'Query.c': 0.5 };
const REQUESTS = 2000;

function entry(unit: string, sampleRate: number): CatalogueEntry {
  return {
    unit,
    flag: 'f',
    owner: 'o',
    description: 'd',
    fallback: 'none',
    shadow: { ...DEFAULT_SHADOW, sampleRate },
  };
}

describe('the units of one request are sampled together', () => {
  const fixture = useShadowRunner();

  it('samples each unit at its own rate, with one draw per request that every unit shares', async () => {
    const runner = createShadowRunner({
      catalogue: new Map(Object.entries(RATES).map(([unit, rate]) => [unit, entry(unit, rate)])),
      writer: fixture.writer,
      metrics: fixture.metrics,
      salt: 's',
      random: seededRandom(11),
    });
    const sampledPerRequest: Array<Set<string>> = [];
    for (let index = 0; index < REQUESTS; index++) {
      const request = runner.forRequest(FACTS);
      const sampled = new Set<string>();
      for (const unit of Object.keys(RATES)) {
        await request.run(
          unit,
          'shadow',
          side('legacy', async () => THING),
          side('target', async () => {
            sampled.add(unit);
            return THING;
          }),
          INFO,
        );
      }
      request.responseSent();
      sampledPerRequest.push(sampled);
      // One request at a time, each judged before the next: the sampler never backs off.
      await runner.idle();
    }

    const share = (unit: string) => sampledPerRequest.filter((units) => units.has(unit)).length / REQUESTS;
    // Each unit keeps its own rate...
    for (const [unit, rate] of Object.entries(RATES)) expect(Math.abs(share(unit) - rate)).toBeLessThan(0.04);
    // ...and the candidate is read in as few requests as the highest rate needs: units at
    // the same rate are sampled in the same requests, and a lower rate's requests are
    // among a higher rate's (independent draws would read it in about 68% of requests).
    for (const units of sampledPerRequest) {
      expect(units.has('Query.a')).toBe(units.has('Query.b'));
      if (units.has('Query.a')) expect(units.has('Query.c')).toBe(true);
    }
    const withAnyRead = sampledPerRequest.filter((units) => units.size > 0).length / REQUESTS;
    expect(Math.abs(withAnyRead - 0.5)).toBeLessThan(0.04);
  });
});
