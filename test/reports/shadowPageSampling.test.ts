import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { type OpenShadowPage, openShadowPage, runBrowserTests } from './openShadowPage.ts';
import { PAGE_ITEM_IDS } from './shadowPageObservations.ts';

// What the shadow page shows of sampling: the effective rate per unit and cohort, what the
// rates are, and per observation the values compared, the sample rate and each diff's item id.
const engine = (await testEngines()).at(-1);

describe.runIf(runBrowserTests)('the shadow page in Chromium, on sampling', () => {
  let shadow: OpenShadowPage | undefined;
  let page: Page;
  let detailId: number;
  let pageId: number;

  beforeAll(async () => {
    shadow = await openShadowPage(engine);
    ({ page, detailId, pageId } = shadow);
  });

  afterAll(async () => {
    await shadow?.close();
  });

  it('shows the effective sample rate of each unit and cohort, and says how rates are weighted', async () => {
    const rates = await page
      .getByTestId('unit-row')
      .evaluateAll((nodes) =>
        nodes.map((node) => node.querySelector('[data-testid="effective-rate"]')?.textContent),
      );
    // Query.commitment was sampled at 25%: 230 samples of an estimated 920 comparisons.
    expect(rates).toEqual(['100.00%', '99.90%', '100.00%', '25.00%']);
    const query = page.locator('[data-unit="Query.commitment"][data-cohort="beta"]');
    await expect(query.getByTestId('samples').getAttribute('title')).resolves.toMatch(
      /^about 920 comparisons/,
    );
    await expect(page.getByTestId('rates-note').textContent()).resolves.toMatch(
      /per comparison \(one unit in one request, every list\s+item judged together\), weighted by 1\/sample rate/,
    );
  });

  it("shows an observation's values compared, its sample rate and the item id of each diff", async () => {
    await page.locator('[data-unit="Commitment.status"][data-cohort="beta"]').click();
    const item = page.locator(`[data-observation-id="${pageId}"]`);
    await expect
      .poll(() => item.textContent())
      .toContain('3 differing of 3 compared: commitments[*].status, commitments[*].note');
    await item.locator('button').click();
    const diff = page.getByTestId('diff-view');
    const rows = diff.getByTestId('diff-row');
    await expect.poll(() => rows.count()).toBe(3);
    const shown = await rows.evaluateAll((nodes) =>
      nodes.map((node) => [
        node.getAttribute('data-path'),
        node.querySelector('[data-testid="diff-id"]')?.textContent,
      ]),
    );
    expect(shown).toEqual([
      ['commitments[*].status', PAGE_ITEM_IDS.second],
      ['commitments[*].status', PAGE_ITEM_IDS.third],
      ['commitments[*].note', PAGE_ITEM_IDS.third],
    ]);
    const meta = (await diff.locator('#diff-meta').textContent()) ?? '';
    expect(meta).toContain('Items3 values compared');
    expect(meta).toContain('Sample rate80.00% (stands for 1.25 comparisons)');
    // An observation of one commitment by id: its diff has no item id.
    await page.locator(`[data-observation-id="${detailId}"] button`).click();
    await expect.poll(() => diff.getByTestId('diff-id').textContent()).toBe('–');
    const detailMeta = (await diff.locator('#diff-meta').textContent()) ?? '';
    expect(detailMeta).toContain('Items1 value compared');
    expect(detailMeta).toContain('Sample rate100.00% (stands for 1 comparison)');
  });

  it('logged no console error and threw no page error', () => {
    expect(shadow?.problems).toEqual([]);
  });
});
