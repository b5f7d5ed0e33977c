/**
 * Conversions and checks between the public prediction records and their table rows.
 * Bad values are refused, never coerced.
 */
import type { Insertable, Selectable } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { fromJsonText, timestamp, toJsonText } from '../db/column-values.js';
import type { InputFeatures } from '../monitoring/feature-counts.js';
import type { PredictionsTable } from './prediction-tables.js';
import {
  type ChunkFeatures,
  PREDICTION_DECISIONS,
  PREDICTION_REQUEST_KINDS,
  type PredictionChunkInput,
  type PredictionDecision,
  type PredictionInput,
  type PredictionRecord,
  type PredictionRequestKind,
  type PreparedPrediction,
  type PreparedPredictionChunk,
  type PreparedPredictions,
} from './prediction-types.js';

/** Prediction ids: UUIDs, ULIDs and the like. */
export const PREDICTION_ID = /^[A-Za-z0-9_-]{1,36}$/;
const MAX_INT32 = 2_147_483_647;

function badParam(message: string, details?: Record<string, unknown>): SporeprintError {
  return new SporeprintError('SP_ERR_BAD_PARAM', message, details);
}

/** Refuses anything but a prediction id (letters, digits, `-`, `_`; 1 to 36 characters). */
export function checkPredictionId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !PREDICTION_ID.test(id)) {
    throw badParam(
      `Prediction id "${String(id)}" is invalid: use 1 to 36 letters, digits, '-' or '_' (a UUID or ULID)`,
    );
  }
}

function optionalText(field: string, value: unknown, max: number, id: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > max) {
    throw badParam(`Prediction ${id}: ${field} must be a string of at most ${max} characters or null`);
  }
  return value;
}

/** Null, or a prediction id (the answered prediction a shadow one names). */
function optionalId(field: string, value: unknown, id: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !PREDICTION_ID.test(value)) {
    throw badParam(`Prediction ${id}: ${field} must be a prediction id or null`);
  }
  return value;
}

/** `json` when given (non-empty text), else `value` serialised. */
function jsonText(field: 'input' | 'output', value: unknown, json: string | undefined, id: string): string {
  if (json === undefined) return toJsonText(field, value);
  checkJsonText(field, json, id);
  return json;
}

/** Refuses anything but non-empty text as a prediction's `inputJson` / `outputJson`. */
function checkJsonText(field: 'input' | 'output', json: unknown, id: string): void {
  if (typeof json !== 'string' || json === '') {
    throw badParam(`Prediction ${id}: ${field}Json must be non-empty JSON text`);
  }
}

/** Refuses a decision that is not one of {@link PREDICTION_DECISIONS}. */
function checkDecision(decision: unknown, id: string): void {
  if (!PREDICTION_DECISIONS.includes(decision as PredictionDecision)) {
    throw badParam(
      `Prediction ${id}: decision "${String(decision)}" is not one of ${PREDICTION_DECISIONS.join(', ')}`,
    );
  }
}

/** Refuses a probability outside [0, 1]. */
function checkProbability(probability: unknown, id: string): void {
  if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
    throw badParam(`Prediction ${id}: probability ${String(probability)} is not in [0, 1]`);
  }
}

let lastTime = Number.NaN;
let lastText = '';

/** {@link timestamp}, remembering the last time: the rows of a batch share one `createdAt`. */
function rowTimestamp(date: Date): string {
  const t = date.getTime();
  if (t !== lastTime) {
    lastText = timestamp(date);
    lastTime = t;
  }
  return lastText;
}

/** The `predictions` row of `p`, after checking every field. */
export function predictionToRow(p: PredictionInput): Insertable<PredictionsTable> {
  checkPredictionId(p.id);
  const id = p.id;
  if (typeof p.modelName !== 'string' || p.modelName === '' || p.modelName.length > 255) {
    throw badParam(`Prediction ${id}: modelName must be a non-empty string of at most 255 characters`);
  }
  if (!Number.isSafeInteger(p.modelVersion) || p.modelVersion < 1 || p.modelVersion > MAX_INT32) {
    throw badParam(`Prediction ${id}: modelVersion ${String(p.modelVersion)} is not a version number`);
  }
  checkDecision(p.decision, id);
  checkProbability(p.probability, id);
  if (!Number.isSafeInteger(p.latencyUs) || p.latencyUs < 0 || p.latencyUs > MAX_INT32) {
    throw badParam(`Prediction ${id}: latencyUs ${String(p.latencyUs)} is not a microsecond count`);
  }
  if (!PREDICTION_REQUEST_KINDS.includes(p.requestKind)) {
    throw badParam(
      `Prediction ${id}: requestKind "${String(p.requestKind)}" is not one of ${PREDICTION_REQUEST_KINDS.join(', ')}`,
    );
  }
  if (p.createdAt !== undefined && !(p.createdAt instanceof Date && Number.isFinite(p.createdAt.getTime()))) {
    throw badParam(`Prediction ${id}: createdAt is not a valid Date`);
  }
  return {
    id,
    created_at: p.createdAt === undefined ? timestamp(undefined) : rowTimestamp(p.createdAt),
    model_name: p.modelName,
    model_version: p.modelVersion,
    arm: optionalText('arm', p.arm, 64, id),
    experiment_id: optionalText('experimentId', p.experimentId, 64, id),
    client_id: optionalText('clientId', p.clientId, 255, id),
    shadow_of: optionalId('shadowOf', p.shadowOf, id),
    input: jsonText('input', p.input, p.inputJson, id),
    output: jsonText('output', p.output, p.outputJson, id),
    decision: p.decision,
    probability: p.probability,
    latency_us: p.latencyUs,
    request_kind: p.requestKind,
  };
}

/**
 * Checks `p` and converts it to its row once, stamped with the current time when it has no
 * `createdAt`. The row is a snapshot: later changes to the objects of `p` are not written.
 */
export function preparePrediction(p: PredictionInput): PreparedPrediction {
  const row = predictionToRow(p);
  if (p.features === undefined) return { id: p.id, row };
  checkFeatures(p.features, p.inputJson, p.id);
  return { id: p.id, row, features: p.features };
}

/**
 * Refuses `features` without `inputJson`, or that are not names and values of the same length (each
 * value a string, a finite number or null).
 */
function checkFeatures(features: InputFeatures, inputJson: string | undefined, id: string): void {
  const { names, values } = features ?? {};
  if (inputJson === undefined || !namesOk(names) || !valuesOk(values, names.length)) {
    throw badParam(
      `Prediction ${id}: features must come with inputJson and hold names and values of one length (strings, finite numbers or null)`,
    );
  }
}

/** True for an array of strings. */
const namesOk = (names: unknown): names is readonly string[] =>
  Array.isArray(names) && names.every((n) => typeof n === 'string');

/** True for an array of `length` values, each a string, a finite number or null. */
function valuesOk(values: unknown, length: number): boolean {
  if (!Array.isArray(values) || values.length !== length) return false;
  for (const v of values) {
    if (v !== null && typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) return false;
  }
  return true;
}

/** Refuses chunk features that are not names and, per id, values of as many (as {@link checkFeatures}). */
function checkChunkFeatures(features: ChunkFeatures, n: number): void {
  const { names, values } = features ?? {};
  let bad = !namesOk(names) || !Array.isArray(values) || values.length !== n ? -1 : null;
  for (let i = 0; bad === null && i < n; i++) if (!valuesOk(values[i], names.length)) bad = i;
  if (bad !== null) {
    throw badParam(
      `Prediction chunk of ${n} ids: features must hold names and, for each id, values of as many (strings, finite numbers or null)${bad >= 0 ? `; not so at index ${bad}` : ''}`,
    );
  }
}

/**
 * Checks a chunk (every array one entry per id; each prediction's fields as {@link predictionToRow}
 * checks them) and converts its shared values once, stamped with the current time when it has no
 * `createdAt`. The arrays are kept, not copied: the caller must not change them afterwards.
 */
export function preparePredictionChunk(c: PredictionChunkInput): PreparedPredictionChunk {
  const n = Array.isArray(c.ids) ? c.ids.length : 0;
  if (n === 0) throw badParam('A prediction chunk needs at least one id');
  for (const [field, values] of [
    ['inputJson', c.inputJson],
    ['outputJson', c.outputJson],
    ['decisions', c.decisions],
    ['probabilities', c.probabilities],
  ] as const) {
    const length = Array.isArray(values) || values instanceof Float64Array ? values.length : -1;
    if (length !== n) {
      throw badParam(
        `Prediction chunk of ${n} ids: ${field} must hold ${n} entries, not ${length < 0 ? 'none' : length}`,
      );
    }
  }
  // the shared values, and the first prediction's own, checked as one prediction's
  const first = predictionToRow({
    id: c.ids[0],
    createdAt: c.createdAt ?? new Date(),
    modelName: c.modelName,
    modelVersion: c.modelVersion,
    arm: c.arm,
    experimentId: c.experimentId,
    clientId: c.clientId,
    shadowOf: c.shadowOf?.[0],
    input: undefined,
    inputJson: c.inputJson[0],
    output: undefined,
    outputJson: c.outputJson[0],
    decision: c.decisions[0],
    probability: c.probabilities[0],
    latencyUs: c.latencyUs,
    requestKind: c.requestKind,
  });
  // the other predictions' own values, checked as predictionToRow checks them
  for (let i = 1; i < n; i++) {
    const id = c.ids[i];
    checkPredictionId(id);
    checkDecision(c.decisions[i], id);
    checkProbability(c.probabilities[i], id);
    checkJsonText('input', c.inputJson[i], id);
    checkJsonText('output', c.outputJson[i], id);
    if (c.shadowOf != null) optionalId('shadowOf', c.shadowOf[i], id);
  }
  if (c.features !== undefined) checkChunkFeatures(c.features, n);
  return {
    kind: 'chunk',
    n,
    ids: c.ids,
    shared: {
      created_at: first.created_at,
      model_name: first.model_name,
      model_version: first.model_version,
      arm: first.arm,
      experiment_id: first.experiment_id,
      client_id: first.client_id,
      latency_us: first.latency_us,
      request_kind: first.request_kind,
    },
    shadowOf: c.shadowOf ?? null,
    inputs: c.inputJson,
    features: c.features,
    outputs: c.outputJson,
    decisions: c.decisions,
    probabilities: c.probabilities,
  };
}

/** How many predictions a prepared item holds: 1, or a chunk's. */
export const predictionCount = (item: PreparedPredictions): number => ('row' in item ? 1 : item.n);

/** Rows of a prediction log write: loose predictions' rows, and each chunk's rows in order. */
export function preparedRows(items: readonly PreparedPredictions[]): Insertable<PredictionsTable>[] {
  const rows: Insertable<PredictionsTable>[] = [];
  for (const item of items) {
    if ('row' in item) {
      rows.push(item.row);
      continue;
    }
    for (let i = 0; i < item.n; i++) {
      rows.push({
        id: item.ids[i],
        ...item.shared,
        shadow_of: item.shadowOf === null ? null : item.shadowOf[i],
        input: item.inputs[i],
        output: item.outputs[i],
        decision: item.decisions[i],
        probability: item.probabilities[i],
      });
    }
  }
  return rows;
}

/** A {@link PredictionRecord} from its row. */
export function predictionFromRow(row: Selectable<PredictionsTable>): PredictionRecord {
  return {
    id: row.id,
    createdAt: new Date(row.created_at),
    modelName: row.model_name,
    modelVersion: Number(row.model_version),
    arm: row.arm,
    experimentId: row.experiment_id ?? null,
    shadowOf: row.shadow_of ?? null,
    clientId: row.client_id,
    input: fromJsonText(row.input),
    output: fromJsonText(row.output),
    decision: row.decision as PredictionDecision,
    probability: Number(row.probability),
    latencyUs: Number(row.latency_us),
    requestKind: row.request_kind as PredictionRequestKind,
  };
}
