import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import type { TestEngine } from '../../harness/databases.ts';
import type { FlagDefinitions } from '../../src/routing/flagFiles.ts';
import { CHROMIUM, chromiumInstalled, launchChromium } from '../support/chromium.ts';
import { type ShadowAdminGateway, startShadowAdminGateway } from '../support/shadowAdminGateway.ts';
import { insertObservations } from './insertObservations.ts';
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
  /** The ids of the fixture's two Commitment.status mismatches: the detail one, then the newer page one. */
  detailId: number;
  pageId: number;
  /** Console errors and page errors, as they happen. */
  problems: string[];
  /** Every request the page made, in order. */
  requests: Request[];
  /** Closes the browser and the gateway. */
  close(): Promise<void>;
}

/**
 * Starts a gateway outside development (the page and the API both need the `?token=` the
 * page passes on) over `engine` with `options.flags` (default: every flag off), fills its store, opens the page in Chromium at 1440×1000
 * with clipboard rights, and resolves once the page says it has loaded. Rejects under CI
 * when Chromium is missing; what was started before a failure is closed.
 */
export async function openShadowPage(
  engine: TestEngine | undefined,
  options: { flags?: FlagDefinitions } = {},
): Promise<OpenShadowPage> {
  if (!chromiumInstalled) {
    throw new Error(`No Chromium at ${CHROMIUM} under CI=true: .ci/run installs Debian's chromium package.`);
  }
  if (engine === undefined) throw new Error('no database engine to keep observations in');
  const gateway = await startShadowAdminGateway(engine, { development: false, ...options });
  let browser: Browser | undefined;
  try {
    const [detailId = -1, pageId = -1] = await insertObservations(
      gateway.db,
      shadowPageObservations(Date.now()),
    );
    const token = await gateway.tokenFor('admin');
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1440, height: 1000 },
      permissions: ['clipboard-read', 'clipboard-write'],
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
