/**
 * The one error catalogue of sporeprint. Codes are stable and never reused: clients, logs and docs
 * refer to them. Domain errors carry no HTTP status; `interfaces/http` maps codes to statuses.
 */
export const ERROR_CATALOGUE = {
  SP_ERR_INTERNAL: 'An unexpected internal error.',
  SP_ERR_CONFIG: 'A configuration value is missing or invalid.',
  SP_ERR_USAGE: 'A command or argument was used incorrectly.',
  SP_ERR_NOT_FOUND: 'The requested object does not exist.',
  SP_ERR_INPUT_EMPTY:
    'The input file is empty or has no data rows (or there are no labelled production records to add).',
  SP_ERR_INPUT_BINARY: 'The input file is binary, not delimited text.',
  SP_ERR_INPUT_DELIMITER: 'The delimiter could not be detected or does not match the rows.',
  SP_ERR_INPUT_COLUMNS: 'The input columns do not match a known mushroom dataset schema.',
  SP_ERR_INPUT_SCHEMA: 'The input does not match the requested dataset schema.',
  SP_ERR_INVALID_SHARE: 'Too many invalid rows: the share of quarantined rows passed the threshold.',
  SP_ERR_SPECIES_SPLIT: 'A species split was requested but species cannot be derived from this file.',
  SP_ERR_SPECIES_FILE: 'The species reference file (primary_data.csv) is missing or malformed.',
  SP_ERR_DATABASE: 'The database is unreachable or returned an error.',
  SP_ERR_MIGRATION: 'A database migration failed.',
  SP_ERR_NOT_FITTED: 'The estimator or encoder was used before it was fitted.',
  SP_ERR_BAD_PARAM: 'A hyper-parameter or option has an invalid value.',
  SP_ERR_BAD_DATA: 'Training or prediction data has the wrong shape or invalid values.',
  SP_ERR_MODEL_FORMAT: 'A model file does not match its schema or format version.',
  SP_ERR_INPUT_PARSE: 'The input text cannot be parsed as delimited rows (e.g. an unclosed quote).',
  SP_ERR_CONFLICT: 'The object already exists, or conflicts with what is stored.',
  SP_ERR_ARTIFACT_CORRUPT:
    'A stored artifact does not match its SHA-256 checksum: it was corrupted or tampered with.',
  SP_ERR_REGISTRY_STATE: 'The model version is in a stage or state that does not allow this registry action.',
  SP_ERR_QUALITY_GATE:
    'A promotion to Production was blocked by the quality gate (the message names each failed rule).',
  SP_ERR_VALIDATION: 'A submitted record has unknown fields, wrong types or unknown category codes.',
  SP_ERR_NOT_READY: 'No verified model is loaded yet, or a dependency is not ready.',
  SP_ERR_UNAUTHORIZED: 'An API key is missing, unknown or revoked.',
  SP_ERR_FORBIDDEN: 'The API key is valid but may not perform this action.',
  SP_ERR_RATE_LIMITED: 'Too many requests from this key or address.',
  SP_ERR_BAD_REQUEST: 'The HTTP request is malformed (e.g. invalid JSON).',
  SP_ERR_PAYLOAD_TOO_LARGE: 'The HTTP request body exceeds the size limit.',
  SP_ERR_UNSUPPORTED_MEDIA_TYPE: 'The HTTP request body has an unsupported content type.',
  SP_ERR_METHOD_NOT_ALLOWED: 'The HTTP route exists but does not take this method.',
  SP_ERR_URI_TOO_LONG: 'The HTTP request URL, or one of its path parameters, is too long.',
  SP_ERR_HEADERS_TOO_LARGE: 'The HTTP request headers exceed the size limit.',
  SP_ERR_SHUTTING_DOWN: 'The server is shutting down and takes no new requests.',
  SP_ERR_EXPERIMENT_STATE:
    'The experiment is in a state that does not allow this action, or another experiment is running on the model.',
  SP_ERR_PIPELINE_SPEC:
    'A pipeline spec or its run parameters are invalid (the details list every problem: cycles, unknown tasks, missing parameters…).',
  SP_ERR_PIPELINE_STATE:
    'The pipeline run or task is in a state that does not allow this action (e.g. retrying a succeeded run).',
} as const;

/** A stable error code from {@link ERROR_CATALOGUE}. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * The base error of every domain failure: a stable `code`, a message that names the problem, and
 * optional structured `details` for machines.
 *
 * @example
 * throw new SporeprintError('SP_ERR_INPUT_EMPTY', 'data.csv is empty (0 bytes)');
 */
export class SporeprintError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'SporeprintError';
    this.code = code;
    this.details = details ? Object.freeze({ ...details }) : undefined;
  }
}

/** Thrown when an estimator or encoder is used before `fit`. */
export class NotFittedError extends SporeprintError {
  constructor(what: string) {
    super('SP_ERR_NOT_FITTED', `${what} is not fitted yet: call fit() first`);
    this.name = 'NotFittedError';
  }
}

/** True when `e` is a {@link SporeprintError} (or subclass). */
export function isSporeprintError(e: unknown): e is SporeprintError {
  return e instanceof SporeprintError;
}
