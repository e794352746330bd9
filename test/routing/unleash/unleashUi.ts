import type { Locator, Page } from 'playwright-core';
import type { Stage } from '../../../src/core/stage.ts';
import { eventually } from '../../support/eventually.ts';
import type { UnleashServer } from '../../support/unleashServer.ts';

/** How long one step of the UI may take on a busy machine: a bound for a hang, not a benchmark. */
const STEP_MS = 30_000;

/**
 * One flag's page in Unleash 8's web UI, in one environment, driven by the README's
 * "In Unleash" steps: every locator is a label or role a person sees on the screen.
 */
export interface UnleashFlagPage {
  /**
   * README step 2: *Add strategy* in the environment, *Configure* on Gradual rollout,
   * rollout 100% (the form starts at 50%), stickiness left at Default, a *Targeting*
   * constraint `cohort` *is one of* `cohort`, one strategy variant named `stage`, *Save strategy*.
   */
  addCohortStrategy(cohort: string, stage: Stage): Promise<void>;
  /** README step 3: switches the flag on in the environment (the switch next to its name). */
  switchOn(): Promise<void>;
  /** Rollback: switches the flag off in the environment. */
  switchOff(): Promise<void>;
  /** Rollback: *Edit strategy*, *Variants*, deletes the variant and adds one named `stage` (a saved name cannot be edited). */
  replaceVariant(stage: Stage): Promise<void>;
  /** Rollback: *More actions*, *Remove strategy*, confirmed. */
  removeStrategy(): Promise<void>;
}

/** Signs in to the web UI at `server.uiUrl` as its admin user and waits for the dashboard. */
export async function signInToUnleash(page: Page, server: UnleashServer): Promise<void> {
  await page.goto(server.uiUrl);
  await page.getByLabel('Email').fill(server.adminUser.username);
  await page.getByLabel('Password').fill(server.adminUser.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Flags overview' }).waitFor({ timeout: STEP_MS });
}

/**
 * README step 1: *Flags overview*, searches for `flag` and opens it; the returned page acts
 * in `environment`. Unleash's one-time tips ("Ok, got it!") are dismissed whenever they cover the page.
 */
export async function openUnleashFlag(
  page: Page,
  flag: string,
  environment: string,
): Promise<UnleashFlagPage> {
  await page.addLocatorHandler(page.getByRole('button', { name: 'Ok, got it!' }), (tip) => tip.click());
  await page.getByRole('link', { name: 'Flags overview' }).click();
  await page.getByPlaceholder(/^Search/).fill(flag);
  // The list filters after a pause; a click on a row being replaced goes nowhere.
  await eventually(
    () => page.getByRole('link', { name: /^figway\./ }).count(),
    (count) => count === 1,
    STEP_MS,
  );
  await page.getByRole('link', { name: flag, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: flag }).waitFor({ timeout: STEP_MS });
  return flagPage(page, environment);
}

function flagPage(page: Page, environment: string): UnleashFlagPage {
  const toggle = page.getByRole('switch', { name: environment, exact: true });
  const header = page.getByRole('button', { name: new RegExp(`^Environment ${environment} `) });
  const form = page.locator('form');

  // Waits for Unleash to answer the request a click makes, so a step ends once its change is stored.
  async function answered(pattern: RegExp, method: string, click: () => Promise<void>): Promise<void> {
    const response = page.waitForResponse(
      (candidate) =>
        candidate.request().method() === method && pattern.test(new URL(candidate.url()).pathname),
      { timeout: STEP_MS },
    );
    await click();
    const { status, url } = await response.then((found) => ({ status: found.status(), url: found.url() }));
    if (status >= 300) throw new Error(`Unleash answered ${status} to ${method} ${url}`);
  }

  const strategiesPath = new RegExp(`/environments/${environment}/strategies(/[^/]+)?$`);
  const saved = (method: 'POST' | 'PUT') =>
    answered(strategiesPath, method, () => form.getByRole('button', { name: 'Save strategy' }).click());

  // The strategies of the environment show once its row is expanded.
  async function strategies(): Promise<Locator> {
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    const strategy = page.getByRole('article').filter({ hasText: 'Gradual rollout' });
    await strategy.waitFor({ timeout: STEP_MS });
    return strategy;
  }

  async function switchTo(on: boolean): Promise<void> {
    if ((await toggle.isChecked()) === on) return;
    await answered(new RegExp(`/environments/${environment}/${on ? 'on' : 'off'}$`), 'POST', () =>
      toggle.click(),
    );
  }

  return {
    async addCohortStrategy(cohort, stage) {
      const row = page.getByRole('heading', { level: 3, name: new RegExp(`^Environment ${environment} `) });
      await row.getByRole('button', { name: 'Add strategy' }).click();
      const card = page
        .getByRole('dialog')
        .locator('div')
        .filter({ has: page.getByText('Gradual rollout', { exact: true }) })
        .filter({ has: page.getByRole('button', { name: 'Configure' }) })
        .last();
      await card.hover();
      await card.getByRole('button', { name: 'Configure' }).click();

      // The percentage box next to the slider takes the value when it loses focus.
      await form.getByRole('spinbutton').fill('100');
      await form.getByRole('spinbutton').blur();
      await eventually(
        () => form.getByRole('slider', { name: 'Rollout' }).inputValue(),
        (value) => value === '100',
        STEP_MS,
      );
      await form.getByRole('combobox').filter({ hasText: 'Default' }).waitFor({ timeout: STEP_MS });

      await page.getByRole('tab', { name: /^Targeting/ }).click();
      await form.getByRole('button', { name: 'Add constraint' }).click();
      await form.getByRole('combobox').filter({ hasText: 'appName' }).click();
      await page.getByRole('option', { name: 'cohort', exact: true }).click();
      await form.getByRole('combobox').filter({ hasText: 'is one of' }).waitFor({ timeout: STEP_MS });
      await form.getByRole('button', { name: 'Add values' }).click();
      const value = page.getByLabel('Constraint Value');
      await value.fill(cohort);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await form.getByText(cohort, { exact: true }).waitFor({ timeout: STEP_MS });
      // The value box stays open for more values; Escape in it closes it.
      await value.press('Escape');
      await value.waitFor({ state: 'hidden', timeout: STEP_MS });

      await page.getByRole('tab', { name: /^Variants/ }).click();
      await form.getByRole('button', { name: 'Add variant' }).click();
      await form.getByLabel('Variant name').fill(stage);
      await saved('POST');
    },

    switchOn: () => switchTo(true),
    switchOff: () => switchTo(false),

    async replaceVariant(stage) {
      await (await strategies()).getByRole('link', { name: 'Edit strategy' }).click();
      await page.getByRole('tab', { name: /^Variants/ }).click();
      await form.getByLabel('Delete variant').getByRole('button').click();
      await form.getByRole('button', { name: 'Add variant' }).click();
      await form.getByLabel('Variant name').fill(stage);
      await saved('PUT');
    },

    async removeStrategy() {
      await (await strategies()).getByRole('button', { name: 'More actions' }).click();
      await page.getByRole('menuitem', { name: 'Remove strategy' }).click();
      await answered(strategiesPath, 'DELETE', () =>
        page.getByRole('dialog').getByRole('button', { name: 'Remove strategy' }).click(),
      );
    },
  };
}
