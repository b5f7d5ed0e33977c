import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GATE, EtlService, RegistryService, TrainingService } from '../../src/services/index.js';
import {
  openArtifactStore,
  openRedisEventBus,
  openStorage,
  REGISTRY_EVENTS_CHANNEL,
  type RegistryEventBus,
  type RegistryEventMessage,
  type Storage,
} from '../../src/storage/index.js';
import { CLASSIC, PRIMARY } from '../helpers/fixture-files.js';
import { sqliteBackend } from '../helpers/test-databases.js';

const redisUrl = process.env.SPOREPRINT_TEST_REDIS_URL;

/** Waits until `pred` holds for the collected messages (or fails after `ms`). */
async function waitFor<T>(items: T[], pred: (items: T[]) => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred(items)) {
    if (Date.now() > end) throw new Error(`timed out; got ${JSON.stringify(items)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

if (!redisUrl) {
  console.warn('SPOREPRINT_TEST_REDIS_URL not set: Redis registry event tests skipped');
  describe.skip('registry events over Redis (SPOREPRINT_TEST_REDIS_URL not set)', () => {
    it('needs SPOREPRINT_TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/15', () => {});
  });
} else {
  describe('registry events over Redis', () => {
    const backend = sqliteBackend();
    const dir = mkdtempSync(join(tmpdir(), 'sporeprint-redis-'));
    let storage: Storage;
    let bus: RegistryEventBus;
    let registry: RegistryService;
    let runId: string;
    const model = `redis-test-${process.pid}-${Date.now()}`;

    beforeAll(async () => {
      storage = await openStorage(backend.freshUrl());
      const artifacts = openArtifactStore(storage, { kind: 'file', dir });
      await new EtlService(storage.datasets, { invalidThreshold: 0.01, seed: 42, speciesFile: PRIMARY }).run({
        source: CLASSIC,
      });
      const training = new TrainingService({
        datasets: storage.datasets,
        runs: storage.runs,
        artifacts,
        codeVersion: 'test',
        seed: 42,
      });
      runId = (await training.train({ dataset: 'latest', models: ['decision-tree'] })).models[0].runId;
      bus = await openRedisEventBus(redisUrl); // fails the suite when the server does not answer
      registry = new RegistryService({
        runs: storage.runs,
        registry: storage.registry,
        artifacts,
        datasets: storage.datasets,
        events: bus,
        gate: DEFAULT_GATE,
      });
    }, 60_000);
    afterAll(async () => {
      await bus?.close();
      await storage?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a subscriber on a second Redis connection receives what the service publishes', async () => {
      const raw = new Redis(redisUrl);
      const wire: RegistryEventMessage[] = [];
      raw.on('message', (channel: string, text: string) => {
        const m = JSON.parse(text) as RegistryEventMessage;
        if (channel === REGISTRY_EVENTS_CHANNEL && m.model === model) wire.push(m);
      });
      await raw.subscribe(REGISTRY_EVENTS_CHANNEL);
      // and one through the bus's own subscriber connection
      const other = await openRedisEventBus(redisUrl);
      const viaBus: RegistryEventMessage[] = [];
      await other.subscribe((m) => {
        if (m.model === model) viaBus.push(m);
      });
      try {
        await registry.register(runId, { modelName: model, author: 'tester' });
        await registry.promote(model, 1, { actor: 'tester' });
        await registry.alias(model, 'champion', 1, 'tester');
        await waitFor(wire, (w) => w.length >= 3);
        await waitFor(viaBus, (w) => w.length >= 3);
        expect(wire.map((m) => [m.event, m.version, m.stage, m.alias])).toEqual([
          ['registered', 1, 'None', null],
          ['stage-changed', 1, 'Production', null],
          ['alias-set', 1, 'Production', 'champion'],
        ]);
        expect(Object.keys(wire[0]).sort()).toEqual(['alias', 'at', 'event', 'model', 'stage', 'version']);
        expect(Number.isNaN(Date.parse(wire[0].at))).toBe(false);
        expect(viaBus).toEqual(wire);
      } finally {
        await raw.quit();
        await other.close();
      }
    });

    it('an unreachable Redis is refused with a message naming it', async () => {
      await expect(openRedisEventBus('redis://127.0.0.1:1', { connectTimeoutMs: 500 })).rejects.toMatchObject(
        {
          code: 'SP_ERR_CONFIG',
          message: expect.stringContaining('redis://127.0.0.1:1'),
        },
      );
    });
  });
}
