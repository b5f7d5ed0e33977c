import { type Static, Type } from 'typebox';
import { type Matrix, modelFormatCheck, SporeprintError } from '../../core/index.js';
import {
  type CleanRecord,
  type DatasetSchema,
  getSchema,
  LinearEncoder,
  type SchemaName,
  TreeEncoder,
} from '../../data/index.js';
import type { Estimator } from '../estimator.js';
import { treeShap } from '../explain/index.js';
import { GradientBoostingClassifier } from '../gbt/index.js';
import { LogisticRegression } from '../logistic/index.js';
import { NOVELTY_REASON, NoveltyGuard } from '../novelty/index.js';
import { DecisionPolicy } from '../policy/index.js';
import type { DecisionTreeClassifier } from '../tree/index.js';
import { ENCODING_OF, type EstimatorKind, estimatorFromJSON } from './estimator-registry.js';

/** The format version this build writes. */
export const PIPELINE_FORMAT_VERSION = 1;

/** One feature value in schema order: a nominal code, a number, or null for missing. */
export type FeatureValue = string | number | null;

/** A three-way answer. */
export type Decision = 'edible' | 'poisonous' | 'uncertain';
const DECISIONS: readonly Decision[] = ['edible', 'poisonous', 'uncertain'];
/** The (shared, frozen) answer of {@link ModelPipeline.rangeWarnings} when nothing is out of range. */
const NO_WARNINGS: readonly string[] = Object.freeze([]);

/** Why the policy alone answers "uncertain". */
export const UNCERTAIN_REASON = 'P(poisonous) between the edible and poisonous thresholds';

function guardFromJSON(
  json: { encoder: unknown; guard: unknown },
  modelEncoder: LinearEncoder | TreeEncoder,
): PipelineGuard {
  const encoder = TreeEncoder.fromJSON(json.encoder);
  // share the model's encoder when they are the same (tree models), so one encoding serves both
  const same =
    modelEncoder instanceof TreeEncoder &&
    JSON.stringify(modelEncoder.toJSON()) === JSON.stringify(encoder.toJSON());
  return { encoder: same ? modelEncoder : encoder, guard: NoveltyGuard.fromJSON(json.guard) };
}

/** A frozen copy of the ranges, each as `{ min, max }` alone. */
function rangesOf(ranges: Readonly<Record<string, NumericRange>>): Readonly<Record<string, NumericRange>> {
  return Object.freeze(
    Object.fromEntries(Object.entries(ranges).map(([name, r]) => [name, { min: r.min, max: r.max }])),
  );
}

/** The answer for one mushroom. */
export interface PipelinePrediction {
  readonly decision: Decision;
  /** P(poisonous). */
  readonly probability: number;
  /** Raw model score (log-odds). */
  readonly rawScore: number;
  /** Novelty score (distance from the training data); null when the pipeline has no guard. */
  readonly novelty: number | null;
  /** Why the answer is "uncertain" (null otherwise). */
  readonly reason: string | null;
}

/** The unknown-species guard of a pipeline: its encoder (category codes) and calibrated guard. */
export interface PipelineGuard {
  readonly encoder: TreeEncoder;
  readonly guard: NoveltyGuard;
}

/** Contributions of the features to one prediction's raw score. */
export interface Explanation {
  /** Expected raw score (the model's base value). */
  readonly base: number;
  readonly contributions: readonly { feature: string; value: FeatureValue; contribution: number }[];
}

/** Range of a numeric feature in the training data, for out-of-range warnings. */
export interface NumericRange {
  readonly min: number;
  readonly max: number;
}

const numericRange = Type.Object({ min: Type.Number(), max: Type.Number() });

/*
 * The pipeline JSON schema: its parts (encoder, estimator, policy, novelty guard) are checked by their
 * own loaders. Unknown properties are allowed (and ignored); every number must also be finite, as the
 * shared check (modelFormatCheck) refuses NaN and ±Infinity.
 */
const pipelineJson = Type.Object({
  formatVersion: Type.Literal(PIPELINE_FORMAT_VERSION),
  kind: Type.Literal('sporeprint-pipeline'),
  schema: Type.Enum(['secondary', 'classic'] satisfies SchemaName[]),
  modelKind: Type.Enum([
    'logistic-regression',
    'decision-tree',
    'gradient-boosting',
  ] satisfies EstimatorKind[]),
  featureNames: Type.Array(Type.String(), { minItems: 1 }),
  encoder: Type.Unknown(),
  estimator: Type.Unknown(),
  policy: Type.Unknown(),
  // every key checked: Type.Record's `patternProperties: { "^.*$": … }` skips keys holding a line break
  numericRanges: Type.Unsafe<Record<string, Static<typeof numericRange>>>({
    type: 'object',
    additionalProperties: numericRange,
  }),
  novelty: Type.Optional(
    Type.Union([Type.Object({ encoder: Type.Unknown(), guard: Type.Unknown() }), Type.Null()]),
  ),
  metadata: Type.Record(Type.String(), Type.Unknown()),
});
const checkPipelineJson = modelFormatCheck(pipelineJson, 'pipeline');

/** The serialised pipeline: one JSON artifact. */
export type PipelineJSON = Static<typeof pipelineJson>;

/**
 * A model pipeline: the preprocessing fitted in ETL + a fitted estimator + a decision policy, saved
 * as one JSON artifact. A reloaded pipeline gives bit-identical predictions.
 *
 * @example
 * const pipe = ModelPipeline.fromJSON(JSON.parse(text));
 * pipe.predictOne(['15.26', 'x', …]); // { decision: 'poisonous', probability: 0.999, rawScore: 7.1 }
 */
export class ModelPipeline {
  private readonly row: Float64Array;
  private readonly rowMatrix: Matrix;
  private readonly out = new Float64Array(1);
  private readonly guardRow: Float64Array | null;
  /** The numeric range checks of {@link rangeWarnings}, precomputed. */
  private readonly rangeChecks: readonly {
    index: number;
    name: string;
    min: number;
    max: number;
    low: number;
    high: number;
  }[];

  private constructor(
    readonly schema: DatasetSchema,
    readonly modelKind: EstimatorKind,
    readonly encoder: LinearEncoder | TreeEncoder,
    readonly estimator: Estimator,
    readonly policy: DecisionPolicy,
    readonly numericRanges: Readonly<Record<string, NumericRange>>,
    readonly metadata: Readonly<Record<string, unknown>>,
    readonly guard: PipelineGuard | null,
  ) {
    this.row = new Float64Array(encoder.width);
    this.rowMatrix = { data: this.row, rows: 1, cols: encoder.width };
    this.guardRow =
      guard === null ? null : guard.encoder === encoder ? this.row : new Float64Array(guard.encoder.width);
    this.rangeChecks = schema.features.flatMap((f, index) => {
      const r = numericRanges[f.name];
      if (r === undefined) return [];
      const span = Math.max(r.max - r.min, 1e-9);
      return [
        { index, name: f.name, min: r.min, max: r.max, low: r.min - 0.5 * span, high: r.max + 0.5 * span },
      ];
    });
  }

  /** Assembles a pipeline from its fitted parts. */
  static create(parts: {
    schema: SchemaName;
    modelKind: EstimatorKind;
    encoder: LinearEncoder | TreeEncoder;
    estimator: Estimator;
    policy: DecisionPolicy;
    numericRanges?: Record<string, NumericRange>;
    metadata?: Record<string, unknown>;
    guard?: PipelineGuard | null;
  }): ModelPipeline {
    const wantLinear = ENCODING_OF[parts.modelKind] === 'linear';
    if (wantLinear !== parts.encoder instanceof LinearEncoder) {
      throw new SporeprintError(
        'SP_ERR_BAD_PARAM',
        `${parts.modelKind} needs the ${ENCODING_OF[parts.modelKind]} encoder`,
      );
    }
    return new ModelPipeline(
      getSchema(parts.schema),
      parts.modelKind,
      parts.encoder,
      parts.estimator,
      parts.policy,
      Object.freeze({ ...(parts.numericRanges ?? {}) }),
      Object.freeze({ ...(parts.metadata ?? {}) }),
      parts.guard ?? null,
    );
  }

  /** Feature names in the order `predictOne` expects values. */
  get featureNames(): string[] {
    return this.schema.features.map((f) => f.name);
  }

  /** Encodes records into the estimator's matrix. */
  transform(records: readonly CleanRecord[]): Matrix {
    return this.encoder.transform(records);
  }

  /** One prediction from raw values (schema order); allocation-light, the serving path. */
  predictOne(values: readonly FeatureValue[]): PipelinePrediction {
    this.encoder.encodeInto(values, this.row, 0);
    // The same call as batch evaluation, so the policy sees exactly the probabilities it was fitted on.
    const probability = this.estimator.predictProba(this.rowMatrix, this.out)[0];
    const rawScore = Math.log(probability / (1 - probability));
    const code = this.policy.decide(probability);
    const g = this.guard;
    if (g === null) {
      return {
        decision: DECISIONS[code],
        probability,
        rawScore,
        novelty: null,
        reason: code === 2 ? UNCERTAIN_REASON : null,
      };
    }
    if (this.guardRow !== this.row) g.encoder.encodeInto(values, this.guardRow!, 0);
    const novelty = g.guard.scoreRow(this.guardRow!, 0);
    if (g.guard.isNovel(novelty)) {
      return { decision: 'uncertain', probability, rawScore, novelty, reason: NOVELTY_REASON };
    }
    return {
      decision: DECISIONS[code],
      probability,
      rawScore,
      novelty,
      reason: code === 2 ? UNCERTAIN_REASON : null,
    };
  }

  /**
   * Predictions for many mushrooms at once (raw values in schema order, as {@link predictOne} takes
   * them): the rows are encoded into one matrix and scored by the batch paths of the estimator and
   * the guard, which give exactly the numbers `predictOne` gives row by row, several times faster.
   */
  predictMany(rows: readonly (readonly FeatureValue[])[]): PipelinePrediction[] {
    const n = rows.length;
    const width = this.encoder.width;
    const X: Matrix = { data: new Float64Array(n * width), rows: n, cols: width };
    for (let i = 0; i < n; i++) this.encoder.encodeInto(rows[i], X.data, i * width);
    const p = this.estimator.predictProba(X);
    const codes = this.policy.decideBatch(p);
    const g = this.guard;
    let novelty: Float64Array | null = null;
    if (g !== null) {
      let G = X;
      if (g.encoder !== this.encoder) {
        const gw = g.encoder.width;
        G = { data: new Float64Array(n * gw), rows: n, cols: gw };
        for (let i = 0; i < n; i++) g.encoder.encodeInto(rows[i], G.data, i * gw);
      }
      novelty = g.guard.score(G);
    }
    const out = new Array<PipelinePrediction>(n);
    for (let i = 0; i < n; i++) {
      const probability = p[i];
      const rawScore = Math.log(probability / (1 - probability));
      const nov = novelty === null ? null : novelty[i];
      if (nov !== null && g?.guard.isNovel(nov)) {
        out[i] = { decision: 'uncertain', probability, rawScore, novelty: nov, reason: NOVELTY_REASON };
      } else {
        const code = codes[i];
        out[i] = {
          decision: DECISIONS[code],
          probability,
          rawScore,
          novelty: nov,
          reason: code === 2 ? UNCERTAIN_REASON : null,
        };
      }
    }
    return out;
  }

  /** P(poisonous) for an encoded matrix. */
  predictProba(X: Matrix, out?: Float64Array): Float64Array {
    return this.estimator.predictProba(X, out);
  }

  /** Decisions (0 edible, 1 poisonous, 2 uncertain) for probabilities (policy only, no guard). */
  decide(p: Float64Array, out?: Uint8Array): Uint8Array {
    return this.policy.decideBatch(p, out);
  }

  /**
   * Per-feature contributions to the raw score (log-odds) of one prediction, largest magnitude first:
   * TreeSHAP for the tree models, coefficient × value for logistic regression (one-hot columns summed
   * per feature). `base + Σ contributions` equals the model's raw score.
   */
  explainOne(values: readonly FeatureValue[], top = Number.POSITIVE_INFINITY): Explanation {
    this.encoder.encodeInto(values, this.row, 0);
    const names = this.encoder.featureInfo().map((f) => f.name.split('=')[0]);
    let contributions: Float64Array;
    let base: number;
    if (this.estimator instanceof LogisticRegression) {
      contributions = this.estimator.contributions(this.rowMatrix, 0);
      base = this.estimator.expectedValue;
    } else {
      const trees =
        this.estimator instanceof GradientBoostingClassifier
          ? this.estimator.trees
          : [(this.estimator as DecisionTreeClassifier).tree];
      const baseMargin = this.estimator instanceof GradientBoostingClassifier ? this.estimator.baseMargin : 0;
      const r = treeShap(trees, this.row, this.row.length, undefined, { baseMargin });
      contributions = r.contributions;
      base = r.expectedValue;
    }
    const byFeature = new Map<string, number>();
    for (let k = 0; k < contributions.length; k++) {
      byFeature.set(names[k], (byFeature.get(names[k]) ?? 0) + contributions[k]);
    }
    const list = [...byFeature].map(([feature, contribution]) => ({
      feature,
      value: values[this.schema.features.findIndex((f) => f.name === feature)] ?? null,
      contribution,
    }));
    list.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
    return { base, contributions: list.slice(0, top) };
  }

  /**
   * Warnings about one record's values: the features missing (`missing features: cap-shape, odor`,
   * predicted as missing values), then values far outside the training range (numeric features).
   */
  rangeWarnings(values: readonly FeatureValue[]): readonly string[] {
    const checks = this.rangeChecks;
    let warnings: string[] | null = null;
    const missing = this.missingWarning(values);
    if (missing !== null) warnings = [missing];
    for (let c = 0; c < checks.length; c++) {
      const k = checks[c];
      const v = values[k.index];
      if (typeof v === 'number' && (v < k.low || v > k.high)) {
        warnings ??= [];
        warnings.push(`${k.name} = ${v} is far outside the training range [${k.min}, ${k.max}]`);
      }
    }
    return warnings ?? NO_WARNINGS;
  }

  /** `missing features: …` texts by the bits of the missing features (records miss the same ones). */
  private readonly missingTexts = new Map<string, string>();

  /** The warning naming the missing features of a record, or null when none is missing. */
  private missingWarning(values: readonly FeatureValue[]): string | null {
    let key = '';
    for (let j = 0; j < values.length; j++) if (values[j] === null) key += `${j},`;
    if (key === '') return null;
    let text = this.missingTexts.get(key);
    if (text === undefined) {
      const names = this.schema.features.filter((_, j) => values[j] === null).map((f) => f.name);
      text = `missing features: ${names.join(', ')}`;
      if (this.missingTexts.size < 4096) this.missingTexts.set(key, text);
    }
    return text;
  }

  /** The JSON artifact. */
  toJSON(): PipelineJSON {
    return {
      formatVersion: PIPELINE_FORMAT_VERSION,
      kind: 'sporeprint-pipeline',
      schema: this.schema.name,
      modelKind: this.modelKind,
      featureNames: this.featureNames,
      encoder: this.encoder.toJSON(),
      estimator: this.estimator.toJSON(),
      policy: this.policy.toJSON(),
      numericRanges: { ...this.numericRanges },
      novelty: this.guard ? { encoder: this.guard.encoder.toJSON(), guard: this.guard.guard.toJSON() } : null,
      metadata: { ...this.metadata },
    };
  }

  /** Restores a pipeline, validating every part; throws SP_ERR_MODEL_FORMAT naming what is wrong. */
  static fromJSON(json: unknown): ModelPipeline {
    const j = checkPipelineJson(json);
    const encoder =
      ENCODING_OF[j.modelKind] === 'linear'
        ? LinearEncoder.fromJSON(j.encoder)
        : TreeEncoder.fromJSON(j.encoder);
    const estimator = estimatorFromJSON(j.estimator);
    if (estimator.kind !== j.modelKind) {
      throw new SporeprintError(
        'SP_ERR_MODEL_FORMAT',
        `pipeline modelKind ${j.modelKind} ≠ estimator.kind ${estimator.kind}`,
      );
    }
    const schema = getSchema(j.schema);
    if (j.featureNames.join('\u0000') !== schema.features.map((f) => f.name).join('\u0000')) {
      throw new SporeprintError(
        'SP_ERR_MODEL_FORMAT',
        `pipeline featureNames do not match the ${j.schema} schema`,
      );
    }
    return new ModelPipeline(
      schema,
      j.modelKind,
      encoder,
      estimator,
      DecisionPolicy.fromJSON(j.policy),
      rangesOf(j.numericRanges),
      Object.freeze({ ...j.metadata }),
      j.novelty ? guardFromJSON(j.novelty, encoder) : null,
    );
  }
}
