import { randomBytes } from 'node:crypto';
import { type Matrix, SporeprintError } from '../../core/index.js';
import type { CleanRecord } from '../../data/index.js';
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
import type {
  GuardSummary,
  ModelMetrics,
  TrainedModel,
  TrainProgress,
  TrainRequest,
  TrainSummary,
} from './training-types.js';

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
    const progress: Progress = (phase, fraction) => req.onProgress?.({ model: kind, phase, fraction });
    await this.deps.runs.create({
      id: runId,
      datasetId: data.version.id,
      modelKind: kind,
      modelName,
      params,
      codeVersion: this.deps.codeVersion,
    });
    try {
      return await this.fitAndRecord({ kind, params, runId, modelName }, data, req, progress);
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

  /**
   * Fits the model on train (early stopping on validation), the decision policy and the guard on
   * validation, evaluates every split, runs the requested CVs, stores the pipeline and finishes the run.
   */
  private async fitAndRecord(
    run: RunInfo,
    data: TrainingData,
    req: TrainRequest,
    progress: Progress,
  ): Promise<TrainedModel> {
    const { kind, params, runId, modelName } = run;
    const durations: Record<string, number> = {};
    const enc = ENCODING_OF[kind] === 'linear' ? data.linear : data.tree;
    const { records, X, y } = encodeSplits(data, enc);
    let t = performance.now();
    const estimator = createEstimator(kind, params);
    estimator.fit(X.train, y.train, {
      features: enc.featureInfo(),
      evalSet: X.validation.rows > 0 ? { X: X.validation, y: y.validation } : undefined,
      onProgress: (f) => progress('fit', f),
    });
    durations.fitMs = performance.now() - t;
    progress('evaluate', 0);
    t = performance.now();
    const [ptr, pva, pte] = [X.train, X.validation, X.test].map((m) => estimator.predictProba(m));
    durations.predictMs = performance.now() - t;
    const policy = DecisionPolicy.fit(y.validation, pva, { targetRecall: req.targetRecall ?? 0.999 });
    const metrics: MutableMetrics = {
      train: evaluateBinary(y.train, ptr),
      validation: evaluateBinary(y.validation, pva),
      test: evaluateBinary(y.test, pte),
      calibration: calibrationTable(y.test, pte, 10),
      policy: { ...policy.toJSON(), test: policy.report(y.test, pte) },
    };
    const warnings: string[] = [];
    let guard: PipelineGuard | null = null;
    if (req.guard !== false) {
      t = performance.now();
      const fitted = fitGuard(data, enc === data.tree ? X : null, records, y.test, pte, policy);
      guard = fitted.guard;
      if (fitted.summary) metrics.guard = fitted.summary;
      if (fitted.warning) warnings.push(fitted.warning);
      durations.guardMs = performance.now() - t;
    }
    this.crossValidations(run, data, req, metrics, durations, progress);
    const pipeline = ModelPipeline.create({
      schema: data.schema.name,
      modelKind: kind,
      encoder: enc,
      estimator,
      policy,
      numericRanges: data.numericRanges,
      guard,
      // no run id or time: the artifact (and its SHA-256) depends only on the data, parameters and
      // code, so the same training twice stores one artifact (the run records which artifact it made)
      metadata: {
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
  }

  /** The requested stratified and species-grouped CVs, into `metrics` (and their times into `durations`). */
  private crossValidations(
    run: RunInfo,
    data: TrainingData,
    req: TrainRequest,
    metrics: MutableMetrics,
    durations: Record<string, number>,
    progress: Progress,
  ): void {
    const decisions = req.guard !== false ? { targetRecall: req.targetRecall ?? 0.999 } : undefined;
    const common = {
      kind: run.kind,
      params: run.params,
      schema: data.schema,
      records: data.records,
      seed: this.deps.seed,
      decisions,
    };
    if ((req.cv ?? 0) > 0) {
      const t = performance.now();
      metrics.cv = crossValidate({ ...common, k: req.cv ?? 0, onFold: (d, n) => progress('cv', d / n) });
      durations.cvMs = performance.now() - t;
    }
    if ((req.groupCv ?? 0) > 0 && data.species !== null) {
      const t = performance.now();
      metrics.groupCv = crossValidate({
        ...common,
        k: req.groupCv ?? 0,
        groups: data.species,
        onFold: (d, n) => progress('group-cv', d / n),
      });
      durations.groupCvMs = performance.now() - t;
    }
  }
}

type Progress = (phase: TrainProgress['phase'], fraction: number) => void;
type MutableMetrics = { -readonly [K in keyof ModelMetrics]: ModelMetrics[K] };

/** The run a model is trained in. */
interface RunInfo {
  readonly kind: EstimatorKind;
  readonly params: Record<string, unknown>;
  readonly runId: string;
  readonly modelName: string;
}

/** One value per split of the dataset version (split codes 0, 1, 2). */
interface PerSplit<T> {
  readonly train: T;
  readonly validation: T;
  readonly test: T;
}

/** The dataset version's records per split, encoded with `enc`, and their labels. */
function encodeSplits(
  data: TrainingData,
  enc: TrainingData['linear'] | TrainingData['tree'],
): { records: PerSplit<CleanRecord[]>; X: PerSplit<Matrix>; y: PerSplit<Uint8Array> } {
  const of = (code: number): CleanRecord[] => pick(data.records, (i) => data.split[i] === code);
  const records = { train: of(0), validation: of(1), test: of(2) };
  const [train, validation, test] = [records.train, records.validation, records.test];
  return {
    records,
    X: { train: enc.transform(train), validation: enc.transform(validation), test: enc.transform(test) },
    y: { train: labels(train), validation: labels(validation), test: labels(test) },
  };
}

/**
 * The unknown-species guard: a novelty detector fitted on the training rows (tree encoding; `treeX`
 * when the model's own encoding already is it), calibrated on validation, evaluated on test with the
 * policy's answers. A guard that cannot be fitted gives a warning instead.
 */
function fitGuard(
  data: TrainingData,
  treeX: PerSplit<Matrix> | null,
  records: PerSplit<CleanRecord[]>,
  yte: Uint8Array,
  pte: Float64Array,
  policy: DecisionPolicy,
): { guard: PipelineGuard | null; summary?: GuardSummary; warning?: string } {
  const tree = data.tree;
  const X = treeX ?? {
    train: tree.transform(records.train),
    validation: tree.transform(records.validation),
    test: tree.transform(records.test),
  };
  try {
    const detector = new NoveltyDetector().fit(X.train, tree.featureInfo());
    const g = NoveltyGuard.calibrate(detector, X.validation);
    const summary: GuardSummary = {
      method: g.method,
      threshold: g.threshold,
      quantile: g.quantile,
      reason: g.reason,
      test: evaluateGuard({
        yTrue: yte,
        pPoisonous: pte,
        edibleBelow: policy.edibleBelow,
        poisonousAtOrAbove: policy.poisonousAtOrAbove,
        noveltyScores: g.score(X.test),
        threshold: g.threshold,
      }),
    };
    return { guard: { encoder: tree, guard: g }, summary };
  } catch (e) {
    return { guard: null, warning: `unknown-species guard not fitted: ${(e as Error).message}` };
  }
}
