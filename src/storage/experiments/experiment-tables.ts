import type { Generated } from 'kysely';

/**
 * The tables of the experiments aggregate (migration 0006). Part of `DatabaseSchema`
 * (`db/database-schema.ts`), whose conventions they follow. Internal to storage: the repository
 * translates rows to the records of `experiment-types.ts`.
 */
export interface ExperimentTables {
  experiments: ExperimentsTable;
  experiment_events: ExperimentEventsTable;
}

/** One experiment. `arms` and `settings` are JSON text. */
export interface ExperimentsTable {
  id: string;
  model_name: string;
  description: string | null;
  status: string;
  assignment: string;
  arms: string;
  settings: string;
  created_at: string;
  created_by: string;
  started_at: string | null;
  stopped_at: string | null;
  concluded_at: string | null;
  winner: string | null;
  status_reason: string | null;
  /** Grows by one with every change. */
  updated_seq: number;
}

/** The append-only history of experiments. */
export interface ExperimentEventsTable {
  seq: Generated<number>;
  experiment_id: string;
  at: string;
  actor: string;
  action: string;
  from_status: string | null;
  to_status: string;
  reason: string | null;
  details: string | null;
}
