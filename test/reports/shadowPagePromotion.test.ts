import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import type { PromotionCheck } from '../../src/reports/promotionCheck.ts';
import type { ShadowAdminGateway } from '../support/shadowAdminGateway.ts';
import { flagsWith } from '../support/stageFlags.ts';
import { type OpenShadowPage, openShadowPage, runBrowserTests } from './openShadowPage.ts';

// The shadow page marks what `figway flags check` lists: rules at live or later whose
// verdict is not ready. In the fixture, Commitment.status is `hold` for beta and general,
// Query.commitment `ready` for beta, and Query.me has no observations at all.
const engine = (await testEngines()).at(-1);

describe.runIf(runBrowserTests)('the shadow page in Chromium, on units moved without evidence', () => {
  let shadow: OpenShadowPage | undefined;
  let page: Page;
  let gateway: ShadowAdminGateway;
  let token: string;

  beforeAll(async () => {
    const flags = await flagsWith({
      'Commitment.status': [{ selector: { kind: 'cohort', cohort: 'beta' }, stage: 'live' }],
      'Query.commitment': [{ selector: { kind: 'cohort', cohort: 'beta' }, stage: 'live' }],
      'Query.me': [{ selector: { kind: 'everyone' }, stage: 'complete' }],
      'Commitment.amount': [{ selector: { kind: 'cohort', cohort: 'staff' }, stage: 'shadow' }],
    });
    shadow = await openShadowPage(engine, { flags });
    ({ page, gateway, token } = shadow);
  });

  afterAll(async () => {
    await shadow?.close();
  });

  it('lists each rule at live or later without a ready verdict, with its evidence, as the API does', async () => {
    const items = page.getByTestId('moved-rule');
    await expect.poll(() => items.count()).toBe(2);
    const shown = await items.evaluateAll((nodes) =>
      nodes.map((node) => ({
        unit: node.getAttribute('data-unit'),
        cohort: node.getAttribute('data-cohort'),
        verdict: node.querySelector('[data-testid="moved-verdict"]')?.textContent,
      })),
    );
    // In the catalogue's order: Query.me, then Commitment.status.
    expect(shown).toEqual([
      { unit: 'Query.me', cohort: null, verdict: 'hold' },
      { unit: 'Commitment.status', cohort: 'beta', verdict: 'hold' },
    ]);
    await expect(page.getByTestId('promotion-note').textContent()).resolves.toBe(
      '2 of 3 rules at live, rampdown or complete have no ready verdict (figway flags check exits 1):',
    );
    await expect(items.first().textContent()).resolves.toContain(
      'Evidence: every observation of the unit (observations do not record which rule picked the user), 0 samples.',
    );
    await expect(items.last().textContent()).resolves.toMatch(
      /^Commitment\.status cohort beta → live hold.*Evidence: cohort beta, 253 samples\./,
    );
    const answer = await fetch(`${gateway.origin}/admin/api/shadow/promotion?since=24h`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const check = (await answer.json()) as PromotionCheck;
    expect(check.withoutEvidence.map(({ unit, verdict }) => ({ unit, verdict }))).toEqual([
      { unit: 'Query.me', verdict: 'hold' },
      { unit: 'Commitment.status', verdict: 'hold' },
    ]);
  });

  it("marks the moved units' rows in the report table, and only theirs", async () => {
    const rows = page.getByTestId('unit-row');
    await expect.poll(() => page.locator('tr[data-moved]').count()).toBe(1);
    const marked = await rows.evaluateAll((nodes) =>
      nodes.map((node) => [
        node.getAttribute('data-unit'),
        node.getAttribute('data-cohort'),
        node.querySelector('[data-testid="moved-mark"]')?.textContent ?? null,
      ]),
    );
    expect(marked).toEqual([
      ['Commitment.amount', 'staff', null],
      ['Commitment.status', 'beta', 'moved without evidence'],
      ['Commitment.status', 'general', null],
      ['Query.commitment', 'beta', null],
    ]);
  });

  it('judges the period chosen: in the last hour Query.commitment has too few samples to be ready', async () => {
    await page.getByTestId('since').selectOption('1h');
    const moved = () =>
      page
        .locator('tr[data-moved]')
        .evaluateAll((nodes) =>
          nodes.map((node) => `${node.getAttribute('data-unit')}/${node.getAttribute('data-cohort')}`),
        );
    await expect.poll(moved).toEqual(['Commitment.status/beta', 'Query.commitment/beta']);
    await expect(page.getByTestId('moved-rule').count()).resolves.toBe(3);
    const query = page.locator('[data-testid="moved-rule"][data-unit="Query.commitment"]');
    await expect(query.textContent()).resolves.toMatch(
      /Evidence: cohort beta, 10 samples\. Only 10 of the 100 samples needed/,
    );
  });

  it('logged no console error and threw no page error', async () => {
    // Screenshot for people: FIGWAY_SHADOW_SCREENSHOT=/tmp/moved.png npx vitest run test/reports/shadowPagePromotion.test.ts
    const screenshot = process.env.FIGWAY_SHADOW_SCREENSHOT;
    if (screenshot !== undefined) await page.screenshot({ path: screenshot, fullPage: true });
    expect(shadow?.problems).toEqual([]);
  });
});
