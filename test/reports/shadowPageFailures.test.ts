import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import type { CandidateFailures, RateSeriesAnswer } from '../../src/reports/shadowReportTypes.ts';
import { observation, type StoredObservation } from './insertObservations.ts';
import { type OpenShadowPage, openShadowPage, runBrowserTests } from './openShadowPage.ts';
import { AMOUNT_ERRORS } from './shadowPageObservations.ts';

// What the shadow page shows of candidate failures: the errors and timeouts behind a
// verdict, grouped by message with weighted shares and listed to the observation, and their
// rates charted beside the mismatch rate over the time the observations cover.
const engine = (await testEngines()).at(-1);
const NOT_IN_TARGET = 'Commitment <uuid> is not in the target backend.';
const utc = (iso: string | null) => `${iso?.slice(0, 10)} ${iso?.slice(11, 16)} UTC`;

/** The answer the page got from the API route `route` (its last request there). */
async function answerOf<T>(shadow: OpenShadowPage | undefined, route: string): Promise<T> {
  const request = shadow?.requests.findLast(
    (sent) => new URL(sent.url()).pathname === `/admin/api/shadow/${route}`,
  );
  return (await (await request?.response())?.json()) as T;
}

async function failureRows(page: Page) {
  return page.getByTestId('failure-row').evaluateAll((nodes) =>
    nodes.map((node) => ({
      unit: node.getAttribute('data-failure-unit'),
      cohort: node.getAttribute('data-failure-cohort'),
      outcome: node.getAttribute('data-outcome'),
      message: node.querySelector('[data-testid="failure-group"]')?.textContent,
      samples: node.querySelector('[data-testid="failure-samples"]')?.textContent,
      share: node.querySelector('[data-testid="failure-rate"]')?.textContent,
    })),
  );
}

/** The y of each point of `unit`'s line on the chart `testId`, and the y of 0%. */
async function lineOf(page: Page, testId: string, unit: string) {
  const chart = page.getByTestId(testId);
  const points = (await chart.locator(`polyline[data-unit="${unit}"]`).getAttribute('points')) ?? '';
  const ys = points.split(' ').map((point) => Number(point.split(',')[1]));
  const zero = Math.max(
    ...(await chart
      .locator('line.grid')
      .evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute('y1'))))),
  );
  return { ys, zero, xs: points.split(' ').map((point) => Number(point.split(',')[0])) };
}

describe.runIf(runBrowserTests)('the shadow page in Chromium, on candidate errors and timeouts', () => {
  let shadow: OpenShadowPage | undefined;
  let page: Page;

  beforeAll(async () => {
    shadow = await openShadowPage(engine);
    ({ page } = shadow);
  });

  afterAll(async () => {
    await shadow?.close();
  });

  it('lists the candidate errors and timeouts by message, with the weighted share the API gives', async () => {
    const staff = { unit: 'Commitment.amount', cohort: 'staff' };
    expect(await failureRows(page)).toEqual([
      { ...staff, outcome: 'candidate_error', message: AMOUNT_ERRORS[0]?.key, samples: '4', share: '4.35%' },
      { ...staff, outcome: 'candidate_error', message: AMOUNT_ERRORS[1]?.key, samples: '3', share: '3.26%' },
      { ...staff, outcome: 'timeout', message: '(no message)', samples: '2', share: '2.17%' },
    ]);
    const failures = await answerOf<CandidateFailures>(shadow, 'failures');
    expect(failures.groups.map(({ message, samples, rate }) => ({ message, samples, rate }))).toEqual([
      { message: AMOUNT_ERRORS[0]?.key, samples: 4, rate: 4 / 92 },
      { message: NOT_IN_TARGET, samples: 3, rate: 3 / 92 },
      { message: '(no message)', samples: 2, rate: 2 / 92 },
    ]);
    // The shares add up to the row's candidate-error rate in the report table (7.61%).
    const amount = page.locator('tr.unit-row[data-unit="Commitment.amount"]');
    await expect(amount.textContent()).resolves.toContain('7.61%');
    await expect(page.getByTestId('failures-note').textContent()).resolves.toMatch(
      /uuids <uuid>, words holding both letters and digits <id>, other numbers <n>.*weighted by 1\/sample rate/s,
    );
    await expect(page.getByTestId('failure-example').textContent()).resolves.toMatch(
      /^e\.g\. #\d+: Commitment 5f0c2a9e-41d7-4c3b-9a51-000000000007 is not in the target backend\.$/,
    );
  });

  it("lists a group's observations with the message each recorded, and shows one", async () => {
    await page.getByTestId('failure-group').nth(1).click();
    const items = page.getByTestId('observation-item');
    await expect.poll(() => items.count()).toBe(3);
    const texts = await items.allTextContents();
    expect(texts.map((text) => /candidate error: (.*)$/.exec(text)?.[1])).toEqual(
      [7, 6, 4].map(
        (hour) => `Commitment 5f0c2a9e-41d7-4c3b-9a51-00000000000${hour} is not in the target backend.`,
      ),
    );
    await expect(page.locator('#drill-heading').textContent()).resolves.toBe(
      'Candidate errors of Commitment.amount for cohort staff',
    );
    await expect(page.getByTestId('drill-message').textContent()).resolves.toBe(NOT_IN_TARGET);
    const asked = shadow?.requests
      .map((request) => new URL(request.url()))
      .findLast((url) => url.pathname === '/admin/api/shadow/observations');
    expect(Object.fromEntries(asked?.searchParams ?? [])).toMatchObject({
      unit: 'Commitment.amount',
      cohort: 'staff',
      outcome: 'candidate_error',
      message: NOT_IN_TARGET,
      since: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    await items.first().locator('button').click();
    const meta = page.locator('#diff-meta');
    await expect
      .poll(() => meta.textContent())
      .toContain(
        'Candidate errorCommitment 5f0c2a9e-41d7-4c3b-9a51-000000000007 is not in the target backend.',
      );
    await expect(meta.textContent()).resolves.toContain('Outcomecandidate_error');
  });

  it('lists the timeouts, which hold no message, as a group of their own', async () => {
    await page.getByTestId('failure-group').nth(2).click();
    const items = page.getByTestId('observation-item');
    await expect
      .poll(() => items.allTextContents())
      .toEqual([expect.stringMatching(/timed out$/), expect.stringMatching(/timed out$/)]);
    await expect(page.locator('#drill-heading').textContent()).resolves.toBe(
      'Timeouts of Commitment.amount for cohort staff',
    );
  });

  it('charts the candidate-error and timeout rates beside the mismatch rate', async () => {
    // Commitment.amount failed once in 4 at the hours 0 to 7 (errors; no hour 5) and 8 to 9 (timeouts).
    const errors = await lineOf(page, 'candidate-error-chart', 'Commitment.amount');
    expect(errors.ys.map((y) => y < errors.zero)).toEqual(errors.ys.map((_, index) => index < 7));
    const timeouts = await lineOf(page, 'timeout-chart', 'Commitment.amount');
    expect(timeouts.ys.map((y) => y < timeouts.zero)).toEqual(
      timeouts.ys.map((_, index) => index === 7 || index === 8),
    );
    const status = await lineOf(page, 'candidate-error-chart', 'Commitment.status');
    expect(status.ys.every((y) => y === status.zero)).toBe(true);
    await expect(page.locator('figcaption').allTextContents()).resolves.toEqual([
      'Mismatch rate',
      'Candidate error rate',
      'Timeout rate',
    ]);
  });

  it('charts the span the observations cover, not the whole period', async () => {
    const rates = await answerOf<RateSeriesAnswer>(shadow, 'rates');
    // The first observations were made half an hour after the page's `since` (within the
    // seconds between filling the store and opening the page), the last half an hour ago.
    const [since, from, to] = [rates.since, rates.from, rates.to].map((iso) => Date.parse(iso ?? ''));
    const first = (since ?? 0) + 1_800_000;
    expect(rates.bucketMs).toBe(1_800_000);
    expect((from ?? 1) % rates.bucketMs).toBe(0);
    expect(from).toBeLessThanOrEqual(first);
    expect(first - (from ?? 0)).toBeLessThan(rates.bucketMs + 60_000);
    expect((to ?? 0) - (from ?? 0)).toBeLessThanOrEqual(24 * 3_600_000);
    await expect(page.getByTestId('chart-note').textContent()).resolves.toBe(
      `From ${utc(rates.from)} to ${utc(rates.to)}, the span the observations of the period cover, ` +
        'in buckets of 30 minutes; rates weighted by 1/sample rate.',
    );
  });

  it('logged no console error and threw no page error', () => {
    expect(shadow?.problems).toEqual([]);
  });
});

// The case the page was tried on: Commitment.status shadowed for beta for a few minutes,
// one comparison in five failing on a commitment the target does not hold (rollback).
function fewMinutes(now: number): StoredObservation[] {
  return Array.from({ length: 150 }, (_, index) => {
    const at = new Date(now - 300_000 + index * 2000);
    if (index % 5 !== 0) return observation(at);
    const id = `5f0c2a9e-41d7-4c3b-9a51-${String(index).padStart(12, '0')}`;
    return observation(at, {
      outcome: 'candidate_error',
      candidateError: `Commitment ${id} is not in the target backend.`,
    });
  });
}

describe.runIf(runBrowserTests)(
  'the shadow page in Chromium, on a few minutes of failing shadow reads',
  () => {
    let shadow: OpenShadowPage | undefined;
    let page: Page;

    beforeAll(async () => {
      shadow = await openShadowPage(engine, {
        observations: fewMinutes,
        viewport: { width: 800, height: 900 },
      });
      ({ page } = shadow);
    });

    afterAll(async () => {
      await shadow?.close();
    });

    it('lists the candidate error behind the rollback', async () => {
      await expect(page.getByTestId('verdict').textContent()).resolves.toBe('rollback');
      expect(await failureRows(page)).toEqual([
        {
          unit: 'Commitment.status',
          cohort: 'beta',
          outcome: 'candidate_error',
          message: NOT_IN_TARGET,
          samples: '30',
          share: '20.00%',
        },
      ]);
      const { scrollWidth, clientWidth } = await page.evaluate(() => {
        const { documentElement } = (
          globalThis as unknown as {
            document: { documentElement: { scrollWidth: number; clientWidth: number } };
          }
        ).document;
        return { scrollWidth: documentElement.scrollWidth, clientWidth: documentElement.clientWidth };
      });
      expect(clientWidth).toBe(800);
      expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    });

    it('charts those minutes in buckets of seconds', async () => {
      const rates = await answerOf<RateSeriesAnswer>(shadow, 'rates');
      expect(rates.bucketMs).toBeLessThanOrEqual(10_000);
      await expect(page.getByTestId('chart-note').textContent()).resolves.toMatch(
        /in buckets of (5|10) seconds;/,
      );
      const errors = await lineOf(page, 'candidate-error-chart', 'Commitment.status');
      expect(errors.ys.length).toBeGreaterThanOrEqual(30);
      // The points spread over the chart's width, not in one dot at its edge.
      expect(Math.max(...errors.xs) - Math.min(...errors.xs)).toBeGreaterThan(300);
      // Ticks enough to read the time by, none written over its neighbour.
      const ticks = await page
        .locator('[data-testid="mismatch-chart"] text.tick')
        .evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect()));
      expect(ticks.length).toBeGreaterThanOrEqual(4);
      expect(ticks.length).toBeLessThanOrEqual(6);
      for (const [index, tick] of ticks.slice(1).entries())
        expect(tick.left).toBeGreaterThan(ticks[index]?.right ?? Number.POSITIVE_INFINITY);
    });

    it('logged no console error and threw no page error', () => {
      expect(shadow?.problems).toEqual([]);
    });
  },
);
