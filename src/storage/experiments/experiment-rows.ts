/**
 * Conversions between the experiment records and the rows of the experiments tables, and the checks
 * the repository makes of what it stores (the service validates arms and settings in full).
 */
import type { Selectable } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { fromJsonText } from '../db/column-values.js';
import type { ExperimentEventsTable, ExperimentsTable } from './experiment-tables.js';
import type {
  AssignmentUnit,
  ExperimentArm,
  ExperimentEvent,
  ExperimentRecord,
  ExperimentSettings,
  ExperimentStatus,
} from './experiment-types.js';

/** Every experiment status, in lifecycle order. */
export const EXPERIMENT_STATUSES: readonly ExperimentStatus[] = [
  'draft',
  'running',
  'paused',
  'stopped',
  'concluded',
];

/** A generated id ("exp-" + 12 hex digits) or a user-given slug. */
export const EXPERIMENT_ID = /^[a-z0-9][a-z0-9_-]{2,63}$/;

const ACTION = /^[a-z][a-z0-9-]{0,31}$/;

function badParam(message: string): SporeprintError {
  return new SporeprintError('SP_ERR_BAD_PARAM', message);
}

export function checkExperimentId(id: string): void {
  if (typeof id !== 'string' || !EXPERIMENT_ID.test(id)) {
    throw badParam(
      `Experiment id "${String(id).slice(0, 80)}" is invalid: 3-64 characters, lower-case letters, digits, '_' or '-', starting with a letter or digit`,
    );
  }
}

export function checkStatus(status: string): asserts status is ExperimentStatus {
  if (!EXPERIMENT_STATUSES.includes(status as ExperimentStatus)) {
    throw badParam(
      `Experiment status "${status}" is invalid: expected one of ${EXPERIMENT_STATUSES.join(', ')}`,
    );
  }
}

export function checkActorAndAction(actor: string, action: string): void {
  if (typeof actor !== 'string' || actor.trim() === '' || actor.length > 255) {
    throw badParam('The actor of an experiment change must be a non-empty name (at most 255 characters)');
  }
  if (typeof action !== 'string' || !ACTION.test(action)) {
    throw badParam(`Experiment action "${String(action)}" is invalid: lower-case words joined by '-'`);
  }
}

const date = (text: string | null): Date | null => (text === null ? null : new Date(text));

/** The record of an experiments row. */
export function experimentFromRow(row: Selectable<ExperimentsTable>): ExperimentRecord {
  return {
    id: row.id,
    modelName: row.model_name,
    description: row.description,
    status: row.status as ExperimentStatus,
    assignment: row.assignment as AssignmentUnit,
    arms: fromJsonText(row.arms) as ExperimentArm[],
    settings: fromJsonText(row.settings) as ExperimentSettings,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    startedAt: date(row.started_at),
    stoppedAt: date(row.stopped_at),
    concludedAt: date(row.concluded_at),
    winner: row.winner,
    statusReason: row.status_reason,
  };
}

/** The record of an experiment_events row. */
export function eventFromRow(row: Selectable<ExperimentEventsTable>): ExperimentEvent {
  return {
    seq: Number(row.seq),
    experimentId: row.experiment_id,
    at: new Date(row.at),
    actor: row.actor,
    action: row.action,
    fromStatus: row.from_status as ExperimentStatus | null,
    toStatus: row.to_status as ExperimentStatus,
    reason: row.reason,
    details: row.details === null ? null : fromJsonText(row.details),
  };
}

/** `SP_ERR_NOT_FOUND` naming the experiment. */
export function experimentNotFound(id: string): SporeprintError {
  return new SporeprintError('SP_ERR_NOT_FOUND', `Experiment ${id} does not exist`, { experimentId: id });
}

/** How an action reads in a sentence ("Cannot change the weights of experiment …"). */
const ACTION_VERB: Readonly<Record<string, string>> = { weights: 'change the weights of' };

/** "stopped", "draft or paused", "draft, running or paused". */
function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** `SP_ERR_EXPERIMENT_STATE`: `action` is not allowed from the experiment's status. */
export function illegalTransition(
  id: string,
  status: ExperimentStatus,
  action: string,
  allowed: readonly ExperimentStatus[],
): SporeprintError {
  return new SporeprintError(
    'SP_ERR_EXPERIMENT_STATE',
    `Cannot ${ACTION_VERB[action] ?? action} experiment ${id}: it is ${status} (only possible when ${orList(allowed)})`,
    { experimentId: id, status, action, allowed: [...allowed] },
  );
}

/** `SP_ERR_EXPERIMENT_STATE`: another experiment is running on the model. */
export function alreadyRunning(id: string, modelName: string, runningId: string): SporeprintError {
  return new SporeprintError(
    'SP_ERR_EXPERIMENT_STATE',
    `Cannot start experiment ${id}: experiment ${runningId} is already running on model ${modelName} (at most one runs per model; pause or stop it first)`,
    { experimentId: id, modelName, running: runningId },
  );
}
