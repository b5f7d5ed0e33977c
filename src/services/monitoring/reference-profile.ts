/**
 * A model version's reference profile: what its training data looked like, feature by feature (the
 * counts of each value, keyed as the prediction log's roll-up keys them), and what the model answered
 * on its test split (the shares prediction drift compares with) — built once per version from the
 * dataset version it was trained on, and stored with it.
 */
import type { CleanRecord, DatasetSchema } from '../../data/index.js';
import { getSchema, type SchemaName } from '../../data/index.js';
import { type ModelPipeline, NOVELTY_REASON } from '../../ml/index.js';
import { IsotonicCalibrator, type IsotonicCalibratorJSON, needsCalibration } from '../../stats/index.js';
import { type DatasetRepository, MISSING_VALUE, valueKey } from '../../storage/index.js';
import { readSplitRecords } from '../registry/index.js';
import { type LabelledFigures, labelledFigures } from './labelled-figures.js';

/** The answers a prediction can have, with `novel` for those the unknown-species guard made. */
export const OUTCOMES = ['edible', 'poisonous', 'uncertain', 'novel'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** One feature of the training data: how many rows had each value (`?` missing). */
export interface ProfiledFeature {
  readonly kind: 'categorical' | 'numeric';
  readonly counts: Readonly<Record<string, number>>;
}

export interface ReferenceProfile {
  readonly formatVersion: 1;
  readonly modelName: string;
  readonly modelVersion: number;
  readonly datasetId: string;
  readonly schemaName: string;
  /** Rows of the training split, profiled. */
  readonly rows: number;
  readonly features: Readonly<Record<string, ProfiledFeature>>;
  /** The model's answers on the test split. */
  readonly outcomes: {
    readonly split: 'test';
    readonly rows: number;
    readonly counts: Readonly<Record<Outcome, number>>;
    /** The model's figures on the test split, as monitoring computes them on labelled traffic. */
    readonly figures: LabelledFigures;
  };
  /**
   * How performance is estimated without labels (CBPE): NannyML's rule on the validation split (never
   * the training data) — an isotonic calibrator only when it lowers the expected calibration error.
   */
  readonly calibration: {
    readonly split: 'validation';
    readonly rows: number;
    readonly calibrated: boolean;
    readonly reason: string;
    readonly eceBefore: number | null;
    readonly eceAfter: number | null;
    readonly calibrator: IsotonicCalibratorJSON | null;
  };
}

/** The rows of one split and its schema. */
async function readSplit(
  datasets: DatasetRepository,
  datasetId: string,
  split: 'train' | 'validation' | 'test',
): Promise<{ schema: DatasetSchema; records: CleanRecord[] }> {
  const { schemaName, records } = await readSplitRecords(datasets, datasetId, split);
  return { schema: getSchema(schemaName as SchemaName), records };
}

/** Counts per feature of `records` (schema order), keyed as the roll-up keys logged inputs. */
export function profileFeatures(
  schema: DatasetSchema,
  records: readonly CleanRecord[],
): Record<string, ProfiledFeature> {
  const features: Record<string, ProfiledFeature> = {};
  schema.features.forEach((spec, j) => {
    const counts: Record<string, number> = {};
    for (const r of records) {
      const v = r.values[j];
      const k = v === null || v === undefined ? MISSING_VALUE : valueKey(v);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    features[spec.name] = { kind: spec.kind === 'numeric' ? 'numeric' : 'categorical', counts };
  });
  return features;
}

/** Builds the profile of a model version from the dataset version it was trained on. */
export async function buildReferenceProfile(
  datasets: DatasetRepository,
  model: {
    readonly name: string;
    readonly version: number;
    readonly datasetId: string;
    readonly pipeline: ModelPipeline;
  },
): Promise<ReferenceProfile> {
  const train = await readSplit(datasets, model.datasetId, 'train');
  const test = await readSplit(datasets, model.datasetId, 'test');
  const predictions = model.pipeline.predictMany(test.records.map((r) => r.values));
  const counts: Record<Outcome, number> = { edible: 0, poisonous: 0, uncertain: 0, novel: 0 };
  const cells: Record<string, number> = {};
  predictions.forEach((p, i) => {
    counts[p.decision === 'uncertain' && p.reason === NOVELTY_REASON ? 'novel' : p.decision]++;
    const k = `${p.decision}|${test.records[i].label === 1 ? 'p' : 'e'}`;
    cells[k] = (cells[k] ?? 0) + 1;
  });
  const validation = await readSplit(datasets, model.datasetId, 'validation');
  return {
    formatVersion: 1,
    modelName: model.name,
    modelVersion: model.version,
    datasetId: model.datasetId,
    schemaName: train.schema.name,
    rows: train.records.length,
    features: profileFeatures(train.schema, train.records),
    outcomes: {
      split: 'test',
      rows: test.records.length,
      counts,
      figures: labelledFigures(cells),
    },
    calibration: fitCalibration(model.pipeline, validation.records),
  };
}

/** NannyML's calibration rule on the validation split's probabilities and labels. */
function fitCalibration(
  pipeline: ModelPipeline,
  records: readonly CleanRecord[],
): ReferenceProfile['calibration'] {
  const p = Float64Array.from(pipeline.predictMany(records.map((r) => r.values)), (x) => x.probability);
  const y = Uint8Array.from(records, (r) => r.label);
  const verdict = needsCalibration(y, p);
  return {
    split: 'validation',
    rows: records.length,
    calibrated: verdict.calibrate,
    reason: verdict.reason,
    eceBefore: verdict.eceBefore,
    eceAfter: verdict.eceAfter,
    calibrator: verdict.calibrate ? IsotonicCalibrator.fit(p, y).toJSON() : null,
  };
}
