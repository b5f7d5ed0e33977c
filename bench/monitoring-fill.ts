/**
 * Filling a database for the monitoring benchmark (bench/monitoring.ts): the secondary data through
 * the ETL as `sporeprint etl` runs it, one logistic regression trained, registered and promoted, then
 * `rows` predictions of it written through the real prediction log (createPredictionLog(…).appendChunk,
 * which keeps the monitoring roll-up in the same transaction as the rows) and the version's reference
 * profile built, so the timed queries start from what a serving deployment holds.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_GATE,
  EtlService,
  MonitoringService,
  RegistryService,
  TrainingService,
} from '../src/services/index.js';
import {
  createInProcessEventBus,
  createPredictionLog,
  openArtifactStore,
  type PredictionDecision,
  type Storage,
} from '../src/storage/index.js';
import { loadRecords } from './load-records.js';

/** The registered model the benchmark logs predictions of. */
export const MODEL_NAME = 'sporeprint-monbench';
/** Predictions per appended chunk (a big batch request's chunk). */
const CHUNK = 10_000;
/** Chunks appended before waiting for the oldest (preparing overlaps writing). */
const IN_FLIGHT = 2;

/** The registry (artifacts in the database, so a kept database needs nothing else) and monitoring. */
export function servicesOver(storage: Storage): { registry: RegistryService; monitoring: MonitoringService } {
  const registry = new RegistryService({
    runs: storage.runs,
    registry: storage.registry,
    artifacts: openArtifactStore(storage, { kind: 'database' }),
    datasets: storage.datasets,
    events: createInProcessEventBus(),
    gate: DEFAULT_GATE, // promotion is forced anyway
  });
  const monitoring = new MonitoringService({
    monitoring: storage.monitoring,
    datasets: storage.datasets,
    registry,
  });
  return { registry, monitoring };
}

/** ETL, train (logistic regression), register and promote; the Production version. */
export async function prepareModel(storage: Storage, root: string, source: string): Promise<number> {
  const { datasetId } = await new EtlService(storage.datasets, {
    invalidThreshold: 0.01,
    seed: 42,
    speciesFile: join(root, 'data', 'primary_data.csv'),
  }).run({ source });
  const training = new TrainingService({
    datasets: storage.datasets,
    runs: storage.runs,
    artifacts: openArtifactStore(storage, { kind: 'database' }),
    codeVersion: 'bench',
    seed: 42,
  });
  const trained = await training.train({ dataset: datasetId, models: ['logistic-regression'] });
  const { registry } = servicesOver(storage);
  const { version } = await registry.register(trained.models[0].runId, {
    author: 'bench',
    modelName: MODEL_NAME,
  });
  await registry.promote(MODEL_NAME, version, { actor: 'bench', reason: 'benchmark', force: true });
  return version;
}

/** What every prediction of the log cycles through: the source's rows, scored once. */
interface ScoredRows {
  readonly inputs: string[];
  readonly outputs: string[];
  readonly decisions: PredictionDecision[];
  readonly probabilities: Float64Array;
}

/** The source's valid rows scored by the Production pipeline, logged as the serving path logs them. */
async function scoreSource(storage: Storage, source: string): Promise<ScoredRows> {
  const { pipeline } = await servicesOver(storage).registry.loadPipeline(MODEL_NAME, 'production');
  const { records } = await loadRecords(source, 'secondary');
  const names = pipeline.schema.features.map((f) => f.name);
  const predictions = pipeline.predictMany(records.map((r) => r.values));
  const inputs = records.map((r) => {
    const input: Record<string, string | number> = {};
    r.values.forEach((v, j) => {
      if (v !== null) input[names[j]] = v; // missing features left out, numbers as numbers
    });
    return JSON.stringify(input);
  });
  const outputs = predictions.map(({ decision, probability, novelty, reason }) =>
    JSON.stringify({ decision, probability, novelty, reason, warnings: [] }),
  );
  return {
    inputs,
    outputs,
    decisions: predictions.map((p) => p.decision),
    probabilities: Float64Array.from(predictions, (p) => p.probability),
  };
}

/** A UUID-like id of the n-th prediction (time-ordered, as the serving path's UUIDv7). */
const predictionId = (n: number): string => `0195f000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

/** An experiment's arm that answers a chunk (its version's rows, tagged with the experiment). */
export interface ChunkArm {
  readonly experimentId: string;
  readonly arm: string;
  readonly version: number;
}

/**
 * Logs `rows` predictions of the Production version through the prediction log, in chunks spread
 * evenly over `hours` hours from `start`; returns the time the log took (scoring excluded). `arm`
 * names the experiment arm that answered a chunk (by its index), if any.
 */
export async function fillLog(
  storage: Storage,
  source: string,
  version: number,
  opts: { rows: number; hours: number; start: Date; arm?: (chunk: number) => ChunkArm | null },
): Promise<number> {
  const scored = await scoreSource(storage, source);
  const size = scored.inputs.length;
  const log = createPredictionLog(storage.predictions, { maxBatch: CHUNK });
  const chunks = Math.ceil(opts.rows / CHUNK);
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  for (let c = 0; c < chunks; c++) {
    const lo = c * CHUNK;
    const m = Math.min(CHUNK, opts.rows - lo);
    const at = (k: number) => (lo + k) % size;
    const offsetMs = Math.floor((c * opts.hours * 3_600_000) / chunks);
    const arm = opts.arm?.(c) ?? null;
    pending.push(
      log.appendChunk({
        ids: Array.from({ length: m }, (_, k) => predictionId(lo + k)),
        createdAt: new Date(opts.start.getTime() + offsetMs),
        modelName: MODEL_NAME,
        modelVersion: arm?.version ?? version,
        ...(arm === null ? {} : { experimentId: arm.experimentId, arm: arm.arm }),
        inputJson: Array.from({ length: m }, (_, k) => scored.inputs[at(k)]),
        outputJson: Array.from({ length: m }, (_, k) => scored.outputs[at(k)]),
        decisions: Array.from({ length: m }, (_, k) => scored.decisions[at(k)]),
        probabilities: Float64Array.from({ length: m }, (_, k) => scored.probabilities[at(k)]),
        latencyUs: 20,
        requestKind: 'batch',
      }),
    );
    if (pending.length >= IN_FLIGHT) await pending.shift();
  }
  await Promise.all(pending);
  await log.close();
  return performance.now() - t0;
}
