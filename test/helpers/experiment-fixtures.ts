import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ExperimentArm, ExperimentRecord } from '../../src/storage/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

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
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/experiment-server-child.ts', planFile],
      { cwd: ROOT, env: { ...process.env, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${err}`)), 180_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${code}): ${err}`));
    });
  });
}
