import { SporeprintError } from '../../core/index.js';
import { checkLabelsScores } from './evaluate-binary.js';

/** One bin of a reliability table. */
export interface CalibrationBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean predicted P(poisonous) in the bin (null when empty). */
  readonly meanPredicted: number | null;
  /** Observed share of poisonous rows in the bin (null when empty). */
  readonly observedRate: number | null;
}

/** Reliability table over `bins` equal-width bins of [0, 1] (p = 1 falls in the last bin). */
export function calibrationTable(yTrue: Uint8Array, p: Float64Array, bins = 10): CalibrationBin[] {
  checkLabelsScores(yTrue, p);
  if (!Number.isInteger(bins) || bins < 1) {
    throw new SporeprintError('SP_ERR_BAD_PARAM', `bins must be an integer ≥ 1, got ${bins}`);
  }
  const cnt = new Float64Array(bins);
  const sp = new Float64Array(bins);
  const sy = new Float64Array(bins);
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(bins - 1, Math.floor(p[i] * bins));
    cnt[b]++;
    sp[b] += p[i];
    sy[b] += yTrue[i];
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    out.push({
      lower: b / bins,
      upper: (b + 1) / bins,
      count: cnt[b],
      meanPredicted: cnt[b] > 0 ? sp[b] / cnt[b] : null,
      observedRate: cnt[b] > 0 ? sy[b] / cnt[b] : null,
    });
  }
  return out;
}
