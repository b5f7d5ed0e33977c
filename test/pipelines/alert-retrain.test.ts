/**
 * The monitoring hook: an alert whose rule has the action `retrain` starts the `retrain` pipeline,
 * once per firing (SQLite; a stand-in `retrain` pipeline keeps the test fast).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { buildAlertService, retrainOnAlert } from '../../src/main/alert-deps.js';
import { createLocalRunner } from '../../src/pipeline/index.js';
import { PipelineCatalogue, PipelineService } from '../../src/services/index.js';
import { openArtifactStore, openStorage, type Storage } from '../../src/storage/index.js';
import { testRegistry } from './test-registry.js';

describe('alert action retrain starts the retrain pipeline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-alert-retrain-'));
  let storage: Storage;
  let service: PipelineService;
  let runner: ReturnType<typeof createLocalRunner>;

  beforeAll(async () => {
    storage = await openStorage(`sqlite:${join(dir, 'db.sqlite')}`);
    const catalogue = new PipelineCatalogue([
      {
        source: 'test',
        module: {
          pipelines: [
            {
              name: 'retrain',
              params: {
                modelName: { type: 'string', default: 'sporeprint-secondary' },
                includeFeedback: { type: 'boolean', default: false },
              },
              tasks: [{ id: 'note', kind: 'note', params: { model: { $param: 'modelName' } } }],
            },
          ],
          tasks: { note: async (ctx) => ({ model: ctx.params.model ?? null }) },
        },
      },
    ]);
    runner = createLocalRunner({ handler: (job, signal) => service.executeTask(job, signal) });
    service = new PipelineService({
      repo: storage.pipelines,
      catalogue,
      runtime: { runner, executor: 'local', owner: 'test:1:alert' },
      heartbeatMs: 200,
    });
  });
  afterAll(async () => {
    await runner?.close(1000);
    await service?.close();
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one run per firing, named in the alert history; the same firing twice is one run', async () => {
    const config = loadConfig({
      env: { SPOREPRINT_VAR_DIR: dir },
      fileText: JSON.stringify({ alerts: { rules: [{ name: 'dataset_drift', action: 'retrain' }] } }),
    });
    const registry = testRegistry(
      storage,
      openArtifactStore(storage, { kind: 'file', dir: join(dir, 'artifacts') }),
      config.gate,
    );
    const retrain = retrainOnAlert(async () => service);
    const alerts = buildAlertService(storage, registry, config, () => {}, retrain);
    const firing = await alerts.check({ dataset_drift_share: 0.7 }, new Date('2026-01-01T10:00:00Z'));
    const [action] = firing.actions;
    expect(action).toMatchObject({ action: 'retrain', outcome: 'ok' });
    expect(action.message).toMatch(
      /^retraining of sporeprint-secondary requested: pipeline run [0-9a-f-]{36}$/,
    );
    const [run] = await service.list({ pipeline: 'retrain' });
    expect(run).toMatchObject({
      triggerKind: 'alert',
      triggerRef: expect.stringMatching(/^dataset_drift /),
      dedupeKey: expect.stringMatching(/^alert:.+:2026-01-01T10:00:00\.000Z$/),
      createdBy: 'sporeprint-alerts',
      // the loop closed: the retraining an alert starts learns from the labelled production traffic
      params: { modelName: 'sporeprint-secondary', includeFeedback: true },
    });
    expect((await service.waitFor(run.id)).run.outcome).toEqual({ model: 'sporeprint-secondary' });

    // the same firing delivered again (another replica, a retried action): the same run
    const fingerprint = (run.triggerRef as string).split(' ')[1];
    const again = await retrain({
      model: 'sporeprint-secondary',
      alertname: 'dataset_drift',
      fingerprint,
      reason: '',
      at: new Date('2026-01-01T10:00:00Z'),
    });
    expect(again).toBe(run.id);
    expect(await service.list({ pipeline: 'retrain' })).toHaveLength(1);
  }, 60_000);
});
