/**
 * The opener of the registry event bus over Redis, without ioredis: the bus's code
 * (`registry-events-redis.ts`, which loads ioredis) is loaded on first use, so a process without
 * `SPOREPRINT_REDIS_URL` never loads it.
 */
import type { RedisEventBusOptions, RegistryEventBus } from './registry-events.js';

/**
 * A registry event bus over Redis pub/sub: `publish` sends the JSON message on the channel
 * (`sporeprint:registry`), and subscribers (in this or any other process) receive it through a second,
 * subscriber-mode connection opened on the first `subscribe`. Resolves once the server answered;
 * rejects with `SP_ERR_CONFIG` when it does not (the URL is named, password redacted). Loads ioredis
 * on first use.
 *
 * @example
 * const bus = await openRedisEventBus('redis://127.0.0.1:6379');
 * await bus.subscribe((e) => reloadModel(e.model));
 */
export async function openRedisEventBus(
  url: string,
  options: RedisEventBusOptions = {},
): Promise<RegistryEventBus> {
  return (await import('./registry-events-redis.js')).connectRedisEventBus(url, options);
}
