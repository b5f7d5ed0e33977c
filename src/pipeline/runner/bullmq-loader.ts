/**
 * BullMQ (and ioredis under it), loaded on first use: a process that queues no task never loads them —
 * the CLI's commands, and a server with the local executor. Loading them takes about 10 MB of memory
 * and a tenth of a second or more of the start of every process.
 */
import type { createBullmqDispatcher } from './bullmq-runner.js';
import type { startBullmqWorker } from './bullmq-worker.js';

/** The BullMQ runners' constructors. */
export interface Bullmq {
  readonly createBullmqDispatcher: typeof createBullmqDispatcher;
  readonly startBullmqWorker: typeof startBullmqWorker;
}

let loaded: Promise<Bullmq> | undefined;

/** Loads the BullMQ runners (once per process). */
export function loadBullmq(): Promise<Bullmq> {
  loaded ??= Promise.all([import('./bullmq-runner.js'), import('./bullmq-worker.js')]).then(([r, w]) => ({
    createBullmqDispatcher: r.createBullmqDispatcher,
    startBullmqWorker: w.startBullmqWorker,
  }));
  return loaded;
}

/**
 * Checks that Redis answers (the worker's health check): connects, sends PING and closes; resolves with
 * the round trip in milliseconds, rejects with `SP_ERR_NOT_READY` naming the (redacted) URL when Redis
 * does not answer within `timeoutMs` (default 3,000). Loads ioredis on first use.
 */
export async function pingRedis(redisUrl: string, timeoutMs?: number): Promise<number> {
  return (await import('./redis-client.js')).pingRedis(redisUrl, timeoutMs);
}
