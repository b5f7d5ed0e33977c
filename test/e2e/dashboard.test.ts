/**
 * The dashboard in headless Chromium against a real `sporeprint serve` over a database prepared by the
 * real pipeline: a firing alert appears on the Overview without reload; an experiment's numbers change
 * while `sporeprint simulate` runs; every page loads at desktop and phone width with no console error,
 * no failed request and no serious accessibility violation (axe-core), with a screenshot of each in
 * test/e2e/screenshots/ (git-ignored); the classify form answers; a wrong API key on an admin action
 * says so; a promotion made on the Models page shows in `sporeprint models show`; a stopped server
 * shows as reconnecting.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_MUSHROOMS } from '../../src/data/index.js';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.js';
import { CLASSIC } from '../helpers/fixture-files.js';
import { axeViolations, watchPage } from './browser-checks.js';
import { type DashboardServer, MODEL, startDashboardServer, TRAFFIC_RULE } from './dashboard-server.js';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const EXPERIMENT = 'exp-e2e';
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;
const skip = skipWithoutChromium('dashboard.test.ts');

/** The first mushroom of the bundled secondary data. */
const MUSHROOM = EXAMPLE_MUSHROOMS.secondary;

describe.skipIf(skip)('the dashboard in headless Chromium', () => {
  let server: DashboardServer;
  let browser: Browser;
  let datasetId: string;
  let production: number;
  let challenger: number;
  let runId: string;
  const contexts: BrowserContext[] = [];

  const api = async (path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${server.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };

  /** A fresh tab at `hash`, waiting until the page says it is loaded. */
  const open = async (
    hash: string,
    viewport: { width: number; height: number } = VIEWPORTS[0],
  ): Promise<Page> => {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/${hash}`);
    await page.waitForSelector('[data-ready]', { state: 'attached', timeout: 30_000 });
    return page;
  };

  /** Types a key into the dashboard's API key form (kept in the tab's sessionStorage). */
  const enterKey = async (page: Page, key: string) => {
    await page.getByRole('button', { name: /^API key:/ }).click();
    await page.getByLabel('API key (kept in this tab only)').fill(key);
    await page.getByRole('button', { name: 'Use this key' }).click();
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDashboardServer();
    browser = await launchChromium();
    const model = (await api(`/v1/models/${MODEL}`)) as {
      model: { productionVersion: number };
      versions: { version: number }[];
    };
    production = model.model.productionVersion;
    challenger = model.versions.map((v) => v.version).find((v) => v !== production) ?? 1;
    await api('/v1/experiments', {
      id: EXPERIMENT,
      model: MODEL,
      description: 'browser test',
      arms: [
        { name: 'control', version: production, role: 'control' },
        { name: 'challenger', version: challenger, role: 'challenger' },
      ],
    });
    await api(`/v1/experiments/${EXPERIMENT}/start`, { reason: 'browser test' });
    datasetId = ((await api('/v1/datasets')) as { id: string }[])[0].id;
    // a pipeline run for the Pipelines pages: retrain on the small classic data, stopping for a human
    const run = (await api('/v1/pipelines/retrain/runs', {
      params: { source: CLASSIC, modelName: 'e2e-retrain', deploy: 'stop' },
    })) as { id: string };
    runId = run.id;
  }, 600_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.cleanup();
  });

  it('a firing alert appears on the Overview without reload', async () => {
    const page = await open('#/');
    await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection')).toBe('live');
    expect(await page.locator('#firing-alerts').textContent()).toContain('No alert is firing.');
    await page.evaluate('window.__notReloaded = true');
    // (an experiment runs: each request draws its arm, and the check looks at the Production version's
    // rows, so enough requests that some reach it)
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${server.url}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(MUSHROOM),
      });
      expect(res.status).toBe(200);
    }
    const alert = page.locator(`#firing-alerts [data-alert="${TRAFFIC_RULE}"]`);
    await alert.waitFor({ timeout: 60_000 }).catch((e: Error) => {
      throw new Error(`${e.message}\nthe server printed:\n${server.output()}`);
    });
    expect(await alert.textContent()).toMatch(/warning · firing\s+traffic_arrived: Traffic arrived/);
    expect(await page.evaluate('window.__notReloaded')).toBe(true);
    // the traffic shows too
    expect(Number(await page.locator('dl.figures.wide dd').first().textContent())).toBeGreaterThanOrEqual(12);
  });

  it("an experiment's live numbers change while `sporeprint simulate` runs", async () => {
    const page = await open(`#/experiments/${EXPERIMENT}`);
    await page.evaluate('window.__notReloaded = true');
    const requests = async () => {
      const cells = page.locator('[data-arms] tbody tr td:nth-of-type(4)');
      const texts = await cells.allTextContents();
      return texts.reduce((sum, t) => sum + (Number(t.replace(/,/g, '')) || 0), 0);
    };
    const before = await requests();
    const simulate = server.cli([
      'simulate',
      '--url',
      server.url,
      '--rate',
      '10',
      '--duration',
      '12',
      '--label-delay',
      '1',
      '--label-share',
      '0.5',
      // the secondary data's held-out rows (the pipeline run adds a newer, classic dataset version)
      '--from',
      datasetId,
    ]);
    await expect.poll(requests, { timeout: 40_000, interval: 500 }).toBeGreaterThan(before);
    const during = await requests();
    const run = await simulate;
    expect(run.code, run.stderr).toBe(0);
    await expect.poll(requests, { timeout: 20_000, interval: 500 }).toBeGreaterThan(during);
    expect(await page.evaluate('window.__notReloaded')).toBe(true);
    expect(await page.locator('[data-analysis]').count()).toBe(1);
  });

  it('every page loads at desktop and phone width: no console error, no failed request, no serious axe violation', async () => {
    // the pipeline run has finished (its page shows every task's final state)
    await expect
      .poll(
        async () => ((await api(`/v1/pipelines/runs/${runId}`)) as { run: { state: string } }).run.state,
        {
          timeout: 180_000,
          interval: 1000,
        },
      )
      .not.toBe('running');
    const pages = [
      ['overview', '#/'],
      ['models', '#/models'],
      ['model', `#/models/${MODEL}`],
      ['experiments', '#/experiments'],
      ['experiment', `#/experiments/${EXPERIMENT}`],
      ['monitoring', '#/monitoring'],
      ['pipelines', '#/pipelines'],
      ['pipeline-run', `#/pipelines/${runId}`],
      ['data', '#/data'],
      ['dataset', `#/data/${datasetId}`],
      ['classify', '#/classify'],
    ] as const;
    const findings: string[] = [];
    for (const viewport of VIEWPORTS) {
      for (const [name, hash] of pages) {
        const context = await browser.newContext({ viewport });
        contexts.push(context);
        const page = await context.newPage();
        const watch = watchPage(page);
        await page.goto(`${server.url}/${hash}`);
        await page.waitForSelector('[data-ready]', { state: 'attached', timeout: 30_000 });
        await page.waitForTimeout(700); // the page's other reads and its charts
        await page.screenshot({ path: `${SHOTS}${name}-${viewport.name}.png`, fullPage: true });
        const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
        if (width > viewport.width) findings.push(`${name} ${viewport.name}: ${width} px wide`);
        for (const v of await axeViolations(page)) {
          findings.push(
            `${name} ${viewport.name}: axe ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(' | ')}`,
          );
        }
        watch.stop();
        for (const p of watch.problems()) findings.push(`${name} ${viewport.name}: ${p}`);
        await context.close();
      }
    }
    expect(findings).toEqual([]);
  });

  it('the classify form returns a decision with its probability, contributions and novelty verdict', async () => {
    const page = await open('#/classify');
    expect(await page.getByRole('note').textContent()).toContain('No model replaces an expert.');
    await page.getByLabel('Cap diameter (cm)').fill('15.26');
    await page.getByLabel('Cap shape').selectOption({ label: 'convex' });
    await page.getByRole('button', { name: 'Fill in an example' }).click();
    await page.getByRole('button', { name: 'Classify', exact: true }).click();
    const result = page.locator('[data-decision]');
    await result.waitFor();
    expect(['edible', 'poisonous', 'uncertain']).toContain(await result.getAttribute('data-decision'));
    const text = await result.textContent();
    expect(text).toMatch(/Probability of poisonous: \d+\.\d\d %/);
    expect(text).toMatch(
      /Novelty: \d\.\d{3} against the threshold \d\.\d{3}: (like species seen in training|unlike any species)/,
    );
    expect(text).toMatch(/towards (poisonous|edible) by \d\.\d{3}/);
    expect(await result.getByRole('img').count()).toBe(1);

    // a value out of range is refused, naming the field
    await page.getByLabel('Cap diameter (cm)').fill('500');
    await page.getByRole('button', { name: 'Classify', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/cap-diameter/);
  });

  it('a wrong API key on an admin action shows a clear message', async () => {
    const page = await open(`#/models/${MODEL}`);
    await enterKey(page, 'sp-not-a-real-key');
    await page.getByRole('button', { name: `Promote v${challenger} to Production` }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    const error = page.locator('.action-form [role="alert"]');
    await error.waitFor();
    expect(await error.textContent()).toBe(
      'The API key was refused (unknown or revoked API key). Enter a valid key with the "API key" button at the top.',
    );
    // and the live updates say why they stopped
    await expect
      .poll(() => page.locator('[data-connection]').textContent())
      .toMatch(/Live updates refused: unknown or revoked API key/);
    // without a key at all
    await page.getByRole('button', { name: /^API key:/ }).click();
    await page.getByRole('button', { name: 'Forget the key' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(() => error.textContent())
      .toMatch(/^The API key was refused \(registry actions needs an API key/);
  });

  it('a promotion made on the Models page shows in `sporeprint models show`', async () => {
    const page = await open(`#/models/${MODEL}`);
    await enterKey(page, server.adminKey);
    await page.getByRole('button', { name: `Promote v${challenger} to Production` }).click();
    await page.getByLabel(/^Reason/).fill('promoted from the dashboard test');
    await page.getByLabel(/Force \(override/).check();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('.done').waitFor();
    expect(await page.locator('.done').textContent()).toBe(`Promote v${challenger} to Production: done.`);
    await expect
      .poll(() => page.locator(`tr[data-version="${challenger}"] .badge`).first().textContent())
      .toBe('Production');
    const shown = await server.cli(['models', 'show', MODEL, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const versions = (JSON.parse(shown.stdout) as { versions: { version: number; stage: string }[] })
      .versions;
    expect(versions.find((v) => v.version === challenger)?.stage).toBe('Production');
    expect(versions.find((v) => v.version === production)?.stage).toBe('Archived');
  });

  it('the server going away shows a reconnecting state, not a blank page', async () => {
    const page = await open('#/');
    await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection')).toBe('live');
    await server.stop();
    await expect
      .poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: 15_000 })
      .toBe('reconnecting');
    expect(await page.locator('[data-connection]').textContent()).toMatch(/^Reconnecting…/);
    // what was shown stays
    expect(await page.getByRole('heading', { name: 'Overview', level: 1 }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: MODEL }).first().isVisible()).toBe(true);
  });
});
