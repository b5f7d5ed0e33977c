/**
 * The ioredis clients of the BullMQ runners and the worker's health check (ioredis is loaded on first
 * use: see `optional-packages.ts`).
 */
import type { Redis } from 'ioredis';
import { SporeprintError } from '../../core/index.js';
import { checkQueueTarget, errorText, redactRedisUrl, withTimeout } from './bullmq-connection.js';
import { ioredis } from './optional-packages.js';

/** Reconnect for ever, every 0.2 s growing to 2 s: a runner comes back by itself when Redis does. */
const reconnectForever = (times: number): number => Math.min(200 * times, 2000);

/**
 * Opens the runner's own ioredis client. `producer` (the dispatcher's): commands fail at once while
 * Redis is unreachable (no offline queue, one retry, a command timeout), so a dispatch rejects within
 * its bound. `consumer` (a worker's): commands wait for the connection (`maxRetriesPerRequest: null`,
 * which BullMQ requires of a worker) while the client reconnects. Both reconnect for ever.
 */
export function openRedisClient(url: string, role: 'producer' | 'consumer', timeoutMs: number): Redis {
  const client =
    role === 'producer'
      ? new (ioredis().Redis)(url, {
          connectTimeout: timeoutMs,
          commandTimeout: timeoutMs,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          retryStrategy: reconnectForever,
        })
      : new (ioredis().Redis)(url, {
          connectTimeout: timeoutMs,
          maxRetriesPerRequest: null,
          retryStrategy: reconnectForever,
        });
  // errors reach callers through failing commands and the runners' events; never an unhandled 'error'
  client.on('error', () => {});
  return client;
}

/** Closes a client the runner owns: QUIT when it answers within a second, else a hard disconnect. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('quit timed out')), 1000);
      }),
    ]);
  } catch {
    // unreachable server: drop the socket
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/**
 * Checks that Redis answers (the worker's health check): connects, sends PING and closes. Resolves
 * with the round trip in milliseconds; rejects with `SP_ERR_NOT_READY` naming the (redacted) URL when
 * Redis does not answer within `timeoutMs`.
 */
export async function pingRedis(redisUrl: string, timeoutMs = 3000): Promise<number> {
  checkQueueTarget({ redisUrl });
  const client = new (ioredis().Redis)(redisUrl, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let cause: Error | undefined;
  client.on('error', (e: Error) => {
    cause ??= e;
  });
  const t0 = Date.now();
  try {
    await withTimeout(
      client.connect().then(() => client.ping()),
      timeoutMs,
      `Redis at ${redactRedisUrl(redisUrl)}`,
    );
    return Date.now() - t0;
  } catch (e) {
    if (e instanceof SporeprintError) throw e;
    throw new SporeprintError(
      'SP_ERR_NOT_READY',
      `Redis at ${redactRedisUrl(redisUrl)} does not answer: ${errorText(cause ?? e)}`,
    );
  } finally {
    client.disconnect();
  }
}
