import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelPipeline } from '../../src/ml/index.js';
import { EtlService, RunsService, TrainingService } from '../../src/services/index.js';
import { type ArtifactStore, openArtifactStore, openStorage, type Storage } from '../../src/storage/index.js';
import { CLASSIC, PRIMARY, SECONDARY } from '../helpers/fixture-files.js';
import type { TestBackend } from '../helpers/test-databases.js';

/** Training behaviour on every storage backend (issue 3). */
export function describeTrainingConformance(backend: TestBackend): void {
  describe(`training on ${backend.name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'sporeprint-artifacts-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    let storage: Storage;
    let artifacts: ArtifactStore;
    let etl: EtlService;
    let training: TrainingService;
    let runs: RunsService;

    beforeEach(async () => {
      storage = await openStorage(backend.freshUrl());
      artifacts = openArtifactStore(storage, { kind: 'file', dir });
      etl = new EtlService(storage.datasets, { invalidThreshold: 0.01, seed: 42, speciesFile: PRIMARY });
      training = new TrainingService({
        datasets: storage.datasets,
        runs: storage.runs,
        artifacts,
        codeVersion: 'test',
        seed: 42,
      });
      runs = new RunsService(storage.runs);
    });
    afterEach(async () => {
      await storage.close();
    });

    it('trains the three learners on the classic data, records runs and stores loadable artifacts', async () => {
      const ds = await etl.run({ source: CLASSIC });
      const events: string[] = [];
      const s = await training.train({
        dataset: 'latest',
        models: ['logistic-regression', 'decision-tree', 'gradient-boosting'],
        cv: 3,
        onProgress: (e) => events.push(`${e.model}:${e.phase}`),
      });
      expect(s.datasetId).toBe(ds.datasetId);
      expect(s.models.map((m) => m.modelKind)).toEqual([
        'logistic-regression',
        'decision-tree',
        'gradient-boosting',
      ]);
      for (const m of s.models) {
        expect(m.metrics.test.n).toBe(s.rows.test);
        expect(m.metrics.cv?.k).toBe(3);
        expect(m.metrics.cv?.folds).toHaveLength(3);
        if (m.modelKind !== 'logistic-regression') expect(m.metrics.test.falseEdible).toBe(0);
        expect(m.metrics.policy.test.falseEdible).toBe(0);
        const run = await runs.get(m.runId);
        expect(run).toMatchObject({
          status: 'succeeded',
          datasetId: ds.datasetId,
          modelKind: m.modelKind,
          codeVersion: 'test',
        });
        expect(run.artifactSha256).toBe(m.artifact.sha256);
        const pipe = ModelPipeline.fromJSON(
          JSON.parse(new TextDecoder().decode(await artifacts.get(m.artifact.sha256))),
        );
        expect(pipe.modelKind).toBe(m.modelKind);
      }
      expect(events).toContain('gradient-boosting:done');
      expect((await runs.list()).length).toBe(3);
    });

    it('gradient boosting on the secondary data: ≥ 99.95% accuracy and zero false-edible on test', async () => {
      await etl.run({ source: SECONDARY });
      const s = await training.train({ dataset: 'latest', models: ['gradient-boosting'] });
      const t = s.models[0].metrics.test;
      expect(t.accuracy).toBeGreaterThanOrEqual(0.9995);
      expect(t.falseEdible).toBe(0);
      expect(t.recall).toBe(1);
    });

    it('unknown-species guard: on unseen species almost no "edible" answer is poisonous, on seen species most edible stay edible', async () => {
      await etl.run({ source: SECONDARY });
      const s = await training.train({
        dataset: 'latest',
        models: ['gradient-boosting'],
        params: { 'gradient-boosting': { nEstimators: 30 } },
        cv: 3,
        groupCv: 3,
      });
      const m = s.models[0].metrics;
      expect(m.guard?.reason).toBe('unlike any species in the training data');
      const unseen = m.groupCv!.decisions!;
      expect(unseen.withoutGuard.falseEdibleShareOfEdible).toBeGreaterThan(0.2);
      expect(unseen.withGuard.falseEdibleShareOfEdible).toBeLessThanOrEqual(0.005);
      const seen = m.cv!.decisions!;
      expect(seen.withGuard.edibleKeptShare).toBeGreaterThanOrEqual(0.9);
      expect(seen.withGuard.falseEdibleShareOfEdible).toBeLessThanOrEqual(0.0005);
      // the served pipeline carries the guard: a mushroom unlike the training data is "uncertain"
      const run = await runs.get(s.models[0].runId);
      const pipe = ModelPipeline.fromJSON(
        JSON.parse(new TextDecoder().decode(await artifacts.get(run.artifactSha256!))),
      );
      const odd = pipe.predictOne(
        pipe.featureNames.map((f) =>
          f === 'cap-diameter' ? 60 : f === 'cap-shape' ? 'c' : f === 'habitat' ? 'w' : null,
        ),
      );
      expect(odd).toMatchObject({ decision: 'uncertain', reason: 'unlike any species in the training data' });
    });

    it('refuses unknown datasets, bad folds and species CV without species, recording nothing', async () => {
      await expect(training.train({ dataset: 'ds-nope', models: ['decision-tree'] })).rejects.toMatchObject({
        code: 'SP_ERR_NOT_FOUND',
      });
      await expect(training.train({ dataset: 'latest', models: ['decision-tree'] })).rejects.toThrow(
        /no dataset versions yet/,
      );
      await etl.run({ source: CLASSIC });
      await expect(
        training.train({ dataset: 'latest', models: ['decision-tree'], cv: 1 }),
      ).rejects.toMatchObject({
        code: 'SP_ERR_BAD_PARAM',
      });
      await expect(
        training.train({ dataset: 'latest', models: ['decision-tree'], groupCv: 3 }),
      ).rejects.toThrow(/species-grouped CV needs species labels/);
      expect(await runs.list()).toEqual([]);
    });

    it('records a failed run when a learner rejects its parameters', async () => {
      await etl.run({ source: CLASSIC });
      await expect(
        training.train({
          dataset: 'latest',
          models: ['decision-tree'],
          params: { 'decision-tree': { maxDepth: -2 } },
        }),
      ).rejects.toMatchObject({ code: 'SP_ERR_BAD_PARAM' });
      const list = await runs.list();
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ status: 'failed', modelKind: 'decision-tree' });
      expect(list[0].error).toMatch(/maxDepth/);
    });
  });
}
