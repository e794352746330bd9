import { rm } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumInstalled, launchChromium } from '../support/chromium.ts';
import { freshDataDir } from '../support/dataDir.ts';
import { figway, type ServeProcess, startServe } from '../support/figwayProcess.ts';

// Under CI a missing browser is a failure, not a skip.
const browserReady = chromiumInstalled || process.env.CI === 'true';
// Alice (beta), bob and carol are parties to it; ACTIVE in legacy and, after the backfill, in the ledger.
const SHARED = 'c0000000-0000-4000-8000-000000000003';

async function ask(url: string, token: string, query: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'apollographql-client-name': 'connect-web',
    },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

const FLAGS_RELOADED = 'flags file changed: new stages in effect';

describe.runIf(browserReady)('a shadow mismatch from the embedded default to the report and the page', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let gateway: ServeProcess;
  let browser: Browser;
  beforeAll(async () => {
    dataDir = await freshDataDir('figway-shadow-');
    env = { FIGWAY_DATA_DIR: dataDir };
    gateway = await startServe(env);
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    if (gateway?.child.exitCode === null) await gateway.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves legacy to alice while the ledger disagrees, and reports and shows the mismatch', async () => {
    const token = async (user: string) => (await figway(['token', user], env)).stdout.trim();
    // At complete a status change goes to the ledger only (nothing is copied back): the sides now disagree.
    // (Bob is its PARTICIPANT; carol, its WITNESS, may not change its status.)
    // Each change is awaited until the gateway says it reloaded the flags file.
    for (const change of [
      ['Mutation.updateCommitmentStatus', 'complete'],
      ['Commitment.status', 'shadow', '--cohort', 'beta'],
    ]) {
      const reloaded = gateway.nextLog(FLAGS_RELOADED);
      expect((await figway(['flags', 'set', ...change], env)).code).toBe(0);
      await reloaded;
    }
    const changed = await ask(
      gateway.url,
      await token('bob'),
      `mutation { updateCommitmentStatus(id: "${SHARED}", status: FULFILLED) { id } }`,
    );
    expect(changed).toEqual({
      data: { updateCommitmentStatus: { id: SHARED } },
      extensions: expect.anything(),
    });

    const alice = await ask(
      gateway.url,
      await token('alice'),
      `query CommitmentDetail { commitment(id: "${SHARED}") { title status } }`,
    );
    expect(alice.data).toEqual({ commitment: { title: 'Loan for the market stall', status: 'ACTIVE' } });

    let units: Array<{
      unit: string;
      cohort: string;
      mismatched: number;
      topPaths: Array<{ path: string }>;
    }> = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const report = await figway(['report', '--json', '--since', '1h'], env);
      units = (JSON.parse(report.stdout) as { units: typeof units }).units;
      if (units.some((unit) => unit.mismatched > 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const status = units.find((unit) => unit.unit === 'Commitment.status' && unit.cohort === 'beta');
    expect(status).toMatchObject({ mismatched: 1, topPaths: [{ path: 'commitment.status' }] });
    const text = await figway(['report', '--unit', 'Commitment.status'], env);
    expect(text.stdout).toMatch(/Commitment\.status/);
    expect(text.stdout).toMatch(/commitment\.status/);

    const page = await browser.newPage();
    try {
      await page.goto(gateway.url.replace('/graphql', '/admin/shadow'));
      const row = page.locator('[data-unit="Commitment.status"][data-cohort="beta"]');
      await row.waitFor();
      await row.click();
      await page.getByTestId('observation-item').first().locator('button').click();
      const diff = page.locator('[data-testid="diff-row"][data-path="commitment.status"]');
      await diff.waitFor();
      await expect(diff.getByTestId('control-value').textContent()).resolves.toBe('"ACTIVE"');
      await expect(diff.getByTestId('candidate-value').textContent()).resolves.toBe('"FULFILLED"');
      await expect(page.getByTestId('curl-command').textContent()).resolves.toContain(
        'x-figway-stage: Commitment.status=live',
      );
    } finally {
      await page.close();
    }
  }, 90_000);
});
