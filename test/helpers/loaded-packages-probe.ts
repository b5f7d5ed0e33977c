/**
 * Loaded with `node --import` before a process under test: when the process exits, prints to stderr
 * which of the optional driver and queue packages (bullmq, ioredis, mysql2) it loaded, as
 * `loaded packages: ["…"]` (see driver-loading-cli.test.ts). They are CommonJS packages, so whatever
 * loads them (an ESM import included) leaves their files in `require.cache`.
 */
import { createRequire } from 'node:module';

const cache = createRequire(import.meta.url).cache;
const WATCHED = /\/node_modules\/(bullmq|ioredis|mysql2)\//;

process.on('exit', () => {
  const names = new Set<string>();
  for (const file of Object.keys(cache)) {
    const m = WATCHED.exec(file);
    if (m !== null) names.add(m[1]);
  }
  process.stderr.write(`loaded packages: ${JSON.stringify([...names].sort())}\n`);
});
