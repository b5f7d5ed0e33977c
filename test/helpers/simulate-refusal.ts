import { expect } from 'vitest';
import { openStorage } from '../../src/storage/index.js';
import { runCli } from './run-cli.js';

/**
 * Runs `sporeprint simulate <args>` against the database at `dbUrl` and expects a usage error (exit 2)
 * matching `message`, nothing on stdout, and no prediction stored.
 */
export async function expectSimulateRefused(
  dbUrl: string,
  args: readonly string[],
  message: RegExp,
): Promise<void> {
  const storage = await openStorage(dbUrl);
  try {
    const before = await storage.predictions.count();
    const run = await runCli(['simulate', ...args], { DATABASE_URL: dbUrl });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    expect(await storage.predictions.count()).toBe(before);
  } finally {
    await storage.close();
  }
}
