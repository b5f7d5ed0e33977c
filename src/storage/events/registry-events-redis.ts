import type { Redis } from 'ioredis';
import { SporeprintError } from '../../core/index.js';
import { redactUrl } from '../db/database-url.js';
import { ioredis } from '../db/optional-drivers.js';
import { MODEL_STAGES } from '../registry/registry-types.js';
import {
  deliver,
  type RegistryEventBus,
  type RegistryEventListener,
  type RegistryEventMessage,
} from './registry-events.js';

/** The Redis pub/sub channel of registry events. */
export const REGISTRY_EVENTS_CHANNEL = 'sporeprint:registry';

/** Options of {@link openRedisEventBus}. */
export interface RedisEventBusOptions {
  /** Default {@link REGISTRY_EVENTS_CHANNEL}. */
  readonly channel?: string;
  /** How long to wait for the server, in milliseconds (default 3,000). */
  readonly connectTimeoutMs?: number;
}

const EVENT_KINDS = new Set(['registered', 'stage-changed', 'alias-set', 'alias-removed', 'rolled-back']);

/** Parses a message from the channel; `null` for anything that is not a registry event. */
export function parseRegistryEventMessage(text: string): RegistryEventMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Record<string, unknown>;
  if (
    typeof m.event !== 'string' ||
    !EVENT_KINDS.has(m.event) ||
    typeof m.model !== 'string' ||
    typeof m.version !== 'number' ||
    !(m.stage === null || MODEL_STAGES.includes(m.stage as never)) ||
    !(m.alias === null || typeof m.alias === 'string') ||
    typeof m.at !== 'string'
  ) {
    return null;
  }
  return m as unknown as RegistryEventMessage;
}

/**
 * A registry event bus over Redis pub/sub: `publish` sends the JSON message on the channel
 * (`sporeprint:registry`), and subscribers (in this or any other process) receive it through a second,
 * subscriber-mode connection opened on the first `subscribe`. Resolves once the server answered;
 * rejects with `SP_ERR_CONFIG` when it does not (the URL is named, password redacted).
 *
 * @example
 * const bus = await openRedisEventBus('redis://127.0.0.1:6379');
 * await bus.subscribe((e) => reloadModel(e.model));
 */
export async function openRedisEventBus(
  url: string,
  options: RedisEventBusOptions = {},
): Promise<RegistryEventBus> {
  const channel = options.channel ?? REGISTRY_EVENTS_CHANNEL;
  const connectTimeout = options.connectTimeoutMs ?? 3000;
  const display = redactUrl(url);
  const connect = async (): Promise<Redis> => {
    const client = new (ioredis().Redis)(url, {
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
