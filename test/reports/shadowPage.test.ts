import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDemoUser } from '../../src/backends/supabase/seed/demoUsers.ts';
import { renderShadowPage } from '../../src/reports/shadowPage.ts';
import { shadowPageScript } from '../../src/reports/shadowPageScript.ts';
import { createShadowPageRoutes } from '../../src/server/shadowPageRoutes.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { createBearerVerifier } from '../../src/server/verifyBearer.ts';
import { CHROMIUM, chromiumInstalled, launchChromium } from '../support/chromium.ts';
import {
  createShadowApiFake,
  type ListShape,
  type ShadowApiFake,
  UNIT_REPORTS,
  XSS_IMAGE,
  XSS_VALUE,
} from './shadowApiFake.ts';

const SECRET = 'a-test-secret-that-is-at-least-32-characters';
const browserInstalled = chromiumInstalled;
// Under CI a missing browser is a failure; on a developer's machine the browser part is skipped.
const browserRequired = process.env.CI === 'true';
if (!browserInstalled && !browserRequired) {
  console.warn(
    `Skipping the shadow page's browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium).`,
  );
}

interface PageServer {
  origin: string;
  api: ShadowApiFake;
  close(): Promise<void>;
}

/** The real page route next to the fake JSON API, on one loopback server. */
async function startPageServer(options: {
  development: boolean;
  apiToken: string | null;
  shape?: ListShape;
}): Promise<PageServer> {
  const pageRoutes = createShadowPageRoutes({
    development: options.development,
    verifyBearer: createBearerVerifier({ kind: 'secret', secret: SECRET }),
  });
  const api = createShadowApiFake({ token: options.apiToken, shape: options.shape ?? 'wrapped' });
  const server: Server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    (async () => {
      if ((await pageRoutes(request, response, pathname)) || (await api.routes(request, response, pathname)))
        return;
      response.writeHead(404).end();
    })().catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    api,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function adminToken() {
  const admin = findDemoUser('admin');
  if (admin === undefined) throw new Error('the demo data has no admin');
  return signSupabaseToken(admin, SECRET);
}

describe('renderShadowPage', () => {
  it('escapes the title and puts the nonce on the inline script and style', () => {
    const html = renderShadowPage({ title: '<b>Shadow</b> & co', nonce: 'bm9uY2U=' });
    expect(html).toContain('<title>&lt;b&gt;Shadow&lt;/b&gt; &amp; co</title>');
    expect(html).toContain('<script nonce="bm9uY2U=">');
    expect(html).toContain('<style nonce="bm9uY2U=">');
  });

  it('loads nothing from elsewhere and writes no data through innerHTML', () => {
    const html = renderShadowPage({});
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*stylesheet|https?:\/\/(?!www\.w3\.org)/);
    expect(html).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it('has a script that parses as JavaScript', () => {
    // Parses without running it, so a broken template shows up even where Chromium is missing.
    expect(() => new Function(shadowPageScript)).not.toThrow();
  });

  it('refuses a nonce that is not base64', () => {
    expect(() => renderShadowPage({ nonce: '"><script>' })).toThrow(/nonce must be base64/);
  });
});

describe.runIf(browserInstalled || browserRequired)('the shadow page in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let server: PageServer;
  let token: string;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!browserInstalled) {
      throw new Error(
        `No Chromium at ${CHROMIUM} under CI=true: .ci/run installs Debian's chromium package.`,
      );
    }
    token = await adminToken();
    // The page route outside development: the page itself needs the ?token= it passes on.
    server = await startPageServer({ development: false, apiToken: token });
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1440, height: 1000 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    await page.goto(`${server.origin}/admin/shadow?token=${encodeURIComponent(token)}`);
    await page.waitForSelector('body[data-loaded="true"]');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists a row per unit and cohort with its verdict badge and reason', async () => {
    const rows = await page.getByTestId('unit-row').evaluateAll((nodes) =>
      nodes.map((node) => ({
        unit: node.getAttribute('data-unit'),
        cohort: node.getAttribute('data-cohort'),
        verdict: node.querySelector('[data-testid="verdict"]')?.textContent,
        reason: node.querySelector('[data-testid="verdict-reason"]')?.textContent,
      })),
    );
    expect(rows).toEqual(
      UNIT_REPORTS.map(({ unit, cohort, verdict, reason }) => ({ unit, cohort, verdict, reason })),
    );
    const statusRow = page.locator('[data-unit="Commitment.status"][data-cohort="beta"]');
    await expect(statusRow.textContent()).resolves.toContain('0.726%');
    await expect(statusRow.textContent()).resolves.toContain('11.8 ms / 19.5 ms');
  });

  it('draws one line per unit with a legend entry each', async () => {
    const chart = page.getByTestId('mismatch-chart');
    const lines = await chart.locator('polyline').evaluateAll((nodes) =>
      nodes.map((node) => ({
        unit: node.getAttribute('data-unit'),
        points: (node.getAttribute('points') ?? '').split(' ').length,
      })),
    );
    // 24 buckets, one of them without samples and so without a rate.
    expect(lines).toEqual([
      { unit: 'Commitment.amount', points: 23 },
      { unit: 'Commitment.status', points: 23 },
      { unit: 'Query.commitment', points: 23 },
    ]);
    await expect(page.getByTestId('chart-legend').textContent()).resolves.toBe(
      'Commitment.amountCommitment.statusQuery.commitment',
    );
    await expect(chart.textContent()).resolves.toContain('mismatch rate');
  });

  it('shows the diff of a clicked observation with a curl that forces the candidate', async () => {
    await page.locator('[data-unit="Commitment.status"][data-cohort="beta"]').click();
    const items = page.getByTestId('observation-item');
    await expect.poll(() => items.count()).toBe(2);
    expect(server.api.requests.some((url) => url.search.includes('outcome=mismatched'))).toBe(true);
    await page.locator('[data-observation-id="4107"] button').click();
    const diff = page.getByTestId('diff-view');
    await diff.locator('[data-path="commitment.status"]').waitFor();
    await expect(diff.getByTestId('control-value').textContent()).resolves.toBe('"ACTIVE"');
    await expect(diff.getByTestId('candidate-value').textContent()).resolves.toBe('"PENDING_REVIEW"');
    await expect(diff.textContent()).resolves.toMatch(/control 12\.4 ms · candidate 31\.9 ms/);
    const curl = (await diff.getByTestId('curl-command').textContent()) ?? '';
    expect(curl).toContain("-H 'x-figway-stage: Commitment.status=live'");
    expect(curl).toContain('-H "Authorization: Bearer $ADMIN_TOKEN"');
  });

  it('writes a curl command that a shell turns into the observed operation', async () => {
    await page.locator('[data-unit="Commitment.status"][data-cohort="beta"]').click();
    await page.locator('[data-observation-id="4112"] button').click();
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
    expect(args).toContain(`${server.origin}/graphql`);
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
    await page.locator('[data-observation-id="4112"] button').click();
    const row = page.locator('[data-testid="diff-row"][data-path="commitments.2.note"]');
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
    await page.locator('[data-observation-id="4107"] button').click();
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

  it('asks the API for the chosen period', async () => {
    const before = server.api.requests.length;
    await page.getByTestId('since').selectOption('1h');
    const reportSince = () =>
      server.api.requests
        .slice(before)
        .find((url) => url.pathname === '/admin/api/shadow/report')
        ?.searchParams.get('since');
    await expect.poll(reportSince).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const ageMs = Date.now() - Date.parse(reportSince() ?? '');
    expect(ageMs).toBeGreaterThan(3_590_000);
    expect(ageMs).toBeLessThan(3_700_000);
    await expect.poll(() => page.getByTestId('unit-row').count()).toBe(UNIT_REPORTS.length);
    await page.getByTestId('since').selectOption('24h');
  });

  it('logged no console error and threw no page error', async () => {
    // Screenshot for people: FIGWAY_SHADOW_SCREENSHOT=/tmp/shadow-page.png npx vitest run test/reports
    const screenshot = process.env.FIGWAY_SHADOW_SCREENSHOT;
    if (screenshot !== undefined) await page.screenshot({ path: screenshot, fullPage: true });
    expect(problems).toEqual([]);
  });

  it('shows the API refusal when the page was opened without the token the API needs', async () => {
    const development = await startPageServer({ development: true, apiToken: token });
    try {
      const other = await context.newPage();
      await other.goto(`${development.origin}/admin/shadow`);
      const error = other.getByTestId('error');
      await error.waitFor();
      await expect(error.textContent()).resolves.toMatch(/answered 401.*\?token=/);
      await other.close();
    } finally {
      await development.close();
    }
  });

  it('reads the list endpoints when they answer bare arrays', async () => {
    const bare = await startPageServer({ development: true, apiToken: null, shape: 'bare' });
    try {
      const other = await context.newPage();
      await other.goto(`${bare.origin}/admin/shadow`);
      await other.waitForSelector('body[data-loaded="true"]');
      await expect(other.locator('[data-testid="mismatch-chart"] polyline').count()).resolves.toBe(3);
      await other.locator('[data-unit="Commitment.status"][data-cohort="beta"]').click();
      await expect.poll(() => other.getByTestId('observation-item').count()).toBe(2);
      await other.close();
    } finally {
      await bare.close();
    }
  });
});
