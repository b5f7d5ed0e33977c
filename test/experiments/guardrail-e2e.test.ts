import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryService, TrainingService } from '../../src/services/index.js';
import {
  createInProcessEventBus,
  type ExperimentEvent,
  openArtifactStore,
  openStorage,
} from '../../src/storage/index.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnListening } from '../helpers/server-process.js';
import { prepareServingDatabase } from '../helpers/serving-setup.js';
import { sqliteBackend } from '../helpers/test-databases.js';

/**
 * The safety guardrail end to end, as a user runs it: a real server with its periodic check, an
 * experiment created and started with the CLI, traffic and true labels from `sporeprint simulate`.
 * The challenger is a depth-1 decision tree without the unknown-species guard and with its edible
 * answers allowed to lose 10% poisonous recall: it calls poisonous mushrooms edible, which the control
 * never does. The guardrail must stop it while the experiment runs, with its figures in the history.
 */
describe('the false-edible guardrail stops a harmful challenger in a running server', () => {
  const backend = sqliteBackend();
  let dbUrl: string;
  let env: Record<string, string>;
  let cleanup: () => void;
  let server: { child: ChildProcess; url: string } | undefined;
  let control: number;
  let harmful: number;

  beforeAll(async () => {
    dbUrl = backend.freshUrl();
    const prepared = await prepareServingDatabase(dbUrl);
    cleanup = prepared.cleanup;
    control = prepared.versions[0];
    const storage = await openStorage(dbUrl);
    try {
      const artifacts = openArtifactStore(storage, {
        kind: 'file',
        dir: join(prepared.varDir, 'artifacts'),
      });
      const trained = await new TrainingService({
        datasets: storage.datasets,
        runs: storage.runs,
        artifacts,
        codeVersion: 'test',
        seed: 42,
      }).train({
        dataset: 'latest',
        models: ['decision-tree'],
        params: { 'decision-tree': { maxDepth: 1 } },
        targetRecall: 0.9,
        guard: false,
      });
      const registry = new RegistryService({
        runs: storage.runs,
        registry: storage.registry,
        artifacts,
        datasets: storage.datasets,
        events: createInProcessEventBus(),
        gate: prepared.config.gate,
      });
      harmful = (await registry.register(trained.models[0].runId, { author: 'test' })).version;
    } finally {
      await storage.close();
    }
    env = {
      DATABASE_URL: dbUrl,
      SPOREPRINT_VAR_DIR: prepared.varDir,
      SPOREPRINT_MODEL_NAME: 'sporeprint-classic',
      SPOREPRINT_LOG_LEVEL: 'silent',
      SPOREPRINT_ACCESS_LOG: 'false',
      SPOREPRINT_PORT: '0',
      SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '1',
    };
    server = await spawnListening(['src/main/cli.ts', 'serve'], env);
  }, 600_000);

  afterAll(async () => {
    if (server) {
      const exited = new Promise((r) => server?.child.once('exit', r));
      server.child.kill('SIGTERM');
      await exited;
    }
    cleanup?.();
  });

  it('stops the challenger on the guardrail before the planned sample, recording its figures', async () => {
    const cli = (...args: string[]) => runCli(args, env);
    const created = await cli(
      'experiments',
      'create',
      '--id',
      'exp-harm',
      '--control',
      String(control),
      '--challenger',
      String(harmful),
      '--min-labelled',
      '100000',
      '--actor',
      'test',
    );
    expect(created.code, created.stderr).toBe(0);
    const started = await cli('experiments', 'start', 'exp-harm', '--actor', 'test', '--reason', 'try it');
    expect(started.code, started.stderr).toBe(0);

    // 3,000 requests, about 700 poisonous labelled per arm (the server checks every second)
    const sim = await cli(
      ...['simulate', '--url', server!.url, '--rate', '150', '--duration', '20'],
      ...['--clients', '400', '--label-delay', '0.2', '--label-share', '1', '--json'],
    );
    expect(sim.code, sim.stderr).toBe(0);
    let shown: { experiment: { status: string; statusReason: string | null } } | undefined;
    for (let i = 0; i < 20; i++) {
      const r = await cli('experiments', 'show', 'exp-harm', '--json');
      expect(r.code, r.stderr).toBe(0);
      shown = JSON.parse(r.stdout);
      if (shown?.experiment.status === 'stopped') break;
      await new Promise((res) => setTimeout(res, 1000));
    }
    expect(shown?.experiment.status, JSON.stringify(shown)).toBe('stopped');
    expect(shown?.experiment.statusReason).toMatch(/false-edible/i);

    const history = await cli('experiments', 'history', 'exp-harm', '--json');
    const events = JSON.parse(history.stdout) as ExperimentEvent[];
    const stop = events.at(-1) as ExperimentEvent & {
      details: { decision: { action: string; arm: string; figures: Record<string, number> } };
    };
    expect(stop).toMatchObject({ action: 'guardrail-stop', actor: 'system', toStatus: 'stopped' });
    expect(stop.details.decision).toMatchObject({ action: 'stop-guardrail', arm: 'challenger' });
    // the planned sample (100,000 labelled per arm) was never reached
    const storage = await openStorage(dbUrl);
    try {
      const labelled = await storage.feedback.joined();
      expect(labelled.length).toBeLessThanOrEqual(3000);
    } finally {
      await storage.close();
    }
  }, 300_000);
});
