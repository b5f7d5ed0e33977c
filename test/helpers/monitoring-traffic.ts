/**
 * Logged traffic for the monitoring tests: held-out rows (optionally shifted) scored by the Production
 * model and written through the real prediction log at a given time.
 */
import { randomUUID } from 'node:crypto';
import type { HeldOutRecords } from '../../src/services/index.js';
import {
  createInProcessEventBus,
  createPredictionLog,
  type PredictionInput,
  type Storage,
} from '../../src/storage/index.js';
import { type prepareServingDatabase, registryOver } from './serving-setup.js';

export const MONITORED_MODEL = 'sporeprint-classic';

/** 2026-12-06 at `h:m` UTC. */
export const hour = (h: number, m = 0) => new Date(Date.UTC(2026, 11, 6, h, m, 0));

/** Every k-th row, `n` of them: the files are ordered, a stride sample is representative. */
export function strideSample<T>(rows: readonly T[], n: number): T[] {
  const stride = Math.max(1, Math.floor(rows.length / n));
  return rows.filter((_, i) => i % stride === 0).slice(0, n);
}

/**
 * Logs `rows` as predictions of the Production model made at `at` (or at `at(i)` for the i-th row);
 * their ids, labels and decisions.
 */
export async function logTraffic(
  storage: Storage,
  prepared: Awaited<ReturnType<typeof prepareServingDatabase>>,
  at: Date | ((i: number) => Date),
  rows: HeldOutRecords['records'],
  shift?: (r: Record<string, string | number>) => void,
  modelName = MONITORED_MODEL,
  arm?: { readonly experimentId: string; readonly arm: string },
): Promise<{ id: string; label: 'e' | 'p'; decision: string; probability: number }[]> {
  const { registry } = registryOver(storage, prepared, createInProcessEventBus());
  const { pipeline, version } = await registry.loadPipeline(modelName, 'production');
  const names = pipeline.schema.features.map((f) => f.name);
  const inputs = rows.map((r) => {
    const input: Record<string, string | number> = { ...r.record };
    shift?.(input);
    return input;
  });
  const predictions = pipeline.predictMany(inputs.map((i) => names.map((n) => i[n] ?? null)));
  const log = createPredictionLog(storage.predictions, { maxBatch: 10_000 });
  const made: PredictionInput[] = predictions.map((p, i) => ({
    id: randomUUID(),
    modelName,
    modelVersion: version.version,
    experimentId: arm?.experimentId ?? null,
    arm: arm?.arm ?? null,
    input: inputs[i],
    output: {
      decision: p.decision,
      probability: p.probability,
      novelty: p.novelty,
      reason: p.reason,
      warnings: [],
    },
    decision: p.decision,
    probability: p.probability,
    latencyUs: 100,
    requestKind: 'single',
    createdAt: at instanceof Date ? at : at(i),
  }));
  await Promise.all(made.map((m) => log.append(m)));
  await log.close();
  return made.map((m, i) => ({
    id: m.id,
    label: rows[i].label,
    decision: m.decision,
    probability: m.probability,
  }));
}

/** The shift of the tests' drifted window: every mushroom without odor, on leaves, with a white print. */
export function leafLitterSeason(r: Record<string, string | number>): void {
  r.odor = 'n';
  r.habitat = 'l';
  r['spore-print-color'] = 'w';
}
