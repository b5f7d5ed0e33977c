import type { ExperimentArm, ExperimentRecord } from '../../src/storage/index.js';

/** An experiment record as the repository returns it. */
export function experimentRecord(
  id: string,
  arms: readonly ExperimentArm[],
  over: Partial<ExperimentRecord> = {},
): ExperimentRecord {
  return {
    id,
    modelName: 'sporeprint-classic',
    description: null,
    status: 'running',
    assignment: 'client',
    arms,
    settings: {
      primaryMetric: 'accuracy',
      engine: 'bayesian',
      sequential: false,
      sequentialTuning: 5000,
      alpha: 0.05,
      correction: 'holm-bonferroni',
      guardrailMargin: 0,
      minLabelledPerArm: 100,
      maxDurationHours: null,
    },
    createdAt: new Date(),
    createdBy: 'test',
    startedAt: new Date(),
    stoppedAt: null,
    concludedAt: null,
    winner: null,
    statusReason: null,
    ...over,
  };
}
