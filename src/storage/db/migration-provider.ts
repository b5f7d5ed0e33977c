import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './migrations/0001-etl-datasets.js';
import * as m0002 from './migrations/0002-training-runs-and-registry.js';
import * as m0003 from './migrations/0003-predictions-feedback-keys.js';
import * as m0004 from './migrations/0004-prediction-journal.js';
import * as m0005 from './migrations/0005-prediction-experiments.js';
import * as m0006 from './migrations/0006-experiments.js';
import * as m0007 from './migrations/0007-prediction-labels.js';
import * as m0008 from './migrations/0008-alerts.js';
import * as m0009 from './migrations/0009-monitoring.js';
import * as m0010 from './migrations/0010-pipelines.js';
import * as m0011 from './migrations/0011-dataset-lineage.js';
import * as m0012 from './migrations/0012-monitor-count-pending.js';

/**
 * Every migration, by name. Names sort in execution order (`NNNN-name`); a new migration is a new
 * file in `migrations/` plus one line here. Migrations are never edited once released.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-etl-datasets': m0001,
  '0002-training-runs-and-registry': m0002,
  '0003-predictions-feedback-keys': m0003,
  '0004-prediction-journal': m0004,
  '0005-prediction-experiments': m0005,
  '0006-experiments': m0006,
  '0007-prediction-labels': m0007,
  '0008-alerts': m0008,
  '0009-monitoring': m0009,
  '0010-pipelines': m0010,
  '0011-dataset-lineage': m0011,
  '0012-monitor-count-pending': m0012,
};

/** A static, in-code provider: no file-system scanning, so bundles and tests see the same list. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};

/** Names of all migrations known to this build, in order. */
export function migrationNames(): string[] {
  return Object.keys(MIGRATIONS).sort();
}
