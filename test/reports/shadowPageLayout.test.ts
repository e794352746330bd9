import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import type { ShadowReport } from '../../src/reports/shadowReportTypes.ts';
import { type OpenShadowPage, openShadowPage, runBrowserTests } from './openShadowPage.ts';

// How the shadow page lays out and reads: no sideways scrolling from 800 px up, one date
// format whatever the browser's locale and time zone, rows and buttons that say what they
// expand, table headers scoped, and badges legible (WCAG AA contrast).
const engine = (await testEngines()).at(-1);

/** WCAG 2's contrast ratio of two `rgb(r, g, b)` colours as getComputedStyle writes them. */
function contrast(foreground: string, background: string): number {
  const luminance = (css: string) => {
    const [r = 0, g = 0, b = 0] = (css.match(/\d+(\.\d+)?/g) ?? []).map(Number).map((channel) => {
      const c = channel / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

// The test's tsconfig has no DOM types: these run in the page.
interface PageNode {
  className: string;
  parentElement: PageNode | null;
}
type PageGlobals = {
  document: {
    documentElement: { scrollWidth: number; clientWidth: number };
    querySelectorAll(selector: string): Iterable<PageNode>;
  };
  getComputedStyle(node: PageNode): { color: string; backgroundColor: string };
};

async function widths(page: Page) {
  const frames = await page
    .locator('.table-frame')
    .evaluateAll((nodes) => nodes.map((frame) => ({ scroll: frame.scrollWidth, client: frame.clientWidth })));
  const { scroll, client } = await page.evaluate(() => {
    const { documentElement } = (globalThis as unknown as PageGlobals).document;
    return { scroll: documentElement.scrollWidth, client: documentElement.clientWidth };
  });
  return { scroll, client, frames };
}

describe.runIf(runBrowserTests)('the shadow page in Chromium, on layout, dates and accessibility', () => {
  let shadow: OpenShadowPage | undefined;
  let page: Page;

  beforeAll(async () => {
    // A locale and time zone far from UTC: the page must still write UTC, one way.
    shadow = await openShadowPage(engine, {
      viewport: { width: 800, height: 900 },
      locale: 'en-US',
      timezoneId: 'America/Los_Angeles',
    });
    ({ page } = shadow);
  });

  afterAll(async () => {
    await shadow?.close();
  });

  async function openEverything() {
    await page.locator('[data-unit="Commitment.status"][data-cohort="beta"]').click();
    await page.getByTestId('observation-item').first().locator('button').click();
    await page.getByTestId('diff-view').locator('[data-testid="diff-row"]').first().waitFor();
  }

  it.each([800, 1100, 1280])(
    'does not scroll sideways at %i px, nor does any table in its frame',
    async (width) => {
      await page.setViewportSize({ width, height: 900 });
      await openEverything();
      const shown = await widths(page);
      const screenshot = process.env.FIGWAY_SHADOW_SCREENSHOT;
      if (screenshot !== undefined)
        await page.screenshot({ path: screenshot.replace(/\.png$/, `-${width}.png`), fullPage: true });
      expect(shown.client).toBe(width);
      expect(shown.scroll).toBeLessThanOrEqual(shown.client);
      expect(shown.frames.length).toBe(3);
      for (const frame of shown.frames) expect(frame.scroll).toBeLessThanOrEqual(frame.client);
    },
  );

  it('writes every date as YYYY-MM-DD HH:MM UTC, in UTC whatever the browser says', async () => {
    // The report the page was answered (the time moves on between its load and this test).
    const request = shadow?.requests.findLast((sent) => sent.url().includes('/admin/api/shadow/report'));
    const report = (await (await request?.response())?.json()) as ShadowReport;
    const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
    await expect(page.locator('#generated').textContent()).resolves.toBe(
      `Observations since ${utc(report.since)}, generated ${utc(report.generatedAt)}.`,
    );
    await openEverything();
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toMatch(/\b[AP]M\b|\d{1,2}\/\d{1,2}\/\d{2,4}/);
    const dates = [...text.matchAll(/\d{4}-\d{2}-\d{2}(.{0,13})/g)].map((match) => match[0]);
    expect(dates.length).toBeGreaterThan(10);
    // Outside the charts' axes, a date is always followed by its time and UTC.
    const axes = await page.locator('#chart text.tick').allTextContents();
    const outsideAxes = dates.filter((date) => !axes.some((tick) => tick.includes(date.slice(0, 10))));
    for (const date of outsideAxes) expect(date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? UTC/);
    // The axes write the same parts: a time of day, and the day where it changes.
    expect(axes.length).toBeGreaterThan(3);
    for (const tick of axes) expect(tick).toMatch(/^\d{2}:\d{2}(:\d{2})?(\d{4}-\d{2}-\d{2})?$/);
  });

  it('scopes every table header to its column', async () => {
    const headers = await page
      .locator('th')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('scope')));
    expect(headers.length).toBeGreaterThan(20);
    expect(headers.every((scope) => scope === 'col')).toBe(true);
  });

  it('keeps the report a table for screen readers where its rows are laid out as cards', async () => {
    await page.setViewportSize({ width: 800, height: 900 });
    const tree = await page.getByTestId('shadow-report-table').ariaSnapshot();
    expect(tree).toMatch(/^- table:/);
    expect(tree).toContain('- columnheader "Candidate errors"');
    // The cards' labels are shown, not announced: the cell is its value.
    expect(tree).toContain('- cell "7.61%"');
    await expect(
      page
        .locator('tr.unit-row td')
        .first()
        .evaluate((cell) => cell.getAttribute('data-label')),
    ).resolves.toBe('Unit');
  });

  it('says which row or button is expanded into the drill-down', async () => {
    const expanded = () =>
      page
        .locator('[aria-expanded="true"]')
        .evaluateAll((nodes) =>
          nodes.map((node) => `${node.getAttribute('data-testid')}:${node.getAttribute('aria-controls')}`),
        );
    const rows = page.getByTestId('unit-row');
    await expect(
      rows.evaluateAll((nodes) => nodes.every((node) => node.getAttribute('aria-expanded') !== null)),
    ).resolves.toBe(true);
    await page.locator('[data-unit="Commitment.status"][data-cohort="general"]').click();
    await expect.poll(expanded).toEqual(['unit-row:drilldown', 'unit-row:drilldown']);
    await page.getByTestId('observation-item').first().locator('button').click();
    await expect
      .poll(expanded)
      .toEqual(['unit-row:drilldown', 'unit-row:drilldown', 'observation-button:diff']);
    await page.getByTestId('failure-group').first().click();
    await expect.poll(expanded).toEqual(['failure-group:drilldown']);
    // The keyboard reaches a row and opens it.
    await page.locator('tr[data-unit="Query.commitment"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(expanded).toEqual(['unit-row:drilldown']);
  });

  it('gives every badge and muted text a contrast of at least 4.5:1', async () => {
    // Found and read in one task of the page: a node the page re-renders meanwhile (a
    // drill-down answered late) would have no computed style left to read.
    const colours = await page.evaluate((selector) => {
      const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
      return [...document.querySelectorAll(selector)].map((node) => {
        const style = getComputedStyle(node);
        // Text on a transparent background sits on the page's white or on a row's tint.
        let background = style.backgroundColor;
        for (
          let up = node.parentElement;
          background === 'rgba(0, 0, 0, 0)' && up !== null;
          up = up.parentElement
        )
          background = getComputedStyle(up).backgroundColor;
        return { what: node.className, color: style.color, background };
      });
    }, '.badge, .muted, .reason, button.group-button');
    const verdicts = colours.filter((entry) => entry.what.startsWith('badge'));
    expect(new Set(verdicts.map((entry) => entry.what))).toEqual(
      new Set(['badge badge-rollback', 'badge badge-hold', 'badge badge-ready']),
    );
    for (const entry of colours)
      expect(contrast(entry.color, entry.background), JSON.stringify(entry)).toBeGreaterThanOrEqual(4.5);
  });

  it('logged no console error and threw no page error', () => {
    expect(shadow?.problems).toEqual([]);
  });
});
