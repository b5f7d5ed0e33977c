import type { DatasetSchema } from '../../data/index.js';
import {
  type CleanRecord,
  groupKFold,
  LinearEncoder,
  stratifiedKFold,
  TreeEncoder,
} from '../../data/index.js';
import {
  type AnswerSummary,
  createEstimator,
  DecisionPolicy,
  ENCODING_OF,
  type EstimatorKind,
  evaluateBinary,
  evaluateGuard,
  NoveltyDetector,
  NoveltyGuard,
} from '../../ml/index.js';
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
  /**
   * Three-way answers on the held-out folds, with and without the unknown-species guard (policy and
   * guard threshold chosen on a validation part of each fold's training rows; no species used).
   */
  readonly decisions?: { readonly withGuard: AnswerTotals; readonly withoutGuard: AnswerTotals };
}

/** Answer counts summed over folds. */
export interface AnswerTotals {
  readonly rows: number;
  readonly edible: number;
  readonly poisonous: number;
  readonly uncertain: number;
  readonly falseEdible: number;
  /** falseEdible / edible answers. */
  readonly falseEdibleShareOfEdible: number;
  /** Truly edible rows answered edible / truly edible rows. */
  readonly edibleKeptShare: number;
}

function addUp(parts: readonly { s: AnswerSummary; trulyEdible: number }[]): AnswerTotals {
  let rows = 0;
  let edible = 0;
  let poisonous = 0;
  let uncertain = 0;
  let falseEdible = 0;
  let kept = 0;
  let trulyEdible = 0;
  for (const { s, trulyEdible: te } of parts) {
    rows += s.rows;
    edible += s.edible;
    poisonous += s.poisonous;
    uncertain += s.uncertain;
    falseEdible += s.falseEdible;
    kept += Number.isFinite(s.edibleKeptShare) ? s.edibleKeptShare * te : 0;
    trulyEdible += te;
  }
  return {
    rows,
    edible,
    poisonous,
    uncertain,
    falseEdible,
    falseEdibleShareOfEdible: edible > 0 ? falseEdible / edible : 0,
    edibleKeptShare: trulyEdible > 0 ? Math.round(kept) / trulyEdible : Number.NaN,
  };
}

/** Policy + guard evaluation of one fold: fit on 80% of the fold's training rows, choose on 20%. */
function foldDecisions(
  kind: EstimatorKind,
  params: Record<string, unknown>,
  schema: DatasetSchema,
  train: readonly CleanRecord[],
  test: readonly CleanRecord[],
  seed: number,
  targetRecall: number,
): { guarded: AnswerSummary; plain: AnswerSummary; trulyEdible: number } {
  const inner = stratifiedKFold(labels(train), 5, seed);
  const fit = pick(train, (i) => inner[i] !== 0);
  const val = pick(train, (i) => inner[i] === 0);
  const enc =
    ENCODING_OF[kind] === 'linear'
      ? new LinearEncoder().fit(fit, schema)
      : new TreeEncoder().fit(fit, schema);
  const tree = enc instanceof TreeEncoder ? enc : new TreeEncoder().fit(fit, schema);
  const est = createEstimator(kind, params);
  est.fit(enc.transform(fit), labels(fit), { features: enc.featureInfo() });
  const policy = DecisionPolicy.fit(labels(val), est.predictProba(enc.transform(val)), { targetRecall });
  const detector = new NoveltyDetector().fit(tree.transform(fit), tree.featureInfo());
  const guard = NoveltyGuard.calibrate(detector, tree.transform(val));
  const yTest = labels(test);
  const ev = evaluateGuard({
    yTrue: yTest,
    pPoisonous: est.predictProba(enc.transform(test)),
    edibleBelow: policy.edibleBelow,
    poisonousAtOrAbove: policy.poisonousAtOrAbove,
    noveltyScores: guard.score(tree.transform(test)),
    threshold: guard.threshold,
  });
  let trulyEdible = 0;
  for (let i = 0; i < yTest.length; i++) trulyEdible += yTest[i] === 0 ? 1 : 0;
  return { guarded: ev.withGuard, plain: ev.withoutGuard, trulyEdible };
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
  /** Also evaluate three-way answers with and without the unknown-species guard. */
  decisions?: { readonly targetRecall: number };
  onFold?: (done: number, total: number) => void;
}): CvResult {
  const y = labels(opts.records);
  const folds = opts.groups ? groupKFold(opts.groups, opts.k) : stratifiedKFold(y, opts.k, opts.seed);
  const results: FoldMetrics[] = [];
  const pAll = new Float64Array(y.length);
  const guarded: { s: AnswerSummary; trulyEdible: number }[] = [];
  const plain: { s: AnswerSummary; trulyEdible: number }[] = [];
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
    if (opts.decisions) {
      const d = foldDecisions(
        opts.kind,
        opts.params,
        opts.schema,
        train,
        test,
        opts.seed + f,
        opts.decisions.targetRecall,
      );
      guarded.push({ s: d.guarded, trulyEdible: d.trulyEdible });
      plain.push({ s: d.plain, trulyEdible: d.trulyEdible });
    }
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
    ...(opts.decisions ? { decisions: { withGuard: addUp(guarded), withoutGuard: addUp(plain) } } : {}),
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
