/**
 * What every dashboard page is held to in the browser tests: no console error, no failed request (an
 * HTTP error answer counts as one), and no serious or critical accessibility violation found by
 * axe-core (injected through the DevTools protocol, which the page's CSP does not govern).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One axe-core violation, as the tests report it. */
export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: readonly string[];
}

/** Records what goes wrong on a page from now on; `problems()` lists it, `stop()` stops recording. */
export function watchPage(page: Page, ignore: (url: string) => boolean = () => false) {
  const problems: string[] = [];
  let on = true;
  page.on('console', (m) => {
    if (on && m.type() === 'error' && !ignore(m.location().url)) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => {
    if (on) problems.push(`page error: ${e.message}`);
  });
  page.on('requestfailed', (r) => {
    if (on && !ignore(r.url())) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  page.on('response', (r) => {
    if (on && r.status() >= 400 && !ignore(r.url())) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return {
    problems: () => [...problems],
    stop: () => {
      on = false;
    },
  };
}

/** axe-core's serious and critical violations of WCAG 2.x A and AA on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const found = (await page.evaluate(`axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => String(n.target)),
    })))`)) as AxeViolation[];
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
