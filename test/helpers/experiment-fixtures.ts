import type { ChildProcess } from 'node:child_process';
import type { ExperimentArm, ExperimentRecord } from '../../src/storage/index.js';
import { spawnListening } from './server-process.js';

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

/**
 * A server process whose running experiment is read from `planFile` (test/helpers/
 * experiment-server-child.ts: the server as `sporeprint serve` builds it, with a test-only source of
 * the running experiment in place of the experiments repository).
 */
export function startExperimentServer(
  env: Record<string, string>,
  planFile: string,
): Promise<{ child: ChildProcess; url: string }> {
  return spawnListening(['test/helpers/experiment-server-child.ts', planFile], env);
}
