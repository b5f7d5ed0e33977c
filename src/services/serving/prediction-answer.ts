/**
 * The answer for one prediction and its log row, built the same way for single requests and batches.
 */
import type { FeatureValue, PipelinePrediction } from '../../ml/index.js';
import { outputJson } from './output-json.js';
import { mushroomJson } from './parse-mushroom.js';
import type { BatchItem, PredictionLogRow, PredictionResult, ServedModel } from './serving-types.js';

/** `{ name, version }` of a served model, shared by the answers of one request. */
export const modelRef = (model: ServedModel): PredictionResult['model'] => ({
  name: model.name,
  version: model.version,
});

/** The answer for one prediction (without explanation); with `index`, the item of a batch. */
export function answer(
  ref: PredictionResult['model'],
  id: string,
  p: PipelinePrediction,
  warnings: readonly string[],
): PredictionResult;
export function answer(
  ref: PredictionResult['model'],
  id: string,
  p: PipelinePrediction,
  warnings: readonly string[],
  index: number,
): BatchItem;
export function answer(
  ref: PredictionResult['model'],
  id: string,
  p: PipelinePrediction,
  warnings: readonly string[],
  index?: number,
): PredictionResult | BatchItem {
  const { decision, probability, novelty, reason } = p;
  // one literal per shape (no spread, no copy): batches make 10,000 of them
  return index === undefined
    ? { predictionId: id, decision, probability, model: ref, arm: null, warnings, novelty, reason }
    : {
        index,
        ok: true,
        predictionId: id,
        decision,
        probability,
        model: ref,
        arm: null,
        warnings,
        novelty,
        reason,
      };
}

/**
 * The prediction log row of one prediction; the input is stored as the parsed mushroom's JSON, the
 * output as {@link outputJson} (both built as text directly: batches log 10,000 of them).
 */
export function logRow(
  model: ServedModel,
  id: string,
  createdAt: Date,
  values: readonly FeatureValue[],
  input: unknown,
  p: PipelinePrediction,
  warnings: readonly string[],
  how: { clientId: string | null; latencyUs: number; kind: PredictionLogRow['requestKind'] },
): PredictionLogRow {
  return {
    id,
    createdAt,
    modelName: model.name,
    modelVersion: model.version,
    arm: null,
    clientId: how.clientId,
    input,
    inputJson: mushroomJson(values, model.pipeline.schema),
    output: null,
    outputJson: outputJson(p, warnings),
    decision: p.decision,
    probability: p.probability,
    latencyUs: how.latencyUs,
    requestKind: how.kind,
  };
}
