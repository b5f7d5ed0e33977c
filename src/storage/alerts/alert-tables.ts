import type { Generated } from 'kysely';

/**
 * The tables of the alerts aggregate (migration 0008). Part of `DatabaseSchema`
 * (`db/database-schema.ts`), whose conventions they follow. Internal to storage: the repository
 * translates rows to the records of `alert-types.ts`.
 */
export interface AlertTables {
  alert_states: AlertStatesTable;
  alert_history: AlertHistoryTable;
  alert_silences: AlertSilencesTable;
}

/** The current state of each alert; `labels` and `annotations` are JSON text. */
export interface AlertStatesTable {
  fingerprint: string;
  rule_name: string;
  labels: string;
  annotations: string;
  state: string;
  value: number | null;
  active_at: string;
  fired_at: string | null;
  resolved_at: string | null;
  last_eval_at: string;
  last_notified_at: string | null;
  notified_status: string | null;
}

/** The append-only alert history (triggers refuse UPDATE and DELETE). */
export interface AlertHistoryTable {
  seq: Generated<number>;
  at: string;
  kind: string;
  fingerprint: string | null;
  rule_name: string | null;
  from_state: string | null;
  to_state: string | null;
  channel: string | null;
  outcome: string | null;
  details: string | null;
}

/** Silences; `matchers` is JSON text. */
export interface AlertSilencesTable {
  id: string;
  matchers: string;
  starts_at: string;
  ends_at: string;
  created_by: string;
  comment: string;
  created_at: string;
  updated_at: string;
}
