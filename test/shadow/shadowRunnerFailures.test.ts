import { describe, expect, it } from 'vitest';
import type { ShadowStep } from '../../src/shadow/reportInternalError.ts';
import { descend, FACTS, INFO, nested, side, THING, useShadowRunner } from './shadowRunnerFixture.ts';

describe('failures inside the shadow machinery', () => {
  const fixture = useShadowRunner();
  const { runner, stored } = fixture;

  it('records the comparison when a variable is nested 200,000 levels, summarizing it past the depth bound', async () => {
    const raised: ShadowStep[] = [];
    const shadow = runner({}, { onInternalError: (step) => raised.push(step) });
    const deep = nested(200_000);
    const request = shadow.forRequest({ ...FACTS, variables: { filter: deep, email: deep } });
    const value = await request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', async () => THING),
      INFO,
    );
    request.responseSent();
    expect(value).toBe(THING);
    const rows = await stored(shadow);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      outcome: 'matched',
      variables: { email: expect.stringMatching(/^hmac:/) },
    });
    const { depth, bottom } = descend((rows[0]?.variables as { filter?: unknown } | undefined)?.filter);
    expect(bottom).toMatch(/^\(nested deeper than \d+ levels\)$/);
    expect(depth).toBeLessThan(200);
    expect(raised).toEqual([]);
  });

  it('reports a redaction that throws with its step, and still records the observation', async () => {
    const raised: Array<{ step: ShadowStep; message: string; unit: string }> = [];
    const shadow = runner(
      {},
      {
        onInternalError: (step, error, unit) =>
          raised.push({ step, message: error instanceof Error ? error.message : String(error), unit }),
      },
    );
    const variables = {
      get filter(): never {
        throw new Error('getter exploded');
      },
    };
    const request = shadow.forRequest({ ...FACTS, variables });
    await request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', async () => THING),
      INFO,
    );
    request.responseSent();
    const [row] = await stored(shadow);
    expect(row).toMatchObject({ outcome: 'matched', variables: '(redaction failed)' });
    expect(raised).toEqual([{ step: 'redact', message: 'getter exploded', unit: 'Query.thing' }]);
  });

  it('reports a projection that throws with its step and counts it on the metrics by default', async () => {
    const shadow = runner();
    const request = shadow.forRequest(FACTS);
    await request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', async () => ({ ...THING, n: 'not a number' })),
      INFO,
    );
    request.responseSent();
    expect((await stored(shadow)).map((row) => row.outcome)).toEqual(['mismatched']);
    expect(
      await fixture.metrics.registry.getSingleMetricAsString('figway_shadow_internal_errors_total'),
    ).toMatch(/unit="Query.thing",step="project"\} 1/);
  });

  it('records a candidate whose read throws before returning a promise, and answers with the control', async () => {
    const shadow = runner();
    const request = shadow.forRequest(FACTS);
    const value = await request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', () => {
        throw new Error('thrown synchronously');
      }),
      INFO,
    );
    request.responseSent();
    expect(value).toBe(THING);
    expect(await stored(shadow)).toMatchObject([
      { outcome: 'candidate_error', candidate_error: 'thrown synchronously' },
    ]);
  });

  it('judges a comparison whose response is never sent once maxWaitMs has passed', {
    timeout: 5_000,
  }, async () => {
    const shadow = runner({}, { maxWaitMs: 20 });
    await shadow.forRequest(FACTS).run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', async () => THING),
      INFO,
    );
    // The test's 5 s timeout is the deadline: without maxWaitMs, idle() waits the default 10 s.
    await shadow.idle();
    expect((await stored(shadow)).map((row) => row.outcome)).toEqual(['matched']);
  });

  it('stores only the selected fields of a candidate whose control failed', async () => {
    const shadow = runner();
    const request = shadow.forRequest(FACTS);
    const attempt = request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => {
        throw new Error('legacy down');
      }),
      side('target', async () => ({
        ...THING,
        terms: 'the private terms',
        description: 'a description',
        ownerId: 'c0000000-raw-user-id',
      })),
      INFO,
    );
    await expect(attempt).rejects.toThrow('legacy down');
    request.responseSent();
    const [row] = await stored(shadow);
    expect(row).toMatchObject({ outcome: 'mismatched', control_error: 'legacy down' });
    expect(row?.diffs).toEqual([{ path: 'thing', control: 'error: legacy down', candidate: THING }]);
  });
});
