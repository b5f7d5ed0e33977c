import { Redis } from 'ioredis';
import { SporeprintError } from '../../core/index.js';
import { redactUrl } from '../db/database-url.js';
import {
  deliver,
  parseRegistryEventMessage,
  REGISTRY_EVENTS_CHANNEL,
  type RedisEventBusOptions,
  type RegistryEventBus,
  type RegistryEventListener,
} from './registry-events.js';

/**
 * The bus `openRedisEventBus` (`registry-events-redis-api.ts`) opens, as documented there. This
 * module is the only code of storage that loads ioredis, and only that function loads it.
 */
export async function connectRedisEventBus(
  url: string,
  options: RedisEventBusOptions = {},
): Promise<RegistryEventBus> {
  const channel = options.channel ?? REGISTRY_EVENTS_CHANNEL;
  const connectTimeout = options.connectTimeoutMs ?? 3000;
  const display = redactUrl(url);
  const connect = async (): Promise<Redis> => {
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout,
      maxRetriesPerRequest: 2,
      // Reconnect a few times after a drop, then give up: callers get errors instead of hanging.
      retryStrategy: (times) => (times > 5 ? null : Math.min(times * 200, 1000)),
    });
    client.on('error', () => {
      // reported through the failing command; keep the process alive
    });
    try {
      await client.connect();
    } catch (e) {
      client.disconnect();
      throw new SporeprintError(
        'SP_ERR_CONFIG',
        `Redis at ${display} (SPOREPRINT_REDIS_URL) does not answer: ${(e as Error).message}`,
        { url: display },
      );
    }
    return client;
  };
  const publisher = await connect();
  let subscriber: Promise<Redis> | null = null;
  const listeners = new Set<RegistryEventListener>();
  const onMessage = (ch: string, text: string): void => {
    if (ch !== channel) return;
    const message = parseRegistryEventMessage(text);
    if (message === null) return;
    for (const l of listeners) deliver(l, message);
  };
  return {
    kind: 'redis',
    async publish(message) {
      try {
        await publisher.publish(channel, JSON.stringify(message));
      } catch (e) {
        throw new SporeprintError(
          'SP_ERR_INTERNAL',
          `Publishing registry event ${message.event} of ${message.model} v${message.version} to Redis ${display} failed: ${(e as Error).message}`,
        );
      }
    },
    async subscribe(listener) {
      if (subscriber === null) {
        subscriber = connect().then(async (client) => {
          client.on('message', onMessage);
          await client.subscribe(channel);
          return client;
        });
        subscriber.catch(() => {
          subscriber = null;
        });
      }
      await subscriber;
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
      };
    },
    async close() {
      listeners.clear();
      const sub = subscriber === null ? null : await subscriber.catch(() => null);
      const clients = [publisher, sub].filter((c): c is Redis => c !== null);
      await Promise.all(
        clients.map((c) =>
          c.quit().then(
            () => undefined,
            () => c.disconnect(),
          ),
        ),
      );
    },
  };
}
