/**
 * Scores parsed mushrooms with a chosen version: the answers and the log rows of one prediction or
 * of a chunk of a batch, built the same way for both.
 */
import type { FeatureValue, PipelinePrediction } from '../../ml/index.js';
import { outputJson } from './output-json.js';
import { featureNames, mushroomJson } from './parse-mushroom.js';
import { answer, logRow } from './prediction-answer.js';
import type { ArmChoice } from './router.js';
import type { BatchItem, PredictionLogChunk, PredictionLogRow, PredictionResult } from './serving-types.js';
import { uuidv7, uuidv7Many } from './uuid-v7.js';

/** How a request came: who sent it and through which endpoint. */
export interface RequestMeta {
  readonly clientId: string | null;
  readonly kind: PredictionLogRow['requestKind'];
}

/** One mushroom scored: the answer and the row to log. */
export interface SinglePrediction {
  readonly result: PredictionResult;
  readonly row: PredictionLogRow;
}

/**
 * Scores one parsed mushroom with the chosen version. `shadowOf`: the id of the answered prediction
 * when this one scores in shadow (its answer is logged, never returned).
 */
export function predictOne(
  choice: ArmChoice,
  values: FeatureValue[],
  input: unknown,
  meta: RequestMeta,
  opts: { readonly explain?: boolean; readonly shadowOf?: string } = {},
): SinglePrediction {
  const { model } = choice;
  const t0 = performance.now();
  const p = model.pipeline.predictOne(values);
  const warnings = model.pipeline.rangeWarnings(values);
  const explanation = opts.explain ? model.pipeline.explainOne(values, 5) : undefined;
  const id = uuidv7();
  const base = answer(choice, id, p, warnings);
  const result: PredictionResult = explanation ? { ...base, explanation } : base;
  const row = logRow(choice, id, new Date(), values, input, p, warnings, {
    clientId: meta.clientId,
    latencyUs: Math.round((performance.now() - t0) * 1000),
    kind: meta.kind,
    shadowOf: opts.shadowOf ?? null,
  });
  return { result, row };
}

/** A chunk of a batch scored by one version (the valid records only, in order). */
export class ScoredChunk {
  readonly ids: string[];
  readonly predictions: PipelinePrediction[];
  readonly warnings: (readonly string[])[];
  readonly createdAt: Date;
  /** Time spent predicting, per prediction (µs). */
  readonly latencyUs: number;

  constructor(
    readonly choice: ArmChoice,
    readonly values: readonly FeatureValue[][],
  ) {
    const t0 = performance.now();
    const { pipeline } = choice.model;
    this.predictions = pipeline.predictMany(values);
    this.latencyUs = Math.round(((performance.now() - t0) * 1000) / Math.max(1, values.length));
    this.createdAt = new Date();
    this.ids = uuidv7Many(values.length);
    this.warnings = new Array<readonly string[]>(values.length);
    for (let k = 0; k < values.length; k++) this.warnings[k] = pipeline.rangeWarnings(values[k]);
  }

  /** Predictions in the chunk. */
  get size(): number {
    return this.ids.length;
  }

  /** Writes the batch items of the chunk into `out` (at the records' indexes `at`). */
  answerInto(out: BatchItem[], at: readonly number[]): void {
    for (let k = 0; k < this.ids.length; k++) {
      out[at[k]] = answer(this.choice, this.ids[k], this.predictions[k], this.warnings[k], at[k]);
    }
  }

  /**
   * The chunk's log rows as columns (no object per prediction). `shadowOf`: the ids of the answered
   * predictions, one per row, when this chunk scored in shadow.
   */
  logChunk(meta: RequestMeta, shadowOf: readonly string[] | null = null): PredictionLogChunk {
    const m = this.ids.length;
    const inputJson = new Array<string>(m);
    const outputs = new Array<string>(m);
    const decisions = new Array<PipelinePrediction['decision']>(m);
    const probabilities = new Float64Array(m);
    const { model, arm, experimentId } = this.choice;
    const schema = model.pipeline.schema;
    for (let k = 0; k < m; k++) {
      const p = this.predictions[k];
      inputJson[k] = mushroomJson(this.values[k], schema);
      outputs[k] = outputJson(p, this.warnings[k]);
      decisions[k] = p.decision;
      probabilities[k] = p.probability;
    }
    return {
      ids: this.ids,
      createdAt: this.createdAt,
      modelName: model.name,
      modelVersion: model.version,
      arm,
      experimentId,
      shadowOf,
      clientId: meta.clientId,
      inputJson,
      features: { names: featureNames(schema), values: this.values },
      outputJson: outputs,
      decisions,
      probabilities,
      latencyUs: this.latencyUs,
      requestKind: meta.kind,
    };
  }
}
