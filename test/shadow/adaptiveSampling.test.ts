// The backends' service times: how long a read takes, not a wait of the test for anything.
import { setTimeout as serviceTime } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../harness/seededRandom.ts';
import { buildShadowReport } from '../../src/reports/buildShadowReport.ts';
import { FACTS, INFO, side, THING, useShadowRunner } from './shadowRunnerFixture.ts';

// A candidate backend that serves one read at a time, each taking `serviceMs`: it
// saturates as soon as reads come faster than it serves them.
function saturatedBackend(serviceMs: number) {
  let queue = Promise.resolve();
  return <T>(answer: T): Promise<T> => {
    const served = queue.then(() => serviceTime(serviceMs).then(() => answer));
    queue = served.then(() => undefined);
    return served;
  };
}

async function metricTotal(text: string, filter: RegExp = /./): Promise<number> {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#') && filter.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('adaptive sampling under a saturated candidate', () => {
  const fixture = useShadowRunner();

  it('lowers the effective rate, stores every accepted observation, and keeps the weighted rates true', async () => {
    const shadow = fixture.runner({ timeoutMs: 60_000 }, { maxInFlight: 32, random: seededRandom(7) });
    const candidate = saturatedBackend(2);
    const since = new Date(Date.now() - 1000);
    let sent = 0;
    let mismatched = 0;

    // One client's request at a time; the candidate differs on every other request when `differ` says so.
    async function client(requests: number, differ: boolean) {
      for (let index = 0; index < requests; index++) {
        const wrong = differ && (sent + index) % 2 === 0;
        const request = shadow.forRequest(FACTS);
        await request.run(
          'Query.thing',
          'shadow',
          side('legacy', () => serviceTime(3).then(() => THING)),
          side('target', () => candidate(wrong ? { ...THING, n: 2 } : THING)),
          INFO,
        );
        request.responseSent();
        if (wrong) mismatched += 1;
      }
    }

    // Calm: one client, slower than the candidate serves; every request is compared.
    await client(300, false);
    sent += 300;
    // Busy: sixteen clients, far faster than the candidate; half the candidates differ.
    await Promise.all(Array.from({ length: 16 }, (_, at) => client(250, true).then(() => at)));
    sent += 4000;
    await shadow.idle();
    await fixture.writer.flush();

    const rows = await fixture.db.query<{ outcome: string; sample_rate: number }>(
      'select outcome, sample_rate from observations.observations',
    );
    const metrics = fixture.metrics.registry;
    const recorded = await metricTotal(
      await metrics.getSingleMetricAsString('figway_shadow_observations_total'),
    );
    const skipped = await metrics.getSingleMetricAsString('figway_shadow_samples_skipped_total');
    const lost = await metricTotal(
      await metrics.getSingleMetricAsString('figway_shadow_observations_lost_total'),
    );

    // The rate fell while the candidate backed up...
    expect(Math.min(...rows.map((row) => row.sample_rate))).toBeLessThan(0.5);
    expect(await metricTotal(skipped, /reason="throttled"/)).toBeGreaterThan(0);
    // ...and every sample it took ran and was stored: none skipped for room, none lost.
    expect(await metricTotal(skipped, /reason="(queue_full|backlog)"/)).toBe(0);
    expect(lost).toBe(0);
    expect(rows).toHaveLength(recorded);

    // Weighted by 1/rate, the report estimates the whole traffic, not the calm part it sampled most.
    const [report] = (await buildShadowReport(fixture.db, { since, unit: 'Query.thing' })).units;
    const truth = mismatched / sent;
    expect(report?.mismatchRate).toBeGreaterThan(truth - 0.08);
    expect(report?.mismatchRate).toBeLessThan(truth + 0.08);
    expect(report?.comparisons).toBeGreaterThan(sent * 0.75);
    expect(report?.comparisons).toBeLessThan(sent * 1.25);
    expect(report?.effectiveSampleRate).toBeCloseTo(rows.length / (report?.comparisons ?? 1), 5);
  }, 60_000);
});
