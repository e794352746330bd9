import { execFileSync } from 'node:child_process';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { renderShadowPage } from '../../src/reports/shadowPage.ts';
import { SHADOW_PAGE_ASSETS_PATH } from '../../src/reports/shadowPageAssets.ts';
import type { ShadowReport } from '../../src/reports/shadowReportTypes.ts';
import type { ShadowAdminGateway } from '../support/shadowAdminGateway.ts';
import { type OpenShadowPage, openShadowPage, runBrowserTests } from './openShadowPage.ts';
import { EXPECTED_VERDICTS, LAST_HOUR_ROWS, XSS_IMAGE, XSS_VALUE } from './shadowPageObservations.ts';

describe('renderShadowPage', () => {
  it('escapes the title and puts the nonce on the module script and the stylesheet', () => {
    const html = renderShadowPage({ title: '<b>Shadow</b> & co', nonce: 'bm9uY2U=' });
    expect(html).toContain('<title>&lt;b&gt;Shadow&lt;/b&gt; &amp; co</title>');
    expect(html).toContain(`<script type="module" nonce="bm9uY2U=" src="${SHADOW_PAGE_ASSETS_PATH}main.js">`);
    expect(html).toContain(`<link rel="stylesheet" nonce="bm9uY2U=" href="${SHADOW_PAGE_ASSETS_PATH}`);
  });

  it('loads code and style only from its own assets, and has no inline script, style or handler', () => {
    const html = renderShadowPage({});
    const sources = [
      ...html.matchAll(/<(?:script|link rel="stylesheet")\s[^>]*?(?:src|href)="([^"]*)"/g),
    ].map((match) => match[1]);
    expect(sources).toEqual([
      `${SHADOW_PAGE_ASSETS_PATH}shadowPage.css`,
      `${SHADOW_PAGE_ASSETS_PATH}shadowPageDetails.css`,
      `${SHADOW_PAGE_ASSETS_PATH}main.js`,
    ]);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)|<style|\son[a-z]+=|\sstyle=|https?:\/\//);
  });

  it('refuses a nonce that is not base64', () => {
    expect(() => renderShadowPage({ nonce: '"><script>' })).toThrow(/nonce must be base64/);
  });
});

const engine = (await testEngines()).at(-1);

describe.runIf(runBrowserTests)('the shadow page in Chromium', () => {
  let shadow: OpenShadowPage | undefined;
  let context: BrowserContext;
  let page: Page;
  let gateway: ShadowAdminGateway;
  let token: string;
  let detailId: number;
  let pageId: number;
  const requests = () => shadow?.requests ?? [];
  const apiRequests = () =>
    requests()
      .map((request) => new URL(request.url()))
      .filter((url) => url.pathname.startsWith('/admin/api/'));

  beforeAll(async () => {
    shadow = await openShadowPage(engine);
    ({ context, page, gateway, token, detailId, pageId } = shadow);
  });

  afterAll(async () => {
    await shadow?.close();
  });

  it('loads its modules and stylesheet from the gateway, without the token in any URL or referrer', async () => {
    const assets = requests().filter((request) =>
      new URL(request.url()).pathname.startsWith(SHADOW_PAGE_ASSETS_PATH),
    );
    const names = assets.map((request) =>
      new URL(request.url()).pathname.slice(SHADOW_PAGE_ASSETS_PATH.length),
    );
    expect(names).toEqual(
      expect.arrayContaining(['main.js', 'shadowPage.css', 'shadowPageDetails.css', 'renderRateCharts.js']),
    );
    for (const request of assets) {
      expect(await request.response().then((response) => response?.status())).toBe(200);
      expect(request.url()).not.toContain(token);
      expect(await request.allHeaders()).not.toHaveProperty('referer');
    }
    expect(requests().every((request) => request.url().startsWith(`${gateway.origin}/`))).toBe(true);
    // The stylesheet applied (the CSP let it in): badges are pills.
    const radius = await page
      .getByTestId('verdict')
      .first()
      .evaluate(
        (node) =>
          (
            globalThis as unknown as { getComputedStyle(node: unknown): { borderRadius: string } }
          ).getComputedStyle(node).borderRadius,
      );
    expect(radius).toBe('999px');
  });

  it('lists a row per unit and cohort with the verdict and reason the API reports', async () => {
    const rows = await page.getByTestId('unit-row').evaluateAll((nodes) =>
      nodes.map((node) => ({
        unit: node.getAttribute('data-unit'),
        cohort: node.getAttribute('data-cohort'),
        verdict: node.querySelector('[data-testid="verdict"]')?.textContent,
        reason: node.querySelector('[data-testid="verdict-reason"]')?.textContent,
      })),
    );
    const answer = await fetch(`${gateway.origin}/admin/api/shadow/report?since=24h`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const report = (await answer.json()) as ShadowReport;
    expect(rows).toEqual(
      report.units.map(({ unit, cohort, verdict, reason }) => ({ unit, cohort, verdict, reason })),
    );
    expect(rows.map(({ unit, cohort, verdict }) => ({ unit, cohort, verdict }))).toEqual(EXPECTED_VERDICTS);
    // 2.25 weighted mismatches (one sampled at 80%) of 253.25 comparisons; the dropped rows left out.
    expect(rows[1]?.reason).toMatch(/mismatch rate is 0\.888% over 253 samples/);
    const statusRow = page.locator('[data-unit="Commitment.status"][data-cohort="beta"]');
    await expect(statusRow.getByTestId('samples').textContent()).resolves.toBe('253');
    await expect(statusRow.textContent()).resolves.not.toContain('dropped');
    await expect(statusRow.textContent()).resolves.toContain('0.888%');
    await expect(statusRow.textContent()).resolves.toContain('11.8 ms / 19.5 ms');
    await expect(statusRow.textContent()).resolves.toContain('commitment.status ×1');
    await expect(statusRow.textContent()).resolves.toContain('commitments[*].status ×1');
  });

  it('draws one line per unit with a legend entry each', async () => {
    const chart = page.getByTestId('mismatch-chart');
    const polylines = await chart.locator('polyline').evaluateAll((nodes) =>
      nodes.map((node) => ({
        unit: node.getAttribute('data-unit'),
        points: node.getAttribute('points') ?? '',
      })),
    );
    const lines = polylines.map(({ unit, points }) => ({
      unit,
      ys: points.split(' ').map((point: string) => Number(point.split(',')[1])),
    }));
    // A point per hour of the fixture that has samples (EMPTY_HOUR has none, so no rate), each
    // in its own half-hour bucket of the 23 hours the observations cover.
    expect(lines.map(({ unit, ys }) => ({ unit, points: ys.length }))).toEqual([
      { unit: 'Commitment.amount', points: 23 },
      { unit: 'Commitment.status', points: 23 },
      { unit: 'Query.commitment', points: 23 },
    ]);
    // Commitment.status mismatched in the last two hours only: those two points rise above 0%.
    const status: number[] = lines[1]?.ys ?? [];
    const zero = Math.max(...status);
    expect(status.map((y) => y < zero)).toEqual(status.map((_, index) => index >= 21));
    await expect(page.getByTestId('chart-legend').textContent()).resolves.toBe(
      'Commitment.amountCommitment.statusQuery.commitment',
    );
    await expect(chart.textContent()).resolves.toContain('mismatch rate');
  });

  it('shows the diff of a clicked observation with a curl that forces the candidate', async () => {
    await page.locator('[data-unit="Commitment.status"][data-cohort="beta"]').click();
    const items = page.getByTestId('observation-item');
    await expect.poll(() => items.count()).toBe(2);
    await expect(
      items.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-observation-id'))),
    ).resolves.toEqual([String(pageId), String(detailId)]);
    expect(apiRequests().some((url) => url.searchParams.get('outcome') === 'mismatched')).toBe(true);
    await page.locator(`[data-observation-id="${detailId}"] button`).click();
    const diff = page.getByTestId('diff-view');
    await diff.locator('[data-path="commitment.status"]').waitFor();
    await expect(diff.getByTestId('control-value').textContent()).resolves.toBe('"ACTIVE"');
    await expect(diff.getByTestId('candidate-value').textContent()).resolves.toBe('"PENDING_REVIEW"');
    await expect(diff.textContent()).resolves.toMatch(/control 12\.4 ms · candidate 31\.9 ms/);
    await expect(diff.textContent()).resolves.toContain('connect-web 4.2.0');
    const curl = (await diff.getByTestId('curl-command').textContent()) ?? '';
    expect(curl).toContain("-H 'x-figway-stage: Commitment.status=live'");
    expect(curl).toContain('-H "Authorization: Bearer $ADMIN_TOKEN"');
  });

  it('writes a curl command that a shell turns into the observed operation', async () => {
    await page.locator('[data-unit="Commitment.status"][data-cohort="beta"]').click();
    await page.locator(`[data-observation-id="${pageId}"] button`).click();
    const curl = page.getByTestId('curl-command');
    await expect.poll(() => curl.textContent()).toContain('=shadow');
    const args = execFileSync(
      'bash',
      ['-c', `curl() { printf '%s\\0' "$@"; }\n${await curl.textContent()}`],
      {
        env: { PATH: process.env.PATH, ADMIN_TOKEN: 'the-admin-token' },
      },
    )
      .toString()
      .split('\0');
    expect(args).toContain(`${gateway.origin}/graphql`);
    expect(args).toContain('Authorization: Bearer the-admin-token');
    // control was the target, so the candidate is legacy: force the stage legacy serves.
    expect(args).toContain('x-figway-stage: Commitment.status=shadow');
    expect(JSON.parse(args[args.indexOf('--data-raw') + 1] ?? '')).toEqual({
      query: 'query CommitmentsPage { commitments(first: 3, search: "bob\'s") { id status note } }',
      variables: {},
      operationName: 'CommitmentsPage',
    });
  });

  it('shows a value containing <script> as text and never runs it', async () => {
    await page.locator('[data-unit="Commitment.status"][data-cohort="beta"]').click();
    await page.locator(`[data-observation-id="${pageId}"] button`).click();
    const row = page.locator('[data-testid="diff-row"][data-path="commitments[*].note"]');
    await row.waitFor();
    await expect(row.getByTestId('control-value').textContent()).resolves.toBe(JSON.stringify(XSS_VALUE));
    await expect(row.getByTestId('candidate-value').textContent()).resolves.toBe(JSON.stringify(XSS_IMAGE));
    await expect(page.getByTestId('diff-view').textContent()).resolves.toContain('<b>connect-ios</b>');
    await expect(page.locator('main script, main img, main b').count()).resolves.toBe(0);
    await expect(
      page.evaluate(() => (globalThis as { __figwayXss?: number }).__figwayXss),
    ).resolves.toBeUndefined();
  });

  it('copies the curl command to the clipboard', async () => {
    await page.locator('[data-unit="Commitment.status"][data-cohort="beta"]').click();
    await page.locator(`[data-observation-id="${detailId}"] button`).click();
    await expect.poll(() => page.getByTestId('curl-command').textContent()).toContain('=live');
    await page.getByTestId('copy-curl').click();
    await expect.poll(() => page.getByTestId('copy-curl').textContent()).toBe('Copied');
    // The test's tsconfig has no DOM types: this runs in the page, where navigator.clipboard exists.
    const copied = await page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    expect(copied).toBe(await page.getByTestId('curl-command').textContent());
  });

  it('asks the API for the chosen period and shows what it answers', async () => {
    const before = apiRequests().length;
    await page.getByTestId('since').selectOption('1h');
    const reportSince = () =>
      apiRequests()
        .slice(before)
        .find((url) => url.pathname === '/admin/api/shadow/report')
        ?.searchParams.get('since');
    await expect.poll(reportSince).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const ageMs = Date.now() - Date.parse(reportSince() ?? '');
    expect(ageMs).toBeGreaterThan(3_590_000);
    expect(ageMs).toBeLessThan(3_700_000);
    const shown = () =>
      page.getByTestId('unit-row').evaluateAll((nodes) =>
        nodes.map((node) => ({
          unit: node.getAttribute('data-unit'),
          cohort: node.getAttribute('data-cohort'),
        })),
      );
    await expect.poll(shown).toEqual(LAST_HOUR_ROWS);
    await page.getByTestId('since').selectOption('24h');
    await expect.poll(() => page.getByTestId('unit-row').count()).toBe(EXPECTED_VERDICTS.length);
  });

  it('logged no console error (no CSP violation either) and threw no page error', async () => {
    // Screenshot for people: FIGWAY_SHADOW_SCREENSHOT=/tmp/shadow-page.png npx vitest run test/reports
    const screenshot = process.env.FIGWAY_SHADOW_SCREENSHOT;
    if (screenshot !== undefined) await page.screenshot({ path: screenshot, fullPage: true });
    expect(shadow?.problems).toEqual([]);
  });

  it('shows the API refusal when the page was opened without the token the API needs', async () => {
    const other = await context.newPage();
    try {
      // Something authenticated the document alone (as a proxy adding the header might):
      // the page loads, but its API requests carry no token, and the real API refuses them.
      await other.route(`${gateway.origin}/admin/shadow`, (route) =>
        route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${token}` } }),
      );
      await other.goto(`${gateway.origin}/admin/shadow`);
      const error = other.getByTestId('error');
      await error.waitFor();
      await expect(error.textContent()).resolves.toMatch(/report answered 401: .*service_role.*\?token=/);
    } finally {
      await other.close();
    }
  });
});
