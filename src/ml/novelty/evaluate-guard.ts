import { SporeprintError } from '../../core/index.js';

/** Inputs of {@link evaluateGuard}; all arrays have one entry per row. */
export interface GuardEvaluationInput {
  /** True labels: 1 = poisonous, 0 = edible. */
  readonly yTrue: Uint8Array;
  /** P(poisonous) per row. */
  readonly pPoisonous: Float64Array;
  /** Decision policy: "edible" when p < edibleBelow. */
  readonly edibleBelow: number;
  /** Decision policy: "poisonous" when p ≥ poisonousAtOrAbove; in between (or NaN) "uncertain". */
  readonly poisonousAtOrAbove: number;
  /** Novelty score per row. */
  readonly noveltyScores: Float64Array;
  /** Guard threshold: a score above it (or NaN) turns the answer into "uncertain". */
  readonly threshold: number;
}

/** What a set of answers looks like. */
export interface AnswerSummary {
  readonly rows: number;
  readonly edible: number;
  readonly poisonous: number;
  readonly uncertain: number;
  /** Shares of rows answered edible / poisonous / uncertain. */
  readonly edibleShare: number;
  readonly poisonousShare: number;
  readonly uncertainShare: number;
  /** Poisonous rows answered "edible". */
  readonly falseEdible: number;
  /** falseEdible / edible answers (0 when nothing was answered edible). */
  readonly falseEdibleShareOfEdible: number;
  /** Truly edible rows answered "edible" / truly edible rows (NaN when there are none). */
  readonly edibleKeptShare: number;
}

/** {@link evaluateGuard}'s result. */
export interface GuardEvaluation {
  readonly withGuard: AnswerSummary;
  readonly withoutGuard: AnswerSummary;
  /** Rows whose novelty score is above the threshold, and their share. */
  readonly novel: number;
  readonly novelShare: number;
}

function summary(
  rows: number,
  e: number,
  p: number,
  fe: number,
  edibleKept: number,
  trulyEdible: number,
): AnswerSummary {
  const u = rows - e - p;
  return {
    rows,
    edible: e,
    poisonous: p,
    uncertain: u,
    edibleShare: rows > 0 ? e / rows : 0,
    poisonousShare: rows > 0 ? p / rows : 0,
    uncertainShare: rows > 0 ? u / rows : 0,
    falseEdible: fe,
    falseEdibleShareOfEdible: e > 0 ? fe / e : 0,
    edibleKeptShare: trulyEdible > 0 ? edibleKept / trulyEdible : Number.NaN,
  };
}

/**
 * Answers with and without the novelty guard, from labels, P(poisonous), the decision policy's
 * thresholds and the novelty scores. Without the guard: edible if p < edibleBelow, poisonous if
 * p ≥ poisonousAtOrAbove, else uncertain. With the guard: the same, except that every row whose score
 * is above `threshold` is answered "uncertain".
 *
 * @throws SporeprintError `SP_ERR_BAD_DATA` on arrays of different lengths or labels other than 0/1,
 * `SP_ERR_BAD_PARAM` on non-numeric thresholds.
 */
export function evaluateGuard(input: GuardEvaluationInput): GuardEvaluation {
  const { yTrue, pPoisonous, noveltyScores, edibleBelow, poisonousAtOrAbove, threshold } = input;
  const n = yTrue?.length;
  if (
    !(yTrue instanceof Uint8Array) ||
    !(pPoisonous instanceof Float64Array) ||
    !(noveltyScores instanceof Float64Array) ||
    pPoisonous.length !== n ||
    noveltyScores.length !== n
  ) {
    throw new SporeprintError(
      'SP_ERR_BAD_DATA',
      'evaluateGuard: yTrue (Uint8Array), pPoisonous and noveltyScores (Float64Array) must have equal lengths',
    );
  }
  for (const [name, v] of [
    ['edibleBelow', edibleBelow],
    ['poisonousAtOrAbove', poisonousAtOrAbove],
    ['threshold', threshold],
  ] as const) {
    if (typeof v !== 'number' || Number.isNaN(v))
      throw new SporeprintError('SP_ERR_BAD_PARAM', `evaluateGuard: ${name} must be a number, got ${v}`);
  }
  let e0 = 0;
  let p0 = 0;
  let fe0 = 0;
  let kept0 = 0;
  let e1 = 0;
  let p1 = 0;
  let fe1 = 0;
  let kept1 = 0;
  let trulyEdible = 0;
  let novel = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i];
    if (y > 1)
      throw new SporeprintError('SP_ERR_BAD_DATA', `evaluateGuard: yTrue[${i}] = ${y} is not 0 or 1`);
    if (y === 0) trulyEdible++;
    const p = pPoisonous[i];
    const isNovel = !(noveltyScores[i] <= threshold);
    if (isNovel) novel++;
    if (p < edibleBelow) {
      e0++;
      if (y === 1) fe0++;
      else kept0++;
      if (!isNovel) {
        e1++;
        if (y === 1) fe1++;
        else kept1++;
      }
    } else if (p >= poisonousAtOrAbove) {
      p0++;
      if (!isNovel) p1++;
    }
  }
  return {
    withGuard: summary(n, e1, p1, fe1, kept1, trulyEdible),
    withoutGuard: summary(n, e0, p0, fe0, kept0, trulyEdible),
    novel,
    novelShare: n > 0 ? novel / n : 0,
  };
}
