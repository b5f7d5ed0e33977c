/**
 * Conversions and checks between the public registry records and the rows of the registry tables,
 * and the replay of the event log.
 */
import type { Selectable } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { fromJsonText } from '../db/column-values.js';
import type { ModelVersionsTable, RegistryEventsTable } from './registry-tables.js';
import {
  MODEL_STAGES,
  type ModelStage,
  type ModelVersionRecord,
  type RegisterVersionInput,
  type RegistryEventKind,
  type RegistryEventRecord,
} from './registry-types.js';

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ALIAS = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;

function badParam(message: string, details?: Record<string, unknown>): SporeprintError {
  return new SporeprintError('SP_ERR_BAD_PARAM', message, details);
}

const badModelName = (name: unknown): SporeprintError =>
  badParam(
    `Model name "${String(name)}" is invalid: use letters, digits, '.', '_' or '-', starting with a letter or digit (at most 128)`,
  );

export function checkModelName(name: string): void {
  if (typeof name !== 'string' || !MODEL_NAME.test(name)) throw badModelName(name);
}

export function checkAlias(alias: string): void {
  if (typeof alias !== 'string' || !ALIAS.test(alias)) {
    throw badParam(
      `Alias "${String(alias)}" is invalid: a letter, then letters, digits, '_' or '-' (at most 64)`,
    );
  }
}

export function checkVersionNumber(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw badParam(`Model version ${String(version)} is invalid: versions are integers from 1`);
  }
}

export function checkStage(stage: string): asserts stage is ModelStage {
  if (!MODEL_STAGES.includes(stage as ModelStage)) {
    throw badParam(`Stage "${stage}" is invalid: expected one of ${MODEL_STAGES.join(', ')}`);
  }
}

export function checkActor(actor: string): void {
  if (typeof actor !== 'string' || actor.trim() === '' || actor.length > 255) {
    throw badParam('The actor of a registry action must be a non-empty name (at most 255 characters)');
  }
}

export function checkRegisterInput(input: RegisterVersionInput): void {
  checkModelName(input.modelName);
  checkActor(input.author);
  for (const [field, value] of [
    ['sourceSha256', input.sourceSha256],
    ['artifactSha256', input.artifactSha256],
  ] as const) {
    if (typeof value !== 'string' || !SHA256.test(value)) {
      throw badParam(`${field} "${String(value)}" is not a sha256 hex digest`);
    }
  }
  for (const [field, value] of [
    ['runId', input.runId],
    ['datasetId', input.datasetId],
    ['artifactStore', input.artifactStore],
  ] as const) {
    if (typeof value !== 'string' || value === '') throw badParam(`${field} must be a non-empty string`);
  }
  for (const [k, v] of Object.entries(input.tags ?? {})) {
    if (typeof v !== 'string') throw badParam(`Tag "${k}" must have a string value`);
  }
}

export function versionNotFound(name: string, version: number): SporeprintError {
  return new SporeprintError('SP_ERR_NOT_FOUND', `Model ${name} has no version ${version}`, {
    modelName: name,
    version,
  });
}

/** No model of that name: `SP_ERR_NOT_FOUND`, or `SP_ERR_BAD_PARAM` when no model could have the name. */
export function modelNotFound(name: string): SporeprintError {
  if (typeof name !== 'string' || !MODEL_NAME.test(name)) return badModelName(name);
  return new SporeprintError('SP_ERR_NOT_FOUND', `Model ${name} is not registered`, { modelName: name });
}

/** A {@link ModelVersionRecord} from its row and the aliases of its model (alias → version). */
export function versionFromRow(
  row: Selectable<ModelVersionsTable>,
  aliases: ReadonlyMap<string, number>,
): ModelVersionRecord {
  const own = [...aliases].filter(([, v]) => v === row.version).map(([a]) => a);
  return {
    modelName: row.model_name,
    version: Number(row.version),
    runId: row.run_id,
    datasetId: row.dataset_id,
    sourceSha256: row.source_sha256,
    artifactSha256: row.artifact_sha256,
    artifactStore: row.artifact_store,
    metrics: fromJsonText(row.metrics),
    params: fromJsonText(row.params),
    tags: fromJsonText(row.tags) as Record<string, string>,
    description: row.description,
    author: row.author,
    stage: row.stage as ModelStage,
    aliases: own.sort(),
    createdAt: new Date(row.created_at),
  };
}

export function eventFromRow(row: Selectable<RegistryEventsTable>): RegistryEventRecord {
  return {
    id: Number(row.id),
    modelName: row.model_name,
    version: Number(row.version),
    event: row.event as RegistryEventKind,
    fromStage: row.from_stage as ModelStage | null,
    toStage: row.to_stage as ModelStage | null,
    alias: row.alias,
    actor: row.actor,
    reason: row.reason,
    metrics: fromJsonText(row.metrics),
    forced: Number(row.forced) === 1,
    createdAt: new Date(row.created_at),
  };
}

/** The stage fields of an event, enough to replay who held Production. */
export interface StageEvent {
  readonly version: number;
  readonly from_stage: string | null;
  readonly to_stage: string | null;
}

/** Replays stage events (in id order): the version in Production after the last one, or `null`. */
export function replayProduction(events: readonly StageEvent[]): number | null {
  let current: number | null = null;
  for (const e of events) {
    const version = Number(e.version);
    if (e.to_stage === 'Production') current = version;
    else if (e.from_stage === 'Production' && current === version) current = null;
  }
  return current;
}

/**
 * The version that held Production before `current` (or the last one that held it when `current`
 * is `null`), from stage events in id order.
 */
export function previousProduction(events: readonly StageEvent[], current: number | null): number | null {
  const promoted = events.filter((e) => e.to_stage === 'Production').map((e) => Number(e.version));
  if (current === null) return promoted.length === 0 ? null : promoted[promoted.length - 1];
  let i = promoted.length - 1;
  while (i >= 0 && promoted[i] === current) i--;
  return i >= 0 ? promoted[i] : null;
}
