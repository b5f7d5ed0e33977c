/**
 * The answer for one prediction and its log row, built the same way for single requests and batches.
 */
import type { FeatureValue, PipelinePrediction } from '../../ml/index.js';
import { outputJson } from './output-json.js';
import { featureNames, mushroomJson } from './parse-mushroom.js';
import type { ArmChoice } from './router.js';
import type { BatchItem, PredictionLogRow, PredictionResult, ServedModel } from './serving-types.js';

/** `{ name, version }` of each served model, made once and shared by all its answers. */
const refs = new WeakMap<ServedModel, PredictionResult['model']>();

/** `{ name, version }` of a served model, shared by the answers it gives. */
export function modelRef(model: ServedModel): PredictionResult['model'] {
  let ref = refs.get(model);
  if (ref === undefined) {
    ref = Object.freeze({ name: model.name, version: model.version });
    refs.set(model, ref);
  }
  return ref;
}

/**
 * The answer for one prediction by the chosen version (without explanation); with `index`, the item
 * of a batch.
 */
export function answer(
  choice: ArmChoice,
  id: string,
  p: PipelinePrediction,
  warnings: readonly string[],
): PredictionResult;
export function answer(
  choice: ArmChoice,
  id: string,
  p: PipelinePrediction,
  warnings: readonly string[],
  index: number,
): BatchItem;
export function answer(
  choice: ArmChoice,
  id: string,
  p: PipelinePrediction,
  warnings: readonly string[],
  index?: number,
): PredictionResult | BatchItem {
  const { decision, probability, novelty, reason } = p;
  const model = modelRef(choice.model);
  const { arm } = choice;
  const experiment = choice.experimentId;
  // one literal per shape (no spread, no copy): batches make 10,000 of them
  return index === undefined
    ? { predictionId: id, decision, probability, model, arm, experiment, warnings, novelty, reason }
    : {
        index,
        ok: true,
        predictionId: id,
        decision,
        probability,
        model,
        arm,
        experiment,
        warnings,
        novelty,
        reason,
      };
}

/**
 * The prediction log row of one prediction; the input is stored as the parsed mushroom's JSON, the
 * output as {@link outputJson} (both built as text directly).
 */
export function logRow(
  choice: ArmChoice,
  id: string,
  createdAt: Date,
  values: readonly FeatureValue[],
  input: unknown,
  p: PipelinePrediction,
  warnings: readonly string[],
  how: {
    clientId: string | null;
    latencyUs: number;
    kind: PredictionLogRow['requestKind'];
    shadowOf: string | null;
  },
): PredictionLogRow {
  const { model } = choice;
  return {
    id,
    createdAt,
    modelName: model.name,
    modelVersion: model.version,
    arm: choice.arm,
    experimentId: choice.experimentId,
    shadowOf: how.shadowOf,
    clientId: how.clientId,
    input,
    inputJson: mushroomJson(values, model.pipeline.schema),
    features: { names: featureNames(model.pipeline.schema), values },
    output: null,
    outputJson: outputJson(p, warnings),
    decision: p.decision,
    probability: p.probability,
    latencyUs: how.latencyUs,
    requestKind: how.kind,
  };
}
