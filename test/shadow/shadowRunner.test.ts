import { describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { FACTS, INFO, never, side, THING, useShadowRunner } from './shadowRunnerFixture.ts';

describe('the shadow runner', () => {
  const fixture = useShadowRunner();
  const { runner, stored } = fixture;

  it('returns the control and records a candidate that throws', async () => {
    const shadow = runner();
    const value = await shadow.forRequest(FACTS).run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', async () => {
        throw new Error('ledger exploded');
      }),
      INFO,
    );
    expect(value).toBe(THING);
    const [row] = await stored(shadow);
    expect(row).toMatchObject({
      outcome: 'candidate_error',
      candidate_error: 'ledger exploded',
      operation_name: 'Things',
      client_name: 'web',
      cohort: 'beta',
    });
    expect(row?.variables).toEqual({ email: expect.stringMatching(/^hmac:/), id: 'x' });
  });

  it('answers before a hanging candidate ends, and records a timeout', async () => {
    const shadow = runner({ timeoutMs: 30 });
    const request = shadow.forRequest(FACTS);
    let candidateEnded = false;
    const value = await request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', () =>
        never().finally(() => {
          candidateEnded = true;
        }),
      ),
      INFO,
    );
    expect(value).toBe(THING);
    expect(candidateEnded).toBe(false);
    request.responseSent();
    const [row] = await stored(shadow);
    expect(row).toMatchObject({ outcome: 'timeout' });
  });

  it('keeps the control when the candidate returns garbage, and names every differing path', async () => {
    const shadow = runner();
    const request = shadow.forRequest(FACTS);
    const value = await request.run(
      'Query.thing',
      'live',
      side('target', async () => THING),
      side('legacy', async () => ({ id: '1', n: 2 })),
      INFO,
    );
    request.responseSent();
    expect(value).toBe(THING);
    const [row] = await stored(shadow);
    expect(row).toMatchObject({ outcome: 'mismatched', control: 'target', stage: 'live' });
    expect(((row?.diffs ?? []) as Array<{ path: string }>).map((diff) => diff.path).sort()).toEqual([
      'thing.at',
      'thing.n',
      'thing.s',
    ]);
    expect(row?.diffs).toContainEqual({ path: 'thing.s', control: 'a', candidate: '(missing)' });
  });

  it('counts a comparator that throws as a mismatch, with its error', async () => {
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
    const [row] = await stored(shadow);
    expect(row).toMatchObject({
      outcome: 'mismatched',
      candidate_error: expect.stringMatching(/Int cannot represent/),
    });
  });

  it('gives the client the control error unchanged', async () => {
    const shadow = runner();
    const attempt = shadow.forRequest(FACTS).run(
      'Query.thing',
      'shadow',
      side('legacy', async () => {
        throw new Error('legacy down');
      }),
      side('target', async () => THING),
      INFO,
    );
    await expect(attempt).rejects.toThrow('legacy down');
  });

  it('skips a sample when the observation queue has no place left, counts it, and still answers', async () => {
    const shadow = runner();
    let held = 0;
    while (fixture.writer.reserve()) held += 1;
    let candidateRan = false;
    const request = shadow.forRequest(FACTS);
    const value = await request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', async () => {
        candidateRan = true;
        return THING;
      }),
      INFO,
    );
    request.responseSent();
    for (; held > 0; held--) fixture.writer.release();
    expect(value).toBe(THING);
    expect(candidateRan).toBe(false);
    expect(await stored(shadow)).toEqual([]);
    expect(
      await fixture.metrics.registry.getSingleMetricAsString('figway_shadow_samples_skipped_total'),
    ).toMatch(/unit="Query.thing",reason="queue_full"\} 1/);
  });

  it('skips samples past sixteen times maxInFlight comparisons in progress, and judges the rest', async () => {
    const shadow = runner({ timeoutMs: 50 }, { maxInFlight: 1, maxWaitMs: 50 });
    const answers = await Promise.all(
      Array.from({ length: 17 }, () =>
        shadow.forRequest(FACTS).run(
          'Query.thing',
          'shadow',
          side('legacy', async () => THING),
          side('target', never),
          INFO,
        ),
      ),
    );
    expect(answers.every((answer) => answer === THING)).toBe(true);
    expect(shadow.inFlight).toBe(16);
    const rows = await stored(shadow);
    expect(rows.map((row) => row.outcome)).toEqual(Array(16).fill('timeout'));
    expect(
      await fixture.metrics.registry.getSingleMetricAsString('figway_shadow_samples_skipped_total'),
    ).toMatch(/unit="Query.thing",reason="backlog"\} 1/);
  });

  it('samples nothing at sample rate 0', async () => {
    const shadow = runner({ sampleRate: 0 });
    let candidateRan = false;
    await shadow.forRequest(FACTS).run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', async () => {
        candidateRan = true;
        return THING;
      }),
      INFO,
    );
    expect(candidateRan).toBe(false);
    expect(await stored(shadow)).toEqual([]);
  });

  it('ignores configured paths and nothing else', async () => {
    const shadow = runner({ ignore: ['thing.s'] });
    for (const candidate of [
      { ...THING, s: 'b' },
      { ...THING, s: 'b', n: 9 },
    ]) {
      const request = shadow.forRequest(FACTS);
      await request.run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        side('target', async () => candidate),
        INFO,
      );
      request.responseSent();
    }
    const rows = await stored(shadow);
    expect(rows.map((row) => row.outcome)).toEqual(['matched', 'mismatched']);
    expect(rows[1]?.diffs).toEqual([{ path: 'thing.n', control: 1, candidate: 9 }]);
  });

  it('reports differences only on paths where the control disagrees with itself as noise', async () => {
    const shadow = runner({ noiseSampleRate: 1 });
    let reads = 0;
    const control = side('legacy', async () => ({ ...THING, at: `2026-01-01T00:00:0${reads++}.000Z` }));
    for (const candidate of [
      { ...THING, at: '2026-01-02T00:00:00.000Z' },
      { ...THING, at: '2026-01-02T00:00:00.000Z', n: 5 },
    ]) {
      const request = shadow.forRequest(FACTS);
      await request.run(
        'Query.thing',
        'shadow',
        control,
        side('target', async () => candidate),
        INFO,
      );
      request.responseSent();
      await shadow.idle();
    }
    expect((await stored(shadow)).map((row) => row.outcome)).toEqual(['noise', 'mismatched']);
  });

  it('re-checks a mismatch once after the lag delay with a fresh read', async () => {
    const shadow = runner({ recheckAfterMs: 20 });
    const request = shadow.forRequest(FACTS);
    await request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', async (round) => (round > 0 ? THING : { ...THING, n: 0 })),
      INFO,
    );
    request.responseSent();
    expect((await stored(shadow)).map((row) => row.outcome)).toEqual(['matched']);
  });

  it('never blocks a request when the observation store is down, and stores the observation when it is back', async () => {
    const store = fixture.db;
    let down = true;
    const shadow = runner(
      {},
      {},
      {
        query: (text, values) => (down ? Promise.reject(new Error('store down')) : store.query(text, values)),
      },
    );
    const request = shadow.forRequest(FACTS);
    expect(
      await request.run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        side('target', async () => THING),
        INFO,
      ),
    ).toBe(THING);
    request.responseSent();
    await shadow.idle();
    expect(fixture.writer.queued).toBe(1);
    down = false;
    const rows = await eventually(
      () => store.query('select outcome from observations.observations'),
      (found) => found.length > 0,
      10_000,
    );
    expect(rows).toEqual([{ outcome: 'matched' }]);
    expect(
      await fixture.metrics.registry.getSingleMetricAsString('figway_shadow_observations_lost_total'),
    ).not.toMatch(/\} [1-9]/);
  });
});
