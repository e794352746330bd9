import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { observation, type StoredObservation } from './insertObservations.ts';
import { type OpenShadowPage, openShadowPage, runBrowserTests } from './openShadowPage.ts';

const engine = (await testEngines()).at(-1);
const COHORTS = 101;

// One candidate error in each of 101 cohorts: one more failure group than the page asks for.
function manyGroups(now: number): StoredObservation[] {
  return Array.from({ length: COHORTS }, (_, index) =>
    observation(new Date(now - (index + 1) * 1000), {
      outcome: 'candidate_error',
      cohort: `cohort-${String.fromCharCode(97 + Math.floor(index / 26))}${String.fromCharCode(97 + (index % 26))}`,
      candidateError: 'The target backend refused the read.',
    }),
  );
}

describe.runIf(runBrowserTests)('the shadow page in Chromium, on more failure groups than it lists', () => {
  let shadow: OpenShadowPage | undefined;
  let page: Page;

  beforeAll(async () => {
    shadow = await openShadowPage(engine, { observations: manyGroups });
    ({ page } = shadow);
  });

  afterAll(async () => {
    await shadow?.close();
  });

  it('lists the first 100 groups and says that others were left out', async () => {
    await expect(page.getByTestId('failure-row').count()).resolves.toBe(100);
    await expect(page.locator('[data-truncated]').textContent()).resolves.toBe(
      'Only the first 100 groups are shown: choose a shorter period or a unit.',
    );
  });
});
