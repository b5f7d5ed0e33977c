#!/usr/bin/env node
// @ts-check
/**
 * `npm start`: compiles src/ only when it changed since the last build (see build.js), then runs
 * `sporeprint start` in this same process. package.json runs it with `exec`, so the process npm
 * forwards SIGTERM and SIGINT to is the server itself: stopping `npm start` stops the server
 * gracefully, with nothing left running. Extra arguments pass through: `npm start -- --no-serve`.
 */
import { fileURLToPath } from 'node:url';
import { buildIfStale } from './build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const code = await buildIfStale(root);
if (code !== 0) {
  process.exitCode = code;
} else {
  process.argv.splice(2, 0, 'start');
  // a computed specifier: dist/ exists only once built
  await import(new URL('../dist/main/cli.js', import.meta.url).href);
}
