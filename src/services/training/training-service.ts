import { randomBytes } from 'node:crypto';
import { SporeprintError } from '../../core/index.js';
import {
  calibrationTable,
  createEstimator,
  DecisionPolicy,
  ENCODING_OF,
  type EstimatorKind,
  evaluateBinary,
  evaluateGuard,
  ModelPipeline,
  NoveltyDetector,
  NoveltyGuard,
  type PipelineGuard,
} from '../../ml/index.js';
import type { ArtifactStore, DatasetRepository, RunRepository } from '../../storage/index.js';
import { crossValidate } from './cross-validation.js';
import { labels, loadTrainingData, pick, type TrainingData } from './training-data.js';
import type { ModelMetrics, TrainedModel, TrainRequest, TrainSummary } from './training-types.js';

/** Dependencies of the training service. */
export interface TrainingDeps {
  readonly datasets: DatasetRepository;
  readonly runs: RunRepository;
  readonly artifacts: ArtifactStore;
  /** Version of the code that trains (package version + git commit when known). */
  readonly codeVersion: string;
  readonly seed: number;
}

/**
 * Trains models on a dataset version: fit on train, early stopping and the decision policy on
 * validation, metrics on every split, optional stratified and species-grouped CV. Each model is one run
 * recorded in the database with its artifact (the whole pipeline as JSON) in the artifact store.
 */
export class TrainingService {
  constructor(private readonly deps: TrainingDeps) {}

  /** Trains the requested models; a failing model is recorded as a failed run and re-thrown. */
  async train(req: TrainRequest): Promise<TrainSummary> {
    if (req.models.length === 0) throw new SporeprintError('SP_ERR_BAD_PARAM', 'no models to train');
    for (const k of [req.cv ?? 0, req.groupCv ?? 0]) {
      if (!Number.isInteger(k) || k < 0 || k === 1) {
        throw new SporeprintError('SP_ERR_BAD_PARAM', `CV folds must be 0 (off) or an integer ≥ 2, got ${k}`);
      }
    }
    const data = await loadTrainingData(this.deps.datasets, req.dataset);
    if ((req.groupCv ?? 0) > 0 && data.species === null) {
      throw new SporeprintError(
        'SP_ERR_BAD_PARAM',
        `species-grouped CV needs species labels; dataset ${data.version.id} (${data.schema.name}) has none`,
      );
    }
    const models: TrainedModel[] = [];
    for (const kind of req.models) models.push(await this.trainOne(kind, data, req));
    const notes: string[] = [];
    const group = models.filter((m) => m.metrics.groupCv);
    if (group.length > 0) {
      notes.push(
        'Species-grouped CV measures mushrooms of species never seen in training: accuracy near the always-poisonous ' +
          'baseline means the models do NOT generalise to unseen species. An "edible" answer is only as good as the ' +
          "species coverage of the training data; the unknown-species guard answers 'uncertain' for such mushrooms.",
      );
    }
    const count = (code: number): number => data.split.reduce((a, s) => a + (s === code ? 1 : 0), 0);
    return {
      datasetId: data.version.id,
      schema: data.schema.name,
      rows: { train: count(0), validation: count(1), test: count(2) },
      models,
      notes,
    };
  }

  private async trainOne(kind: EstimatorKind, data: TrainingData, req: TrainRequest): Promise<TrainedModel> {
    const params = { seed: this.deps.seed, ...(req.params?.[kind] ?? {}) };
    const runId = `run-${randomBytes(6).toString('hex')}`;
    const modelName = req.modelName ?? `sporeprint-${data.schema.name}`;
    const progress = (phase: 'fit' | 'evaluate' | 'cv' | 'group-cv' | 'done', fraction: number): void =>
      req.onProgress?.({ model: kind, phase, fraction });
    await this.deps.runs.create({
      id: runId,
      datasetId: data.version.id,
      modelKind: kind,
      modelName,
      params,
      codeVersion: this.deps.codeVersion,
    });
    try {
      const durations: Record<string, number> = {};
      const enc = ENCODING_OF[kind] === 'linear' ? data.linear : data.tree;
      const train = pick(data.records, (i) => data.split[i] === 0);
      const val = pick(data.records, (i) => data.split[i] === 1);
      const test = pick(data.records, (i) => data.split[i] === 2);
      const [Xtr, Xva, Xte] = [train, val, test].map((r) => enc.transform(r));
      const [ytr, yva, yte] = [train, val, test].map((r) => labels(r));
      let t = performance.now();
      const estimator = createEstimator(kind, params);
      estimator.fit(Xtr, ytr, {
        features: enc.featureInfo(),
        evalSet: Xva.rows > 0 ? { X: Xva, y: yva } : undefined,
        onProgress: (f) => progress('fit', f),
      });
      durations.fitMs = performance.now() - t;
      progress('evaluate', 0);
      t = performance.now();
      const [ptr, pva, pte] = [Xtr, Xva, Xte].map((X) => estimator.predictProba(X));
      durations.predictMs = performance.now() - t;
      const policy = DecisionPolicy.fit(yva, pva, { targetRecall: req.targetRecall ?? 0.999 });
      const metrics: { -readonly [K in keyof ModelMetrics]: ModelMetrics[K] } = {
        train: evaluateBinary(ytr, ptr),
        validation: evaluateBinary(yva, pva),
        test: evaluateBinary(yte, pte),
        calibration: calibrationTable(yte, pte, 10),
        policy: { ...policy.toJSON(), test: policy.report(yte, pte) },
      };
      const warnings: string[] = [];
      let guard: PipelineGuard | null = null;
      if (req.guard !== false) {
        t = performance.now();
        const tree = data.tree;
        const [gtr, gva, gte] =
          enc === tree ? [Xtr, Xva, Xte] : [train, val, test].map((r) => tree.transform(r));
        try {
          const detector = new NoveltyDetector().fit(gtr, tree.featureInfo());
          const g = NoveltyGuard.calibrate(detector, gva);
          guard = { encoder: tree, guard: g };
          metrics.guard = {
            method: g.method,
            threshold: g.threshold,
            quantile: g.quantile,
            reason: g.reason,
            test: evaluateGuard({
              yTrue: yte,
              pPoisonous: pte,
              edibleBelow: policy.edibleBelow,
              poisonousAtOrAbove: policy.poisonousAtOrAbove,
              noveltyScores: g.score(gte),
              threshold: g.threshold,
            }),
          };
        } catch (e) {
          warnings.push(`unknown-species guard not fitted: ${(e as Error).message}`);
        }
        durations.guardMs = performance.now() - t;
      }
      const decisions = req.guard !== false ? { targetRecall: req.targetRecall ?? 0.999 } : undefined;
      if ((req.cv ?? 0) > 0) {
        t = performance.now();
        metrics.cv = crossValidate({
          kind,
          params,
          schema: data.schema,
          records: data.records,
          k: req.cv ?? 0,
          seed: this.deps.seed,
          decisions,
          onFold: (d, n) => progress('cv', d / n),
        });
        durations.cvMs = performance.now() - t;
      }
      if ((req.groupCv ?? 0) > 0 && data.species !== null) {
        t = performance.now();
        metrics.groupCv = crossValidate({
          kind,
          params,
          schema: data.schema,
          records: data.records,
          k: req.groupCv ?? 0,
          seed: this.deps.seed,
          groups: data.species,
          decisions,
          onFold: (d, n) => progress('group-cv', d / n),
        });
        durations.groupCvMs = performance.now() - t;
      }
      const pipeline = ModelPipeline.create({
        schema: data.schema.name,
        modelKind: kind,
        encoder: enc,
        estimator,
        policy,
        numericRanges: data.numericRanges,
        guard,
        metadata: {
          runId,
          modelName,
          datasetId: data.version.id,
          sourceSha256: data.version.sourceId,
          codeVersion: this.deps.codeVersion,
        },
      });
      const artifact = await this.deps.artifacts.put(
        new TextEncoder().encode(JSON.stringify(pipeline.toJSON())),
      );
      warnings.unshift(...((estimator as unknown as { warnings?: readonly string[] }).warnings ?? []));
      await this.deps.runs.finish(runId, {
        status: 'succeeded',
        metrics,
        durations,
        artifactSha256: artifact.sha256,
        artifactBytes: artifact.bytes,
        warnings,
        error: null,
      });
      progress('done', 1);
      return { runId, modelKind: kind, modelName, params, metrics, durations, warnings, artifact };
    } catch (e) {
      await this.deps.runs.finish(runId, {
        status: 'failed',
        metrics: null,
        durations: {},
        artifactSha256: null,
        artifactBytes: null,
        warnings: [],
        error: (e as Error).message,
      });
      throw e;
    }
  }
}
