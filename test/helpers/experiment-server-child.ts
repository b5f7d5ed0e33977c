/**
 * Child process for the routing tests: `sporeprint serve` as startServer runs it, except that the
 * running experiment is read from a JSON file (an ExperimentRecord, or null) instead of the
 * experiments repository — a test-only source, never reachable from the CLI. Prints
 * `listening on <url>`; SIGTERM closes the server gracefully.
 * Usage: node --import tsx test/helpers/experiment-server-child.ts <plan.json>   (config from env)
 */
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../src/config/index.js';
import { startServer } from '../../src/main/server.js';
import type { ExperimentRecord } from '../../src/storage/index.js';

const planFile = process.argv[2];
const server = await startServer(loadConfig({ env: process.env }), {
  version: 'test',
  print: (line) => process.stderr.write(`${line}\n`),
  runningExperiment: async () => {
    const plan = JSON.parse(await readFile(planFile, 'utf8')) as ExperimentRecord | null;
    return plan === null ? null : { ...plan, createdAt: new Date(plan.createdAt) };
  },
});
process.stdout.write(`listening on ${server.url}\n`);
process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
