import { rm } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../../src/backends/supabase/seed/demoUsers.ts';
import { readCatalogue } from '../../../src/routing/flagFiles.ts';
import type { RouteRecord } from '../../../src/routing/requestRouter.ts';
import { CHROMIUM, chromiumInstalled, launchChromium } from '../../support/chromium.ts';
import { freshDataDir } from '../../support/dataDir.ts';
import { eventually } from '../../support/eventually.ts';
import { figway, type ServeProcess, startServe } from '../../support/figwayProcess.ts';
import { startUnleashServer, type UnleashServer, unleashAvailable } from '../../support/unleashServer.ts';
import { openUnleashFlag, signInToUnleash, type UnleashFlagPage } from './unleashUi.ts';

// The README's "In Unleash" walkthrough, clicked in Unleash's own web UI in Chromium, and
// checked where it matters: which backend the gateway then serves each demo user from.

const runs = (await unleashAvailable()) && (chromiumInstalled || process.env.CI === 'true');
if (!chromiumInstalled && process.env.CI !== 'true') {
  console.warn(`Skipping the Unleash UI walkthrough: no Chromium at ${CHROMIUM} (apt-get install chromium).`);
}

const UNIT = 'Commitment.status';
const FLAG = `figway.${UNIT}`;
// The environment of the harness's client token, which the gateway reads.
const ENVIRONMENT = 'development';
const QUERY = '{ commitments(first: 5) { edges { node { id status } } } }';
// Each change reaches the gateway within UNLEASH_REFRESH_MS (1 s) plus Unleash's own delay;
// this bounds a hang on a busy machine, it does not measure anything.
const PROPAGATION_MS = 30_000;

const users = DEMO_USERS.filter((user) => user.role === 'authenticated');
const beta = users.filter((user) => user.cohort === 'beta').map((user) => user.username);
const general = users.filter((user) => user.cohort !== 'beta').map((user) => user.username);

type Backends = Record<string, RouteRecord['backend'] | 'unrouted'>;

describe.runIf(runs)('the README walkthrough in the Unleash web UI', () => {
  let server: UnleashServer;
  let dataDir: string;
  let gateway: ServeProcess;
  let browser: Browser;
  let page: Page;
  let flag: UnleashFlagPage;
  const tokens = new Map<string, string>();

  /** The backend that served each demo user's `Commitment.status`, read from `extensions.figway.routes`. */
  async function backends(): Promise<Backends> {
    const entries = await Promise.all(
      users.map(async ({ username }) => {
        const response = await fetch(gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(username)}` },
          body: JSON.stringify({ query: QUERY }),
        });
        const body = (await response.json()) as {
          errors?: unknown;
          extensions?: { figway?: { routes?: Record<string, RouteRecord> } };
        };
        expect(body.errors, `${username}'s answer`).toBeUndefined();
        return [username, body.extensions?.figway?.routes?.[UNIT]?.backend ?? 'unrouted'] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  /** Polls the gateway until every beta user is served by `betaBackend` and everyone else by legacy. */
  function servedAs(betaBackend: RouteRecord['backend']): Promise<Backends> {
    const expected = Object.fromEntries([
      ...beta.map((user) => [user, betaBackend]),
      ...general.map((user) => [user, 'legacy']),
    ]);
    return eventually(backends, (seen) => isDeepStrictEqual(seen, expected), PROPAGATION_MS);
  }

  beforeAll(async () => {
    if (!chromiumInstalled)
      throw new Error(`No Chromium at ${CHROMIUM} under CI=true: install Debian's chromium.`);
    [server, dataDir] = await Promise.all([startUnleashServer(), freshDataDir('figway-unleash-ui-')]);
    // As the README says: push the catalogue's flags first, once.
    const pushed = await figway(['flags', 'push'], {
      UNLEASH_URL: server.url,
      UNLEASH_ADMIN_TOKEN: server.adminToken,
      FIGWAY_DATA_DIR: dataDir,
    });
    expect(pushed.stderr).toBe('');
    expect(pushed.stdout).toContain(`: ${(await readCatalogue()).length} created, 0 updated`);
    gateway = await startServe({
      FIGWAY_DATA_DIR: dataDir,
      UNLEASH_URL: server.url,
      UNLEASH_API_TOKEN: server.clientToken,
      UNLEASH_REFRESH_MS: '1000',
    });
    for (const { username } of users) {
      const token = await figway(['token', username], { FIGWAY_DATA_DIR: dataDir });
      expect(token.code).toBe(0);
      tokens.set(username, token.stdout.trim());
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInToUnleash(page, server);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await server?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('serves everyone from legacy while the pushed flag is off', async () => {
    expect(await servedAs('legacy')).toEqual({
      alice: 'legacy',
      bob: 'legacy',
      carol: 'legacy',
      dave: 'legacy',
    });
  }, 60_000);

  it('moves every beta user, and no general user, to the ledger by the README steps', async () => {
    flag = await openUnleashFlag(page, FLAG, ENVIRONMENT);
    await flag.addCohortStrategy('beta', 'live');
    await flag.switchOn();
    expect(await servedAs('target')).toEqual({
      alice: 'target',
      bob: 'legacy',
      carol: 'target',
      dave: 'legacy',
    });
    const listed = await figway(['flags', 'list'], {
      FIGWAY_DATA_DIR: dataDir,
      UNLEASH_URL: server.url,
      UNLEASH_API_TOKEN: server.clientToken,
    });
    expect(listed.stdout).toMatch(/^Commitment\.status\s+cohort beta\s+live\n\s+everyone else\s+legacy$/m);
  }, 120_000);

  it('rolls beta back by replacing the strategy variant with legacy, and forward again', async () => {
    await flag.replaceVariant('legacy');
    await servedAs('legacy');
    await flag.replaceVariant('live');
    await servedAs('target');
  }, 120_000);

  it('rolls beta back by removing the strategy', async () => {
    await flag.removeStrategy();
    await servedAs('legacy');
  }, 120_000);

  it('rolls beta back by switching the flag off in the environment', async () => {
    await flag.addCohortStrategy('beta', 'live');
    await flag.switchOn();
    await servedAs('target');
    await flag.switchOff();
    expect(await servedAs('legacy')).toEqual({
      alice: 'legacy',
      bob: 'legacy',
      carol: 'legacy',
      dave: 'legacy',
    });
  }, 120_000);
});
