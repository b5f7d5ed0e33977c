/**
 * Vitest's global setup: builds the dashboard (web/ → dist/web) when it is missing or older than its
 * sources, so the browser tests and the routes that serve it never depend on an earlier build.
 */
import { fileURLToPath } from 'node:url';
import { buildWeb, staleWebReason } from '../scripts/build.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export default async function setup(): Promise<void> {
  const reason = staleWebReason(ROOT);
  if (reason === null) return;
  const lines: string[] = [];
  const code = await buildWeb(ROOT, { log: (line) => lines.push(line) });
  if (code !== 0) throw new Error(`building the dashboard failed (${reason}): ${lines.join('\n')}`);
}
