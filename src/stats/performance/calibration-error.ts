import { Rng } from '../../core/index.js';
import { badParam } from '../drift/samples.js';
import { checkLabelsAndProbabilities } from './check-inputs.js';
import { IsotonicCalibrator } from './isotonic-calibrator.js';

/**
 * Expected calibration error as NannyML computes it: rows sorted by probability are cut into `bins`
 * bins of equal row count (⌊n/bins⌋ rows each, the last one taking the rest; fewer bins when
 * n ≤ 2·bins), and ECE = Σ (rows in bin / n)·|mean p − mean y|. Throws SP_ERR_BAD_PARAM when fewer than
 * 2 bins of 2 rows can be made.
 */
export function expectedCalibrationError(y: ArrayLike<number>, p: ArrayLike<number>, bins = 10): number {
  checkLabelsAndProbabilities(y, p, 'y', 'p');
  if (!Number.isInteger(bins) || bins < 2) badParam('bins', `must be an integer ≥ 2, got ${bins}`);
  const n = p.length;
  let count = bins;
  if (n <= 2 * count) {
    count = Math.floor(n / 2);
    if (count < 2) badParam('p', `needs at least 4 rows for 2 bins, got ${n}`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a] - p[b]);
  const width = Math.floor(n / count);
  // NannyML's edges: 0, width, 2·width, … with the last edge moved to n.
  const edges: number[] = [];
  for (let e = 0; e <= n; e += width) edges.push(e);
  edges[edges.length - 1] = n;
  let ece = 0;
  for (let b = 0; b + 1 < edges.length; b++) {
    let sp = 0;
    let sy = 0;
    for (let k = edges[b]; k < edges[b + 1]; k++) {
      sp += p[order[k]];
      sy += y[order[k]];
    }
    const size = edges[b + 1] - edges[b];
    ece += (size / n) * Math.abs(sp / size - sy / size);
  }
  return ece;
}

/** Area under the ROC curve (Mann–Whitney U with average ranks for ties). */
export function rocAuc(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const n = p.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a] - p[b]);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && p[order[j + 1]] === p[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (y[order[k]] === 1) {
        rankSumPos += avgRank;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Options of {@link needsCalibration}. */
export interface NeedsCalibrationOptions {
  /** ECE bins (default 10, NannyML's). */
  readonly bins?: number;
  /** Random stratified splits (default 10, NannyML's). */
  readonly splits?: number;
  /** Share of each split held out to measure ECE (default 0.1, NannyML's). */
  readonly testShare?: number;
  /** Seed of the splits (default 42, NannyML's `random_state`; our generator, so other splits). */
  readonly seed?: number;
}

/** Verdict of {@link needsCalibration}. */
export interface CalibrationVerdict {
  readonly calibrate: boolean;
  /** Why: one class only, AUROC > 0.999 (nothing to gain), or the held-out ECE comparison. */
  readonly reason: 'single-class' | 'separable' | 'ece';
  /** Held-out ECE of the raw scores and of the isotonic-calibrated ones (null when not measured). */
  readonly eceBefore: number | null;
  readonly eceAfter: number | null;
}

/**
 * NannyML's `needs_calibration`: on `splits` stratified random splits (testShare held out), fit an
 * isotonic calibrator on the rest, pool the held-out rows, and calibrate only if the calibrated
 * scores' ECE is lower than the raw scores'. No calibration when only one class is present or when the
 * scores already separate the classes (AUROC > 0.999). Use it on the validation split.
 */
export function needsCalibration(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  options: NeedsCalibrationOptions = {},
): CalibrationVerdict {
  checkLabelsAndProbabilities(y, p, 'y', 'p');
  const splits = options.splits ?? 10;
  const testShare = options.testShare ?? 0.1;
  if (!Number.isInteger(splits) || splits < 1)
    badParam('options.splits', `must be an integer ≥ 1, got ${splits}`);
  if (!(testShare > 0 && testShare < 1)) badParam('options.testShare', `must be in (0, 1), got ${testShare}`);
  const byClass: number[][] = [[], []];
  for (let i = 0; i < y.length; i++) byClass[y[i]].push(i);
  if (byClass[0].length === 0 || byClass[1].length === 0) {
    return { calibrate: false, reason: 'single-class', eceBefore: null, eceAfter: null };
  }
  if (rocAuc(y, p) > 0.999) return { calibrate: false, reason: 'separable', eceBefore: null, eceAfter: null };
  const rng = new Rng(options.seed ?? 42);
  const yTest: number[] = [];
  const pTest: number[] = [];
  const pCal: number[] = [];
  for (let s = 0; s < splits; s++) {
    const test: number[] = [];
    const train: number[] = [];
    for (const members of byClass) {
      const shuffled = rng.shuffle(members.slice());
      const k = Math.min(members.length - 1, Math.max(1, Math.round(testShare * members.length)));
      test.push(...shuffled.slice(0, k));
      train.push(...shuffled.slice(k));
    }
    const cal = IsotonicCalibrator.fit(
      train.map((i) => p[i]),
      train.map((i) => y[i]),
    );
    for (const i of test) {
      yTest.push(y[i]);
      pTest.push(p[i]);
      pCal.push(cal.calibrate(p[i]));
    }
  }
  const eceBefore = expectedCalibrationError(yTest, pTest, options.bins);
  const eceAfter = expectedCalibrationError(yTest, pCal, options.bins);
  return { calibrate: eceBefore > eceAfter, reason: 'ece', eceBefore, eceAfter };
}
