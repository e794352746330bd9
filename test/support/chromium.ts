import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, which `.ci/run` installs; playwright's own browser download is not reachable here. */
export const CHROMIUM = '/usr/bin/chromium';

/** True when the browser is installed. */
export const chromiumInstalled = existsSync(CHROMIUM);

/**
 * Launches headless Chromium the way it runs on these machines: without the
 * background networking that a closed network would refuse, many times over.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
