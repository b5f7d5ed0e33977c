/**
 * The written report opened from disk in headless Chromium, every request
 * recorded and blocked. Needs /usr/bin/chromium (Debian: `apt-get install -y chromium`); skipped with a
 * message only when it is absent and CI is unset — under CI it runs, and fails if Chromium is missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipWithoutChromium } from '../../../test/helpers/chromium.js';
import { renderMonitoringReport } from '../index.js';
import { hostileReport } from './hostile-report.js';
import { sampleReport } from './sample-report.js';
import { inlineSvgs } from './xml-check.js';

/** The browser globals used inside `page.evaluate` (the project's TypeScript has no DOM lib). */
interface BrowserGlobals {
  getComputedStyle(element: unknown): { strokeDasharray: string };
  DOMParser: new () => {
    parseFromString(
      text: string,
      type: 'image/svg+xml',
    ): { querySelector(selector: string): { textContent: string | null } | null };
  };
}

const skip = skipWithoutChromium('report-browser.test.ts');

describe.skipIf(skip)('the written report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sporeprint-report-'));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Writes the report to a file and opens it; every request other than the file itself is recorded and
   * aborted. After `inspect`, asserts that nothing was requested and nothing was logged as an error.
   */
  async function withReport(
    name: string,
    html: string,
    inspect: (page: Page) => Promise<void>,
  ): Promise<void> {
    const file = join(dir, name);
    writeFileSync(file, html);
    const url = pathToFileURL(file).href;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const problems: string[] = [];
    await context.route('**/*', (route) => {
      const target = route.request().url();
      if (target === url) return route.continue();
      requests.push(target);
      return route.abort('blockedbyclient');
    });
    context.on('request', (r) => {
      if (r.url() !== url && !requests.includes(r.url())) requests.push(r.url());
    });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    try {
      await page.goto(url, { waitUntil: 'load' });
      await inspect(page);
      expect(requests).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }

  it('loads with zero network requests, shows the verdict first and draws every chart', async () => {
    const html = renderMonitoringReport(sampleReport());
    await withReport('report.html', html, async (page) => {
      const verdict = page.locator('#verdict');
      expect(await verdict.isVisible()).toBe(true);
      expect(await verdict.textContent()).toContain('Alert: needs action now');
      const verdictBox = await verdict.boundingBox();
      expect(verdictBox !== null && verdictBox.y + verdictBox.height).toBeLessThan(900); // in the first screen

      const sizes = await page.$$eval('svg.chart', (svgs) =>
        svgs.map((s) => {
          const r = s.getBoundingClientRect();
          return { id: s.id, width: r.width, height: r.height, bars: s.querySelectorAll('rect.bar').length };
        }),
      );
      expect(sizes.length).toBe(inlineSvgs(html).length);
      for (const s of sizes) {
        expect(s.width, s.id).toBeGreaterThan(100);
        expect(s.height, s.id).toBeGreaterThan(100);
      }
      // the first chart is below the verdict
      const firstChart = await page.locator('svg.chart').first().boundingBox();
      expect(firstChart?.y ?? 0).toBeGreaterThan((verdictBox?.y ?? 0) + (verdictBox?.height ?? 0));
      // the estimated performance lines are dashed as rendered
      const dashes = await page.$$eval('#performance-chart g.series.estimated path', (paths) =>
        paths.map((p) => (globalThis as unknown as BrowserGlobals).getComputedStyle(p).strokeDasharray),
      );
      expect(dashes).toEqual(['6px, 4px', '6px, 4px']);
    });
  });

  it('parses every inline SVG of a hostile report with the browser XML parser and runs nothing', async () => {
    const html = renderMonitoringReport(hostileReport());
    await withReport('hostile.html', html, async (page) => {
      const errors = await page.evaluate((svgs) => {
        const parser = new (globalThis as unknown as BrowserGlobals).DOMParser();
        return svgs.map(
          (s) => parser.parseFromString(s, 'image/svg+xml').querySelector('parsererror')?.textContent ?? null,
        );
      }, inlineSvgs(html));
      expect(errors.length).toBeGreaterThan(10);
      expect(errors.filter((e) => e !== null)).toEqual([]);
      // the parser does flag a broken one (the check is not vacuous)
      const broken = await page.evaluate(
        () =>
          new (globalThis as unknown as BrowserGlobals).DOMParser()
            .parseFromString('<svg><text>a & b</text></svg>', 'image/svg+xml')
            .querySelector('parsererror') !== null,
      );
      expect(broken).toBe(true);
      expect(await page.locator('script, img, iframe, object').count()).toBe(0);
      expect(await page.locator('#verdict').textContent()).toContain('<script>alert(1)</script>');
    });
  });
});
