import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/config/index.js';
import { EXAMPLE_MUSHROOMS } from '../../src/data/index.js';
import { configuredArtifactStore } from '../../src/main/package-info.js';
import type { EstimatorKind } from '../../src/ml/index.js';
import {
  EtlService,
  type ModelSource,
  type PredictionLogChunk,
  type PredictionLogRow,
  type PredictionLogSink,
  RegistryService,
  registryModelSource,
  TrainingService,
} from '../../src/services/index.js';
import {
  createInProcessEventBus,
  createPredictionLog,
  openArtifactStore,
  openStorage,
  type RegistryEventBus,
  type Storage,
} from '../../src/storage/index.js';
import { CLASSIC, PRIMARY } from './fixture-files.js';

/** What {@link prepareServingDatabase} loads, trains and promotes. */
export interface ServingData {
  readonly source: string;
  readonly split?: 'stratified' | 'species';
  readonly modelName: string;
  readonly models: readonly EstimatorKind[];
  /** Promote the first version past a failing quality gate (recorded with a reason). */
  readonly force?: boolean;
}

const CLASSIC_SERVING: ServingData = {
  source: CLASSIC,
  modelName: 'sporeprint-classic',
  models: ['decision-tree', 'gradient-boosting'],
};

/**
 * A config over a fresh database with a Production model, trained and promoted: by default of the
 * classic data (a decision tree in Production, a gradient-boosting model registered beside it). The
 * artifacts go to the store `env` configures (default: files under the config's var dir).
 */
export async function prepareServingDatabase(
  databaseUrl: string,
  env: Record<string, string> = {},
  data: ServingData = CLASSIC_SERVING,
): Promise<{ config: Config; varDir: string; cleanup(): void; versions: number[]; datasetId: string }> {
  const varDir = mkdtempSync(join(tmpdir(), 'sporeprint-serve-'));
  const config = loadConfig({
    env: {
      DATABASE_URL: databaseUrl,
      SPOREPRINT_VAR_DIR: varDir,
      SPOREPRINT_MODEL_NAME: data.modelName,
      SPOREPRINT_PORT: '0',
      SPOREPRINT_LOG_LEVEL: 'silent',
      ...env,
    },
  });
  const storage = await openStorage(config.databaseUrl);
  try {
    // where the config says: files under the var dir by default, the database with
    // SPOREPRINT_ARTIFACT_STORE=database (processes that share no folder)
    const artifacts = configuredArtifactStore(storage, config);
    const { datasetId } = await new EtlService(storage.datasets, {
      invalidThreshold: 0.01,
      seed: 42,
      speciesFile: PRIMARY,
    }).run({ source: data.source, split: data.split });
    const training = new TrainingService({
      datasets: storage.datasets,
      runs: storage.runs,
      artifacts,
      codeVersion: 'test',
      seed: 42,
    });
    const trained = await training.train({ dataset: datasetId, models: [...data.models] });
    const registry = new RegistryService({
      runs: storage.runs,
      registry: storage.registry,
      artifacts,
      datasets: storage.datasets,
      events: createInProcessEventBus(),
      gate: config.gate,
    });
    const versions: number[] = [];
    for (const m of trained.models)
      versions.push(
        (await registry.register(m.runId, { author: 'test', modelName: data.modelName })).version,
      );
    await registry.promote(data.modelName, versions[0], {
      actor: 'test',
      reason: 'first',
      force: data.force,
    });
    return {
      config,
      varDir,
      versions,
      datasetId,
      cleanup: () => rmSync(varDir, { recursive: true, force: true }),
    };
  } finally {
    await storage.close();
  }
}

/** A classic-schema mushroom (the first row of agaricus-lepiota.data, poisonous; every value a code). */
export const CLASSIC_MUSHROOM = EXAMPLE_MUSHROOMS.classic as Readonly<Record<string, string>>;

/** The registry over an open storage of a prepared database, and the model source the server builds on it. */
export function registryOver(
  storage: Storage,
  prepared: { varDir: string; config: Config },
  bus: RegistryEventBus,
): { registry: RegistryService; source: ModelSource } {
  const registry = new RegistryService({
    runs: storage.runs,
    registry: storage.registry,
    artifacts: openArtifactStore(storage, { kind: 'file', dir: join(prepared.varDir, 'artifacts') }),
    datasets: storage.datasets,
    events: bus,
    gate: prepared.config.gate,
  });
  return { registry, source: registryModelSource(registry, bus) };
}

/** A log sink that keeps what it is given (and writes it to the real log). */
export function recordingLog(storage: Storage): {
  sink: PredictionLogSink;
  rows: PredictionLogRow[];
  chunks: PredictionLogChunk[];
} {
  const log = createPredictionLog(storage.predictions, { maxBatch: 10_000 });
  const rows: PredictionLogRow[] = [];
  const chunks: PredictionLogChunk[] = [];
  return {
    rows,
    chunks,
    sink: {
      mode: 'durable',
      get queueDepth() {
        return log.queueDepth;
      },
      append: (row) => {
        rows.push(row);
        return log.append(row);
      },
      appendChunk: (chunk) => {
        chunks.push(chunk);
        return log.appendChunk(chunk);
      },
    },
  };
}
