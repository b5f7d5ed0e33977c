import type { Generated } from 'kysely';

/**
 * The tables of the monitoring aggregate (migration 0009). Part of `DatabaseSchema`
 * (`db/database-schema.ts`), whose conventions they follow. Internal to storage: the repository
 * translates rows to the records of `monitoring-types.ts`.
 */
export interface MonitoringTables {
  monitor_counts: MonitorCountsTable;
  monitor_count_pending: MonitorCountPendingTable;
  reference_profiles: ReferenceProfilesTable;
}

/**
 * How many logged predictions of one model version, arm and hour had one value of one feature: the
 * prediction log rolled up as it is written (in the same transaction as the rows), so drift over any
 * window sums a few thousand counts instead of reading every logged input.
 */
export interface MonitorCountsTable {
  model_name: string;
  model_version: number;
  /** '' outside an experiment. */
  experiment_id: string;
  /** '' outside an experiment. */
  arm: string;
  /** The hour the predictions were made, ISO-8601 UTC (`2026-12-06T14:00:00.000Z`). */
  bucket: string;
  /** A feature name, or a pseudo-feature of the answer (`@outcome`, `@probability`). */
  feature: string;
  /** The value's key (see feature-counts.ts). */
  value: string;
  n: number;
}

/** The reference profile of a model version (JSON text), built from its training data. */
export interface ReferenceProfilesTable {
  model_name: string;
  model_version: number;
  profile: string;
  created_at: string;
}

/**
 * Counts of one log commit not yet added to `monitor_counts` (MySQL/MariaDB, migration 0012): `counts`
 * is the JSON array of the commit's count rows, each `[model_name, model_version, experiment_id, arm,
 * bucket, feature, value, n]`.
 */
export interface MonitorCountPendingTable {
  id: Generated<number>;
  counts: string;
}
