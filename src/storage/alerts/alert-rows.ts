/** Conversions between the alert records and the rows of the alerts tables. */
import type { Selectable } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { fromJsonText, timestamp, toJsonText } from '../db/column-values.js';
import type { AlertHistoryTable, AlertSilencesTable, AlertStatesTable } from './alert-tables.js';
import type {
  AlertHistoryInput,
  AlertHistoryKind,
  AlertHistoryRecord,
  AlertLabels,
  AlertStateRecord,
  AlertStatus,
  NotifiedStatus,
  SilenceMatcher,
  SilenceRecord,
} from './alert-types.js';

const date = (text: string | null): Date | null => (text === null ? null : new Date(text));
const iso = (d: Date | null): string | null => (d === null ? null : timestamp(d));

/** The row of an alert state. */
export function stateToRow(s: AlertStateRecord): AlertStatesTable {
  return {
    fingerprint: s.fingerprint,
    rule_name: s.ruleName,
    labels: toJsonText('labels', s.labels),
    annotations: toJsonText('annotations', s.annotations),
    state: s.state,
    value: s.value !== null && Number.isFinite(s.value) ? s.value : null,
    active_at: timestamp(s.activeAt),
    fired_at: iso(s.firedAt),
    resolved_at: iso(s.resolvedAt),
    last_eval_at: timestamp(s.lastEvalAt),
    last_notified_at: iso(s.lastNotifiedAt),
    notified_status: s.notifiedStatus,
  };
}

/** The record of an alert_states row. */
export function stateFromRow(row: Selectable<AlertStatesTable>): AlertStateRecord {
  return {
    fingerprint: row.fingerprint,
    ruleName: row.rule_name,
    labels: fromJsonText(row.labels) as AlertLabels,
    annotations: fromJsonText(row.annotations) as AlertLabels,
    state: row.state as AlertStatus,
    value: row.value === null ? null : Number(row.value),
    activeAt: new Date(row.active_at),
    firedAt: date(row.fired_at),
    resolvedAt: date(row.resolved_at),
    lastEvalAt: new Date(row.last_eval_at),
    lastNotifiedAt: date(row.last_notified_at),
    notifiedStatus: row.notified_status as NotifiedStatus,
  };
}

/** The row of a history entry. */
export function historyToRow(e: AlertHistoryInput): Omit<AlertHistoryTable, 'seq'> {
  return {
    at: timestamp(e.at),
    kind: e.kind,
    fingerprint: e.fingerprint,
    rule_name: e.ruleName,
    from_state: e.fromState,
    to_state: e.toState,
    channel: e.channel,
    outcome: e.outcome,
    details: e.details === undefined || e.details === null ? null : toJsonText('details', e.details),
  };
}

/** The record of an alert_history row. */
export function historyFromRow(row: Selectable<AlertHistoryTable>): AlertHistoryRecord {
  return {
    seq: Number(row.seq),
    at: new Date(row.at),
    kind: row.kind as AlertHistoryKind,
    fingerprint: row.fingerprint,
    ruleName: row.rule_name,
    fromState: row.from_state,
    toState: row.to_state,
    channel: row.channel,
    outcome: row.outcome,
    details: row.details === null ? null : fromJsonText(row.details),
  };
}

/** The row of a silence. */
export function silenceToRow(s: SilenceRecord): AlertSilencesTable {
  return {
    id: s.id,
    matchers: toJsonText('matchers', s.matchers),
    starts_at: timestamp(s.startsAt),
    ends_at: timestamp(s.endsAt),
    created_by: s.createdBy,
    comment: s.comment,
    created_at: timestamp(s.createdAt),
    updated_at: timestamp(s.updatedAt),
  };
}

/** The record of an alert_silences row. */
export function silenceFromRow(row: Selectable<AlertSilencesTable>): SilenceRecord {
  return {
    id: row.id,
    matchers: fromJsonText(row.matchers) as SilenceMatcher[],
    startsAt: new Date(row.starts_at),
    endsAt: new Date(row.ends_at),
    createdBy: row.created_by,
    comment: row.comment,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** A silence id: a UUID (as Alertmanager's). */
export const SILENCE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `SP_ERR_BAD_PARAM` unless `id` looks like a silence id. */
export function checkSilenceId(id: string): void {
  if (typeof id !== 'string' || !SILENCE_ID.test(id)) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `Silence id "${String(id).slice(0, 80)}" is invalid: expected a UUID such as 6f1e2d3c-…`,
    );
  }
}

/** `SP_ERR_NOT_FOUND` naming the silence. */
export function silenceNotFound(id: string): SporeprintError {
  return new SporeprintError('SP_ERR_NOT_FOUND', `Silence ${id} does not exist`, { silenceId: id });
}
