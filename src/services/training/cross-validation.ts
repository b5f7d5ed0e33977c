import type { DatasetSchema } from '../../data/index.js';
import {
  type CleanRecord,
  groupKFold,
  LinearEncoder,
  stratifiedKFold,
  TreeEncoder,
} from '../../data/index.js';
import { createEstimator, ENCODING_OF, type EstimatorKind, evaluateBinary } from '../../ml/index.js';
import { labels, pick } from './training-data.js';

/** Metrics of one fold. */
export interface FoldMetrics {
  readonly fold: number;
  readonly n: number;
  readonly accuracy: number;
  readonly recall: number;
  readonly falseEdible: number;
  readonly rocAuc: number;
}

/** A k-fold cross-validation result. */
export interface CvResult {
  readonly kind: 'stratified' | 'species';
  readonly k: number;
  readonly folds: readonly FoldMetrics[];
  readonly accuracyMean: number;
  readonly accuracyStd: number;
  readonly accuracyMin: number;
  readonly recallMean: number;
  readonly rocAucMean: number;
  readonly falseEdibleTotal: number;
  /** Species-grouped only: poisonous species whose held-out rows were mostly called edible. */
  readonly poisonousSpeciesMostlyEdible?: number;
  readonly poisonousSpecies?: number;
  /** Always-poisonous baseline accuracy over the same rows. */
  readonly baselineAccuracy: number;
}

/**
 * Cross-validates a model kind over all rows: encoders are refitted on each fold's training rows,
 * so held-out rows never leak into the preprocessing.
 */
export function crossValidate(opts: {
  kind: EstimatorKind;
  params: Record<string, unknown>;
  schema: DatasetSchema;
  records: readonly CleanRecord[];
  k: number;
  seed: number;
  /** Species per record: species-grouped folds (test species never seen in training). */
  groups?: Int32Array;
  onFold?: (done: number, total: number) => void;
}): CvResult {
  const y = labels(opts.records);
  const folds = opts.groups ? groupKFold(opts.groups, opts.k) : stratifiedKFold(y, opts.k, opts.seed);
  const results: FoldMetrics[] = [];
  const pAll = new Float64Array(y.length);
  for (let f = 0; f < opts.k; f++) {
    const train = pick(opts.records, (i) => folds[i] !== f);
    const test = pick(opts.records, (i) => folds[i] === f);
    const enc =
      ENCODING_OF[opts.kind] === 'linear'
        ? new LinearEncoder().fit(train, opts.schema)
        : new TreeEncoder().fit(train, opts.schema);
    const est = createEstimator(opts.kind, opts.params);
    est.fit(enc.transform(train), labels(train), { features: enc.featureInfo() });
    const yTest = labels(test);
    const p = est.predictProba(enc.transform(test));
    let k = 0;
    for (let i = 0; i < y.length; i++) if (folds[i] === f) pAll[i] = p[k++];
    const m = evaluateBinary(yTest, p);
    results.push({
      fold: f,
      n: m.n,
      accuracy: m.accuracy,
      recall: m.recall,
      falseEdible: m.falseEdible,
      rocAuc: m.rocAuc,
    });
    opts.onFold?.(f + 1, opts.k);
  }
  const acc = results.map((r) => r.accuracy);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const accMean = mean(acc);
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i];
  const out: CvResult = {
    kind: opts.groups ? 'species' : 'stratified',
    k: opts.k,
    folds: results,
    accuracyMean: accMean,
    accuracyStd: Math.sqrt(mean(acc.map((a) => (a - accMean) ** 2))),
    accuracyMin: Math.min(...acc),
    recallMean: mean(results.map((r) => r.recall)),
    rocAucMean: mean(results.map((r) => r.rocAuc).filter((x) => Number.isFinite(x))),
    falseEdibleTotal: results.reduce((a, r) => a + r.falseEdible, 0),
    baselineAccuracy: positives / y.length,
  };
  if (!opts.groups) return out;
  // Poisonous species whose rows were mostly (> 50%) called edible.
  const perSpecies = new Map<number, { n: number; edible: number; label: number }>();
  for (let i = 0; i < y.length; i++) {
    const g = opts.groups[i];
    const s = perSpecies.get(g) ?? { n: 0, edible: 0, label: y[i] };
    s.n++;
    if (pAll[i] < 0.5) s.edible++;
    perSpecies.set(g, s);
  }
  let poisonous = 0;
  let mostlyEdible = 0;
  for (const s of perSpecies.values()) {
    if (s.label !== 1) continue;
    poisonous++;
    if (s.edible > s.n / 2) mostlyEdible++;
  }
  return { ...out, poisonousSpecies: poisonous, poisonousSpeciesMostlyEdible: mostlyEdible };
}
