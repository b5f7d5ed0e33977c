import { type Matrix, SporeprintError } from '../../core/index.js';
import { NOVELTY_METHOD, NoveltyDetector } from './novelty-detector.js';
import { NOVELTY_GUARD_FORMAT_VERSION, type NoveltyGuardJSON, parseGuardJson } from './schema.js';

/** The reason given with an "uncertain" answer that the guard forced. */
export const NOVELTY_REASON = 'unlike any species in the training data';

/** Default quantile of the validation scores used as threshold by {@link NoveltyGuard.calibrate}. */
export const DEFAULT_NOVELTY_QUANTILE = 0.95;

/** Options of {@link NoveltyGuard.calibrate}. */
export interface NoveltyGuardOptions {
  /**
   * Share of validation rows (of known species) the guard must let through (default 0.95): the
   * threshold is the ⌈q·n⌉-th smallest validation score, so at most (1 − q)·n validation rows score
   * above it.
   */
  readonly quantile?: number;
}

/**
 * The ⌈q·n⌉-th smallest value of `values` (NaN counts as +∞): the smallest threshold t such that at
 * most ⌊(1 − q)·n⌋ values are above t.
 */
export function upperQuantile(values: Float64Array, q: number): number {
  if (values.length === 0) throw new SporeprintError('SP_ERR_BAD_DATA', 'upperQuantile: no values');
  if (!(q > 0 && q <= 1))
    throw new SporeprintError('SP_ERR_BAD_PARAM', `quantile must be in (0, 1], got ${q}`);
  const sorted = Float64Array.from(values, (v) => (Number.isNaN(v) ? Number.POSITIVE_INFINITY : v)).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length - 1e-9)));
  return sorted[rank - 1];
}

/**
 * A fitted {@link NoveltyDetector} plus the threshold above which a record is "unlike any species in
 * the training data" and must be answered "uncertain". The threshold is a high quantile of the
 * scores of held-out validation rows of the training species (a stratified validation split, no
 * species labels needed): with quantile q the guard stops about 1 − q of known-species records and
 * every record farther from the training data than the typical known one.
 *
 * @example
 * const det = new NoveltyDetector().fit(Xtrain, features);
 * const guard = NoveltyGuard.calibrate(det, Xval, { quantile: 0.95 });
 * if (guard.isNovel(guard.scoreRow(row, 0))) answer = 'uncertain';
 */
export class NoveltyGuard {
  private constructor(
    /** The fitted detector. */
    readonly detector: NoveltyDetector,
    /** Scores strictly above this are novel. */
    readonly threshold: number,
    /** The validation quantile the threshold was taken at. */
    readonly quantile: number,
    /** Number of validation rows the threshold was chosen on. */
    readonly validationRows: number,
  ) {}

  /** The scoring method's name (recorded with the model version). */
  get method(): string {
    return NOVELTY_METHOD;
  }

  /** The reason given with a guarded answer. */
  get reason(): string {
    return NOVELTY_REASON;
  }

  /**
   * Chooses the threshold as the `quantile` of the detector's scores on validation rows `Xval`
   * (rows of the training species that the detector was not fitted on).
   *
   * @throws SporeprintError `SP_ERR_BAD_PARAM` on a quantile outside (0, 1], `SP_ERR_BAD_DATA` on an
   * empty validation set or when the threshold would reach the detector's score cap (a guard that
   * could never fire).
   */
  static calibrate(detector: NoveltyDetector, Xval: Matrix, options: NoveltyGuardOptions = {}): NoveltyGuard {
    const q = options.quantile ?? DEFAULT_NOVELTY_QUANTILE;
    if (!(q > 0 && q <= 1))
      throw new SporeprintError('SP_ERR_BAD_PARAM', `quantile must be in (0, 1], got ${q}`);
    if (!Xval || Xval.rows < 1)
      throw new SporeprintError(
        'SP_ERR_BAD_DATA',
        'NoveltyGuard.calibrate needs at least one validation row',
      );
    const scores = detector.score(Xval);
    const threshold = upperQuantile(scores, q);
    if (threshold >= detector.cap) {
      throw new SporeprintError(
        'SP_ERR_BAD_DATA',
        `NoveltyGuard.calibrate: the ${q} quantile of the validation scores reaches the score cap ${detector.cap}, ` +
          'so the guard could never fire: fit the detector with a larger radius or choose a lower quantile',
        { threshold, cap: detector.cap },
      );
    }
    return new NoveltyGuard(detector, threshold, q, Xval.rows);
  }

  /** A guard from a detector and a threshold chosen elsewhere. */
  static fromThreshold(
    detector: NoveltyDetector,
    threshold: number,
    quantile = 1,
    validationRows = 1,
  ): NoveltyGuard {
    if (!(threshold >= 0 && Number.isFinite(threshold)))
      throw new SporeprintError(
        'SP_ERR_BAD_PARAM',
        `threshold must be a finite number ≥ 0, got ${threshold}`,
      );
    return new NoveltyGuard(detector, threshold, quantile, validationRows);
  }

  /** True when `score` is above the threshold (NaN counts as novel). */
  isNovel(score: number): boolean {
    return !(score <= this.threshold);
  }

  /** Scores of every row of `X` (see {@link NoveltyDetector.score}). */
  score(X: Matrix, out?: Float64Array): Float64Array {
    return this.detector.score(X, out);
  }

  /** Allocation-free score of one encoded row (see {@link NoveltyDetector.scoreRow}). */
  scoreRow(data: Float64Array, offset: number): number {
    return this.detector.scoreRow(data, offset);
  }

  /** Versioned plain data: method, reason, quantile, threshold and the detector. */
  toJSON(): NoveltyGuardJSON {
    return {
      formatVersion: NOVELTY_GUARD_FORMAT_VERSION,
      kind: 'novelty-guard',
      method: NOVELTY_METHOD,
      reason: NOVELTY_REASON,
      quantile: this.quantile,
      threshold: this.threshold,
      validationRows: this.validationRows,
      detector: this.detector.toJSON(),
    };
  }

  /**
   * Loads a guard saved by {@link toJSON}.
   *
   * @throws SporeprintError `SP_ERR_MODEL_FORMAT` naming the first problem.
   */
  static fromJSON(json: unknown): NoveltyGuard {
    const j = parseGuardJson(json);
    const detector = NoveltyDetector.fromJSON(j.detector);
    return new NoveltyGuard(detector, j.threshold, j.quantile, j.validationRows);
  }
}
