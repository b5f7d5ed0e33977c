/** Plans and runs the pipeline repository's conformance suites create. */

import { afterEach } from 'vitest';
import type { PipelinePlan, RetryPolicy } from '../../../pipeline/index.js';
import { type NewPipelineRun, openStorage, type Storage } from '../../index.js';

export const T0 = new Date('2024-03-01T10:00:00.000Z');
export const at = (ms: number): Date => new Date(T0.getTime() + ms);

let seq = 0;
/** A fresh uuid-v7-shaped id; later calls sort after earlier ones, as uuid v7 ids do. */
export const newRunId = (): string => `01900000-0000-7000-8000-${(++seq).toString(16).padStart(12, '0')}`;

const retry = (maxAttempts: number): RetryPolicy => ({
  maxAttempts,
  delayMs: 1000,
  factor: 2,
  maxDelayMs: 300_000,
  jitter: 'full',
});

/** A diamond: a → (b, c) → d. */
export const PLAN: PipelinePlan = {
  pipeline: 'diamond',
  params: { source: 'data/ünïcode.csv', n: 3, flag: true },
  tasks: [
    { id: 'a', kind: 'noop', dependsOn: [], params: {}, retry: retry(1), timeoutMs: null },
    {
      id: 'b',
      kind: 'train',
      dependsOn: ['a'],
      params: { model: 'lr', nested: { x: [1, 2.5, null], y: 'é' } },
      retry: retry(3),
      timeoutMs: 5000,
    },
    { id: 'c', kind: 'noop', dependsOn: ['a'], params: {}, retry: retry(2), timeoutMs: null },
    { id: 'd', kind: 'noop', dependsOn: ['b', 'c'], params: {}, retry: retry(1), timeoutMs: null },
  ],
};

export const newRun = (over: Partial<NewPipelineRun> = {}): NewPipelineRun => ({
  id: newRunId(),
  plan: PLAN,
  triggerKind: 'manual',
  executor: 'local',
  now: T0,
  ...over,
});

/**
 * Storages opened by a test and closed after it: `storage()` on a fresh database (or `url`),
 * `several(n)` on one fresh database through separate connections, as separate processes would be.
 */
export function openedStorages(makeUrl: () => string): {
  storage(url?: string): Promise<Storage>;
  several(n: number): Promise<Storage[]>;
} {
  const open: Storage[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  const storage = async (url = makeUrl()) => {
    const s = await openStorage(url);
    open.push(s);
    return s;
  };
  return {
    storage,
    async several(n) {
      const url = makeUrl();
      const out: Storage[] = [];
      for (let i = 0; i < n; i++) out.push(await storage(url));
      return out;
    },
  };
}
