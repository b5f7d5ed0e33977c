/**
 * Conversions and checks between the public prediction and feedback records and their table rows.
 * Bad values are refused, never coerced.
 */
import type { Insertable, Selectable } from 'kysely';
import { SporeprintError } from '../core/index.js';
import type { FeedbackTable, PredictionsTable } from './database-schema.js';
import { fromJsonText, timestamp, toJsonText } from './dataset-rows.js';
import type { Label } from './dataset-types.js';
import {
  type FeedbackRecord,
  PREDICTION_DECISIONS,
  PREDICTION_REQUEST_KINDS,
  type PredictionDecision,
  type PredictionInput,
  type PredictionRecord,
  type PredictionRequestKind,
  type PreparedPrediction,
} from './prediction-types.js';

/** Prediction ids: UUIDs, ULIDs and the like. */
const PREDICTION_ID = /^[A-Za-z0-9_-]{1,36}$/;
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

/** `json` when given (non-empty text), else `value` serialised. */
function jsonText(field: 'input' | 'output', value: unknown, json: string | undefined, id: string): string {
  if (json === undefined) return toJsonText(field, value);
  if (typeof json !== 'string' || json === '') {
    throw badParam(`Prediction ${id}: ${field}Json must be non-empty JSON text`);
  }
  return json;
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
  if (!PREDICTION_DECISIONS.includes(p.decision)) {
    throw badParam(
      `Prediction ${id}: decision "${String(p.decision)}" is not one of ${PREDICTION_DECISIONS.join(', ')}`,
    );
  }
  if (typeof p.probability !== 'number' || !(p.probability >= 0 && p.probability <= 1)) {
    throw badParam(`Prediction ${id}: probability ${String(p.probability)} is not in [0, 1]`);
  }
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
    client_id: optionalText('clientId', p.clientId, 255, id),
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
  return { id: p.id, row: predictionToRow(p) };
}

/** A {@link PredictionRecord} from its row. */
export function predictionFromRow(row: Selectable<PredictionsTable>): PredictionRecord {
  return {
    id: row.id,
    createdAt: new Date(row.created_at),
    modelName: row.model_name,
    modelVersion: Number(row.model_version),
    arm: row.arm,
    clientId: row.client_id,
    input: fromJsonText(row.input),
    output: fromJsonText(row.output),
    decision: row.decision as PredictionDecision,
    probability: Number(row.probability),
    latencyUs: Number(row.latency_us),
    requestKind: row.request_kind as PredictionRequestKind,
  };
}

/** Refuses anything but `e` or `p`. */
export function checkLabel(label: unknown, predictionId: string): asserts label is Label {
  if (label !== 'e' && label !== 'p') {
    throw badParam(`True label "${String(label)}" of prediction ${predictionId} must be 'e' or 'p'`);
  }
}

/** `e (edible)` / `p (poisonous)`, for messages. */
export function describeLabel(label: string): string {
  return label === 'e' ? "'e' (edible)" : label === 'p' ? "'p' (poisonous)" : `'${label}'`;
}

/** A {@link FeedbackRecord} from its row. */
export function feedbackFromRow(row: Selectable<FeedbackTable>): FeedbackRecord {
  return {
    predictionId: row.prediction_id,
    trueLabel: row.true_label as Label,
    createdAt: new Date(row.created_at),
    source: row.source,
    note: row.note,
  };
}
