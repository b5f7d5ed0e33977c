import type { Storage } from '../db/open-storage.js';
import { storageContext } from '../db/storage-context.js';
import { armMetrics, disagreement } from './arm-metrics-query.js';
import type { ArmMetrics, DisagreementCell, ExperimentRecord } from './experiment-types.js';

/** The per-arm figures of experiments over one open storage (see `arm-metrics-query.ts`). */
export interface ExperimentMetricsReader {
  /** Every arm's figures, in the order of the experiment's arms. */
  armMetrics(experiment: ExperimentRecord): Promise<ArmMetrics[]>;
  /** The nine cells of `otherArm`'s (shadow) decisions against `controlArm`'s on the same requests. */
  disagreement(experimentId: string, controlArm: string, otherArm: string): Promise<DisagreementCell[]>;
}

/** The metrics queries over the database behind `storage` (for benchmarks and the experiments service). */
export function experimentMetricsReader(storage: Storage): ExperimentMetricsReader {
  const { db } = storageContext(storage);
  return {
    armMetrics: (experiment) => armMetrics(db, experiment),
    disagreement: (experimentId, controlArm, otherArm) =>
      disagreement(db, experimentId, controlArm, otherArm),
  };
}
