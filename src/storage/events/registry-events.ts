import { EventEmitter } from 'node:events';
import type { ModelStage, RegistryEventKind } from '../registry/registry-types.js';

/**
 * A registry change as published to other parts of the system (and, over Redis, other processes),
 * after the change committed. The JSON form is exactly this object.
 */
export interface RegistryEventMessage {
  readonly event: RegistryEventKind;
  readonly model: string;
  readonly version: number;
  /** The version's stage after the change. */
  readonly stage: ModelStage | null;
  /** The alias of `alias-set` / `alias-removed`, else `null`. */
  readonly alias: string | null;
  /** ISO-8601 time of publication. */
  readonly at: string;
}

/** Receives published registry events. Exceptions it throws are swallowed (one bad listener must not stop others). */
export type RegistryEventListener = (message: RegistryEventMessage) => void;

/**
 * Publishes registry events to subscribers: in-process ({@link createInProcessEventBus}) or across
 * processes through Redis pub/sub (`openRedisEventBus`).
 */
export interface RegistryEventBus {
  /** `'in-process'` or `'redis'`. */
  readonly kind: 'in-process' | 'redis';
  /** Delivers `message` to every subscriber (over Redis: of every process on the channel). */
  publish(message: RegistryEventMessage): Promise<void>;
  /**
   * Calls `listener` for every event published from now on; resolves once the subscription is
   * active, with a function that ends it.
   */
  subscribe(listener: RegistryEventListener): Promise<() => Promise<void>>;
  /** Ends every subscription and closes connections. */
  close(): Promise<void>;
}

/** Calls a listener, swallowing its exceptions. */
export function deliver(listener: RegistryEventListener, message: RegistryEventMessage): void {
  try {
    listener(message);
  } catch {
    // a listener's failure is its own business
  }
}

/**
 * A bus that delivers events to subscribers of the same process (a Node.js EventEmitter).
 *
 * @example
 * const bus = createInProcessEventBus();
 * await bus.subscribe((e) => console.log(e.event, e.model, e.version));
 */
export function createInProcessEventBus(): RegistryEventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    kind: 'in-process',
    async publish(message) {
      emitter.emit('event', message);
    },
    async subscribe(listener) {
      const handler = (m: RegistryEventMessage): void => deliver(listener, m);
      emitter.on('event', handler);
      return async () => {
        emitter.off('event', handler);
      };
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}
