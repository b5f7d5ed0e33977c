/**
 * Headless Chromium for the browser tests: Debian's `chromium` package driven by playwright-core (never
 * a browser download). A test file skips, with a message, only when Chromium is absent and CI is
 * unset; under CI it runs, and fails if Chromium is missing.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Where Debian installs Chromium (`apt-get install -y chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless, no sandbox (root in a container), and nothing fetched from the network by the browser itself. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** True when `file`'s browser tests must be skipped (no Chromium, not CI); says so once. */
export function skipWithoutChromium(file: string): boolean {
  const skip = !existsSync(CHROMIUM) && !process.env.CI;
  if (skip)
    console.warn(`${file} skipped: ${CHROMIUM} is absent and CI is unset (apt-get install -y chromium)`);
  return skip;
}

/** Launches headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS] });
}
