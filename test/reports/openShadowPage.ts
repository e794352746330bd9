import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import type { TestEngine } from '../../harness/databases.ts';
import type { FlagDefinitions } from '../../src/routing/flagFiles.ts';
import { CHROMIUM, chromiumInstalled, launchChromium } from '../support/chromium.ts';
import { type ShadowAdminGateway, startShadowAdminGateway } from '../support/shadowAdminGateway.ts';
import { insertObservations, type StoredObservation } from './insertObservations.ts';
import { shadowPageObservations } from './shadowPageObservations.ts';

/** Whether the page's browser tests run: with Chromium installed, and always under CI (where its absence fails them). */
export const runBrowserTests = chromiumInstalled || process.env.CI === 'true';
if (!runBrowserTests) {
  console.warn(
    `Skipping the shadow page's browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium).`,
  );
}

/** The shadow page open in Chromium over a gateway whose store holds {@link shadowPageObservations}. */
export interface OpenShadowPage {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  gateway: ShadowAdminGateway;
  /** The service_role token the page was opened with (`?token=`). */
  token: string;
  /** The ids of the first two observations: with the default fixture, its two Commitment.status mismatches (the detail one, then the newer page one). */
  detailId: number;
  pageId: number;
  /** Console errors and page errors, as they happen. */
  problems: string[];
  /** Every request the page made, in order. */
  requests: Request[];
  /** Closes the browser and the gateway. */
  close(): Promise<void>;
}

/** How {@link openShadowPage} sets up the gateway and the browser. */
export interface ShadowPageSetup {
  /** The gateway's flags. @default every flag off */
  flags?: FlagDefinitions;
  /** The observations the store holds, made from the time the page opens. @default shadowPageObservations */
  observations?: (now: number) => StoredObservation[];
  /** The browser's viewport. @default 1440×1000 */
  viewport?: { width: number; height: number };
  /** The browser's locale and time zone (the page must write dates the same whatever they are). @default Chromium's */
  locale?: string;
  timezoneId?: string;
}

/**
 * Starts a gateway outside development (the page and the API both need the `?token=` the
 * page passes on) over `engine` with `setup.flags`, fills its store, opens the page in
 * Chromium (1440×1000 unless `setup` says otherwise) with clipboard rights, and resolves
 * once the page says it has loaded. Rejects under CI when Chromium is missing; what was
 * started before a failure is closed.
 */
export async function openShadowPage(
  engine: TestEngine | undefined,
  setup: ShadowPageSetup = {},
): Promise<OpenShadowPage> {
  if (!chromiumInstalled) {
    throw new Error(`No Chromium at ${CHROMIUM} under CI=true: .ci/run installs Debian's chromium package.`);
  }
  if (engine === undefined) throw new Error('no database engine to keep observations in');
  const flags = setup.flags === undefined ? {} : { flags: setup.flags };
  const gateway = await startShadowAdminGateway(engine, { development: false, ...flags });
  let browser: Browser | undefined;
  try {
    const [detailId = -1, pageId = -1] = await insertObservations(
      gateway.db,
      (setup.observations ?? shadowPageObservations)(Date.now()),
    );
    const token = await gateway.tokenFor('admin');
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: setup.viewport ?? { width: 1440, height: 1000 },
      permissions: ['clipboard-read', 'clipboard-write'],
      ...(setup.locale === undefined ? {} : { locale: setup.locale }),
      ...(setup.timezoneId === undefined ? {} : { timezoneId: setup.timezoneId }),
    });
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: Request[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('request', (request) => requests.push(request));
    await page.goto(`${gateway.origin}/admin/shadow?token=${encodeURIComponent(token)}`);
    await page.waitForSelector('body[data-loaded="true"]');
    const opened = browser;
    return {
      browser: opened,
      context,
      page,
      gateway,
      token,
      detailId,
      pageId,
      problems,
      requests,
      async close() {
        await opened.close();
        await gateway.close();
      },
    };
  } catch (error) {
    await browser?.close();
    await gateway.close();
    throw error;
  }
}
