import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SporeprintError } from '../../src/core/index.js';
import {
  DEFAULT_GATE,
  EtlService,
  type GateConfig,
  RegistryService,
  type TrainedModel,
  TrainingService,
} from '../../src/services/index.js';
import {
  type ArtifactStore,
  createInProcessEventBus,
  openArtifactStore,
  openStorage,
  type RegistryEventBus,
  type RegistryEventMessage,
  type Storage,
} from '../../src/storage/index.js';
import { CLASSIC, PRIMARY } from '../helpers/fixture-files.js';
import type { TestBackend } from '../helpers/test-databases.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Rejects with a SporeprintError of `code` whose message matches `message`. */
async function expectError(p: Promise<unknown>, code: string, message?: RegExp): Promise<SporeprintError> {
  const e = await p.then(
    () => {
      throw new Error(`expected ${code}, but it resolved`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SporeprintError);
  expect((e as SporeprintError).code, (e as Error).message).toBe(code);
  if (message) expect((e as Error).message).toMatch(message);
  return e as SporeprintError;
}

interface Child {
  /** Resolves once the child has opened the database and waits for the go. */
  readonly ready: Promise<void>;
  go(): void;
  readonly result: Promise<{ ok: boolean; code?: string; message?: string }>;
}

/** Starts a child that promotes a version when told to go (see test/helpers/registry-promote-child.ts). */
function startChild(args: string[]): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/helpers/registry-promote-child.ts', ...args],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    onReady = r;
  });
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const result = new Promise<{ ok: boolean; code?: string; message?: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      onReady();
      if (code !== 0) reject(new Error(`child exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}'));
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), result };
}

/** The model registry (issue 5) on one storage backend: registration, gate, stages, history, events. */
export function describeRegistryConformance(backend: TestBackend): void {
  describe(`model registry on ${backend.name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'sporeprint-registry-'));
    let url: string;
    let storage: Storage;
    let artifacts: ArtifactStore;
    let bus: RegistryEventBus;
    let lr: TrainedModel;
    let dt: TrainedModel;
    let poor: TrainedModel;
    let sourceId: string;
    let seq = 0;
    const events: RegistryEventMessage[] = [];

    const service = (gate: GateConfig = DEFAULT_GATE): RegistryService =>
      new RegistryService({
        runs: storage.runs,
        registry: storage.registry,
        artifacts,
        datasets: storage.datasets,
        events: bus,
        gate,
      });
    /** A fresh model name per test, so tests do not depend on each other. */
    const fresh = (): string => `m${++seq}-${backend.name.toLowerCase()}`;
    const registerAll = async (reg: RegistryService, name: string, models: TrainedModel[]) => {
      const out = [];
      for (const m of models) out.push(await reg.register(m.runId, { modelName: name, author: 'tester' }));
      return out;
    };
    const productionCount = async (name: string) =>
      (await storage.registry.listVersions(name)).filter((v) => v.stage === 'Production').length;

    beforeAll(async () => {
      url = backend.freshUrl();
      storage = await openStorage(url);
      artifacts = openArtifactStore(storage, { kind: 'file', dir });
      bus = createInProcessEventBus();
      await bus.subscribe((e) => events.push(e));
      const etl = new EtlService(storage.datasets, {
        invalidThreshold: 0.01,
        seed: 42,
        speciesFile: PRIMARY,
      });
      sourceId = (await etl.run({ source: CLASSIC })).sourceId;
      const training = new TrainingService({
        datasets: storage.datasets,
        runs: storage.runs,
        artifacts,
        codeVersion: 'test',
        seed: 42,
      });
      [lr, dt] = (
        await training.train({ dataset: 'latest', models: ['logistic-regression', 'decision-tree'] })
      ).models;
      // A deliberately poor model: heavy L2 penalty.
      [poor] = (
        await training.train({
          dataset: 'latest',
          models: ['logistic-regression'],
          params: { 'logistic-regression': { C: 1e-4 } },
        })
      ).models;
    }, 120_000);
    afterAll(async () => {
      await storage?.close();
      await bus?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('registers succeeded runs with metrics, params, lineage and artifact; refuses failed and unknown runs', async () => {
      const reg = service();
      const name = fresh();
      const [v1, v2] = await registerAll(reg, name, [lr, dt]);
      expect([v1.version, v2.version]).toEqual([1, 2]);
      expect(v1).toMatchObject({
        modelName: name,
        runId: lr.runId,
        sourceSha256: sourceId,
        artifactSha256: lr.artifact.sha256,
        artifactStore: 'file',
        stage: 'None',
        author: 'tester',
        tags: { modelKind: 'logistic-regression' },
      });
      expect((v1.metrics as { test: { accuracy: number } }).test.accuracy).toBe(lr.metrics.test.accuracy);
      expect(v1.params).toEqual(lr.params);
      const details = await reg.show(name);
      expect(details.versions.map((v) => v.version)).toEqual([2, 1]);
      expect((await reg.list()).map((m) => m.name)).toContain(name);
      expect(events).toContainEqual(
        expect.objectContaining({ event: 'registered', model: name, version: 2, stage: 'None' }),
      );

      await expectError(reg.register('run-nope', { author: 'x' }), 'SP_ERR_NOT_FOUND', /run-nope/);
      await storage.runs.create({
        id: `run-failed-${seq}`,
        datasetId: v1.datasetId,
        modelKind: 'decision-tree',
        modelName: name,
        params: {},
        codeVersion: 'test',
      });
      await storage.runs.finish(`run-failed-${seq}`, {
        status: 'failed',
        metrics: null,
        durations: {},
        artifactSha256: null,
        artifactBytes: null,
        warnings: [],
        error: 'boom',
      });
      await expectError(
        reg.register(`run-failed-${seq}`, { author: 'x' }),
        'SP_ERR_REGISTRY_STATE',
        /is failed \(boom\): only succeeded runs/,
      );
    });

    it('calls onRegistered with each new version; its failure is reported and the registration stands', async () => {
      const seen: string[] = [];
      const failures: string[] = [];
      const hooked = (fail: boolean) =>
        new RegistryService({
          runs: storage.runs,
          registry: storage.registry,
          artifacts,
          datasets: storage.datasets,
          events: bus,
          gate: DEFAULT_GATE,
          onRegistered: async (v) => {
            seen.push(`${v.modelName}:${v.version}`);
            if (fail) throw new Error('profile store down');
          },
          onRegisteredError: (e, v) => failures.push(`${v.version}: ${e.message}`),
        });
      const name = fresh();
      const a = await hooked(false).register(lr.runId, { modelName: name, author: 'tester' });
      const b = await hooked(true).register(dt.runId, { modelName: name, author: 'tester' });
      expect(seen).toEqual([`${name}:${a.version}`, `${name}:${b.version}`]);
      expect(failures).toEqual([`${b.version}: profile store down`]);
      const versions = (await storage.registry.listVersions(name)).map((v) => v.version);
      expect(versions.sort((x, y) => x - y)).toEqual([a.version, b.version]);
    });

    it('promotes through the gate, keeps exactly one Production version, and records the history', async () => {
      const reg = service();
      const name = fresh();
      await registerAll(reg, name, [lr, dt]);
      const before = events.length;
      const p1 = await reg.promote(name, 1, { actor: 'alice', reason: 'first release' });
      expect(p1.gate?.passed).toBe(true);
      expect(p1.gate?.production).toBeNull();
      expect(p1.gate?.rules.map((r) => r.rule)).toEqual([
        'min-recall',
        'max-false-edible',
        'max-served-false-edible',
        'min-accuracy',
      ]);
      // The gate's figures are measured again on the test split; they equal what training recorded.
      expect(p1.gate?.candidate.figures.accuracy).toBe(lr.metrics.test.accuracy);
      expect(p1.gate?.candidate.figures.n).toBe(lr.metrics.test.n);
      const between = new Date();
      await new Promise((r) => setTimeout(r, 20));
      const p2 = await reg.promote(name, 2, { actor: 'bob', reason: 'tree is better' });
      expect(p2.gate?.passed).toBe(true);
      expect(p2.gate?.production?.version).toBe(1);
      expect(p2.gate?.production?.figures?.n).toBe(p2.gate?.candidate.figures.n);
      expect(p2.gate?.rules.map((r) => r.rule)).toContain('no-regression-recall');
      expect(p2.previousProduction?.version).toBe(1);
      expect(await productionCount(name)).toBe(1);
      expect((await storage.registry.getVersion(name, 1)).stage).toBe('Archived');
      expect((await reg.show(name)).model.productionVersion).toBe(2);

      const history = await reg.history(name);
      expect(history.map((e) => [e.event, e.version, e.fromStage, e.toStage, e.actor])).toEqual([
        ['registered', 1, null, 'None', 'tester'],
        ['registered', 2, null, 'None', 'tester'],
        ['stage-changed', 1, 'None', 'Production', 'alice'],
        ['stage-changed', 1, 'Production', 'Archived', 'bob'],
        ['stage-changed', 2, 'None', 'Production', 'bob'],
      ]);
      expect(history[2].reason).toBe('first release');
      expect(history[4].forced).toBe(false);
      expect((history[4].metrics as { test: { recall: number } }).test.recall).toBe(dt.metrics.test.recall);
      expect(await reg.productionAt(name, between)).toBe(1);
      expect(await reg.productionAt(name, new Date())).toBe(2);
      expect(await reg.productionAt(name, new Date(0))).toBeNull();
      expect(events.slice(before).map((e) => [e.event, e.version, e.stage])).toEqual([
        ['stage-changed', 1, 'Production'],
        ['stage-changed', 1, 'Archived'],
        ['stage-changed', 2, 'Production'],
      ]);
      // Staging needs no gate.
      const [v3] = await registerAll(reg, name, [poor]);
      const staged = await reg.promote(name, v3.version, { stage: 'Staging', actor: 'carol' });
      expect(staged.gate).toBeNull();
      expect(staged.version.stage).toBe('Staging');
    });

    it('blocks a poor model with each failed rule and its figures; --force needs a reason and is recorded', async () => {
      const reg = service();
      const name = fresh();
      await registerAll(reg, name, [poor]);
      const e = await expectError(reg.promote(name, 1, { actor: 'alice' }), 'SP_ERR_QUALITY_GATE');
      const t = poor.metrics.test;
      expect(e.message).toContain(`min-recall: recall ${t.recall.toFixed(4)} < minimum 0.9990`);
      expect(e.message).toContain(`max-false-edible: false-edible ${t.falseEdible} > maximum 0`);
      expect(e.message).toContain(`min-accuracy: accuracy ${t.accuracy.toFixed(4)} < minimum 0.9900`);
      expect(e.message).not.toContain('max-served-false-edible'); // the policy answers uncertain instead
      expect(await productionCount(name)).toBe(0);
      await expectError(reg.promote(name, 1, { actor: 'alice', force: true }), 'SP_ERR_USAGE', /reason/);
      const forced = await reg.promote(name, 1, { actor: 'alice', force: true, reason: 'incident 42 demo' });
      expect(forced.forced).toBe(true);
      expect(forced.gate?.passed).toBe(false);
      expect(forced.version.stage).toBe('Production');
      const last = (await reg.history(name)).at(-1);
      expect(last?.forced).toBe(true);
      expect(last?.reason).toMatch(/^incident 42 demo \[quality gate overridden: min-recall: recall/);
    });

    it('refuses a regression against Production measured on the same rows', async () => {
      // Loose absolute thresholds: only the no-regression rules can fail.
      const reg = service({ minRecall: 0, maxFalseEdible: 1_000_000, minAccuracy: 0, tolerance: 0.001 });
      const name = fresh();
      await registerAll(reg, name, [dt, poor]);
      await reg.promote(name, 1, { actor: 'alice' });
      const e = await expectError(reg.promote(name, 2, { actor: 'alice' }), 'SP_ERR_QUALITY_GATE');
      expect(e.message).toMatch(
        /no-regression-recall: recall 0\.\d{4} < Production v1 1\.0000 − tolerance 0\.001 = 0\.9990/,
      );
      expect(e.message).toMatch(/no-regression-accuracy: accuracy 0\.\d{4} </);
      expect(e.message).toMatch(
        /no-regression-false-edible: false-edible \d+ > Production v1 0 \+ tolerance = \d+/,
      );
      expect(e.message).not.toMatch(/min-recall|min-accuracy/);
      expect((await storage.registry.productionVersion(name))?.version).toBe(1);
    });

    it('rolls back to the previously promoted version in one call', async () => {
      const reg = service();
      const name = fresh();
      await registerAll(reg, name, [lr, dt]);
      await expectError(
        reg.rollback(name, 'alice'),
        'SP_ERR_REGISTRY_STATE',
        /no earlier Production version/,
      );
      await reg.promote(name, 1, { actor: 'alice' });
      await reg.promote(name, 2, { actor: 'alice' });
      const before = events.length;
      const r = await reg.rollback(name, 'bob', 'v2 misbehaves');
      expect(r.version.version).toBe(1);
      expect(r.version.stage).toBe('Production');
      expect(r.previousProduction?.version).toBe(2);
      expect(await productionCount(name)).toBe(1);
      const last = (await reg.history(name)).at(-1);
      expect(last).toMatchObject({ event: 'rolled-back', version: 1, actor: 'bob', reason: 'v2 misbehaves' });
      expect(events.slice(before).map((e) => [e.event, e.version, e.stage])).toEqual([
        ['stage-changed', 2, 'Archived'],
        ['rolled-back', 1, 'Production'],
      ]);
    });

    it('compares two versions on the same rows: metric deltas and decision disagreements', async () => {
      const reg = service();
      const name = fresh();
      await registerAll(reg, name, [lr, poor]);
      const c = await reg.compare(name, 1, 2);
      expect(c.rows).toBe(lr.metrics.test.n);
      expect(c.metrics.accuracy.a).toBe(lr.metrics.test.accuracy);
      expect(c.metrics.accuracy.b).toBe(poor.metrics.test.accuracy);
      expect(c.metrics.accuracy.delta).toBeCloseTo(poor.metrics.test.accuracy - lr.metrics.test.accuracy, 12);
      expect(c.metrics.falseEdible.delta).toBe(poor.metrics.test.falseEdible - lr.metrics.test.falseEdible);
      expect(c.disagreements).toBeGreaterThan(0);
      const m = c.decisionMatrix;
      expect(m.flat().reduce((a, b) => a + b, 0)).toBe(c.rows);
      expect(c.rows - (m[0][0] + m[1][1] + m[2][2])).toBe(c.disagreements);
      expect(c.disagreementShare).toBeCloseTo(c.disagreements / c.rows, 12);
      const same = await reg.compare(name, 1, 1);
      expect(same.disagreements).toBe(0);
      expect(same.metrics.recall.delta).toBe(0);
    });

    it('aliases select versions for loading; loadPipeline verifies and predicts', async () => {
      const reg = service();
      const name = fresh();
      await registerAll(reg, name, [lr, dt]);
      await reg.alias(name, 'champion', 1, 'alice');
      await reg.alias(name, 'champion', 2, 'alice', 'tree wins');
      expect((await reg.loadPipeline(name, 'champion')).version.version).toBe(2);
      await expectError(reg.loadPipeline(name, 'production'), 'SP_ERR_NOT_FOUND', /no version in Production/);
      await reg.promote(name, 1, { actor: 'alice' });
      const { version, pipeline } = await reg.loadPipeline(name, 'production');
      expect(version.version).toBe(1);
      expect(pipeline.modelKind).toBe('logistic-regression');
      expect((await reg.loadPipeline(name, 2)).pipeline.modelKind).toBe('decision-tree');
      await reg.removeAlias(name, 'champion', 'alice');
      await expectError(reg.loadPipeline(name, 'champion'), 'SP_ERR_NOT_FOUND', /no alias champion/);
      const aliasEvents = (await reg.history(name)).filter((e) => e.alias === 'champion');
      expect(aliasEvents.map((e) => [e.event, e.version])).toEqual([
        ['alias-set', 1],
        ['alias-set', 2],
        ['alias-removed', 2],
      ]);
      expect(events).toContainEqual(
        expect.objectContaining({ event: 'alias-removed', model: name, alias: 'champion' }),
      );
    });

    it('unknown models and versions are SP_ERR_NOT_FOUND, naming them', async () => {
      const reg = service();
      const name = fresh();
      await registerAll(reg, name, [lr]);
      await expectError(reg.promote('no-such-model', 1, { actor: 'a' }), 'SP_ERR_NOT_FOUND', /no-such-model/);
      await expectError(
        reg.promote(name, 9, { actor: 'a' }),
        'SP_ERR_NOT_FOUND',
        new RegExp(`${name} has no version 9`),
      );
      await expectError(reg.loadPipeline(name, 9), 'SP_ERR_NOT_FOUND', /no version 9/);
      await expectError(reg.history('no-such-model'), 'SP_ERR_NOT_FOUND', /no-such-model is not registered/);
      await expectError(reg.compare(name, 1, 9), 'SP_ERR_NOT_FOUND', /no version 9/);
      await expectError(reg.show('no-such-model'), 'SP_ERR_NOT_FOUND');
      await expectError(reg.rollback('no-such-model', 'a'), 'SP_ERR_NOT_FOUND');
    });

    it('refuses to promote an archived version without --force and a reason', async () => {
      const reg = service();
      const name = fresh();
      await registerAll(reg, name, [lr]);
      await reg.archive(name, 1, { actor: 'alice', reason: 'superseded' });
      await expectError(
        reg.promote(name, 1, { actor: 'alice' }),
        'SP_ERR_REGISTRY_STATE',
        /is Archived: promoting it to Production needs --force/,
      );
      await expectError(
        reg.promote(name, 1, { actor: 'alice', stage: 'Staging' }),
        'SP_ERR_REGISTRY_STATE',
        /Archived/,
      );
      const r = await reg.promote(name, 1, { actor: 'alice', force: true, reason: 'bring it back' });
      expect(r.version.stage).toBe('Production');
      expect((await reg.history(name)).at(-1)).toMatchObject({ forced: true, reason: 'bring it back' });
    });

    it('refuses to archive (or stage) the Production version unless forced with a reason, which is recorded', async () => {
      const reg = service();
      const name = fresh();
      await registerAll(reg, name, [lr, dt]);
      await reg.promote(name, 1, { actor: 'alice' });
      const snapshot = async () => ({
        versions: await storage.registry.listVersions(name),
        history: await reg.history(name),
      });
      const before = await snapshot();
      const published = events.length;
      await expectError(
        reg.archive(name, 1, { actor: 'bob' }),
        'SP_ERR_REGISTRY_STATE',
        /Version 1 of model .* is in Production: moving it to Archived would leave the model with no Production version\. Promote another version first .*--force --reason/,
      );
      await expectError(
        reg.promote(name, 1, { actor: 'bob', stage: 'Staging' }),
        'SP_ERR_REGISTRY_STATE',
        /is in Production: moving it to Staging/,
      );
      await expectError(reg.archive(name, 1, { actor: 'bob', force: true }), 'SP_ERR_USAGE', /reason/);
      await expectError(
        reg.archive(name, 1, { actor: 'bob', force: true, reason: '  ' }),
        'SP_ERR_USAGE',
        /reason/,
      );
      // Refusals change nothing and publish nothing.
      expect(await snapshot()).toEqual(before);
      expect(events.length).toBe(published);

      // Versions outside Production archive without force.
      const other = await reg.archive(name, 2, { actor: 'bob', reason: 'not needed' });
      expect(other.version.stage).toBe('Archived');
      expect(other.previousProduction).toBeNull();
      expect((await reg.history(name)).at(-1)).toMatchObject({
        version: 2,
        forced: false,
        reason: 'not needed',
      });

      const forced = await reg.archive(name, 1, { actor: 'carol', force: true, reason: 'recall incident 7' });
      expect(forced.version.stage).toBe('Archived');
      expect(await productionCount(name)).toBe(0);
      expect((await reg.history(name)).at(-1)).toMatchObject({
        event: 'stage-changed',
        version: 1,
        fromStage: 'Production',
        toStage: 'Archived',
        actor: 'carol',
        forced: true,
        reason: 'recall incident 7',
      });
    });

    it('refuses to load or promote a tampered artifact, naming the file', async () => {
      const reg = service();
      const name = fresh();
      await registerAll(reg, name, [dt]);
      const path = artifacts.describe(dt.artifact.sha256);
      const original = readFileSync(path);
      chmodSync(path, 0o644);
      try {
        const text = original.toString('utf8').replace('"decision-tree"', '"decision-treE"');
        writeFileSync(path, text);
        await expectError(
          reg.loadPipeline(name, 1),
          'SP_ERR_ARTIFACT_CORRUPT',
          new RegExp(`${path.replace(/[/.]/g, '\\$&')} is corrupt or was tampered with`),
        );
        await expectError(reg.promote(name, 1, { actor: 'alice' }), 'SP_ERR_ARTIFACT_CORRUPT', /tampered/);
        expect(await productionCount(name)).toBe(0);
        await expectError(
          reg.register(dt.runId, { modelName: name, author: 'x' }),
          'SP_ERR_ARTIFACT_CORRUPT',
        );
      } finally {
        writeFileSync(path, original);
        chmodSync(path, 0o444);
      }
      expect((await reg.loadPipeline(name, 1)).pipeline.modelKind).toBe('decision-tree');
    });

    it('two processes promoting different versions at once leave exactly one Production version', async () => {
      const reg = service();
      const name = fresh();
      await registerAll(reg, name, [lr, dt]);
      for (let round = 0; round < 2; round++) {
        const children = [startChild([url, dir, name, '1']), startChild([url, dir, name, '2'])];
        await Promise.all(children.map((c) => c.ready));
        for (const c of children) c.go();
        const results = await Promise.all(children.map((c) => c.result));
        for (const r of results) {
          // Either promoted, or (round 2, the version already there) refused with a clear message.
          if (!r.ok) expect(r.code, r.message).toMatch(/SP_ERR_REGISTRY_STATE|SP_ERR_CONFLICT/);
        }
        if (round === 0) expect(results.every((r) => r.ok)).toBe(true);
        const versions = await storage.registry.listVersions(name);
        expect(versions.filter((v) => v.stage === 'Production')).toHaveLength(1);
        // The history replays to the same state: every promotion archived its predecessor.
        const history = await reg.history(name);
        let prod: number | null = null;
        for (const e of history) {
          if (e.toStage === 'Production') {
            expect(prod).toBeNull();
            prod = e.version;
          } else if (e.fromStage === 'Production') {
            expect(prod).toBe(e.version);
            prod = null;
          }
        }
        expect(prod).toBe(versions.find((v) => v.stage === 'Production')?.version);
      }
    }, 60_000);
  });
}
