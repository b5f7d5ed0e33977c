import { SporeprintError } from '../../core/index.js';

/** Hyper-parameters of {@link GradientBoostingClassifier} (XGBoost's names, camel-cased). */
export interface GradientBoostingParams {
  /** Number of boosting rounds (trees). */
  readonly nEstimators: number;
  /** Learning rate: every leaf weight is multiplied by `eta`. */
  readonly eta: number;
  /** Maximum tree depth (depthwise growth). */
  readonly maxDepth: number;
  /** Minimum hessian sum in each child of a split. */
  readonly minChildWeight: number;
  /** L2 regularisation on leaf weights. */
  readonly lambda: number;
  /** L1 regularisation on leaf weights. */
  readonly alpha: number;
  /** Minimum loss reduction to keep a split (`min_split_loss`), applied by bottom-up pruning. */
  readonly gamma: number;
  /** Share of rows sampled (without replacement, Bernoulli) for each tree. */
  readonly subsample: number;
  /** Share of features sampled for each tree. */
  readonly colsampleBytree: number;
  /** Maximum number of histogram bins per numeric feature. */
  readonly maxBin: number;
  /** Categorical features with fewer categories than this use one-vs-rest splits, others partitions. */
  readonly maxCatToOnehot: number;
  /** Initial prediction as a probability; `null` uses the (weighted) mean label. */
  readonly baseScore: number | null;
  /** Stop when the evaluation log loss has not improved for this many rounds (`null`: never). */
  readonly earlyStoppingRounds: number | null;
  /** Seed of row and column sampling. */
  readonly seed: number;
}

/** Defaults, as XGBoost 1.7's (except `baseScore`, which defaults to the mean label). */
export const DEFAULT_GBT_PARAMS: Readonly<GradientBoostingParams> = Object.freeze({
  nEstimators: 100,
  eta: 0.3,
  maxDepth: 6,
  minChildWeight: 1,
  lambda: 1,
  alpha: 0,
  gamma: 0,
  subsample: 1,
  colsampleBytree: 1,
  maxBin: 256,
  maxCatToOnehot: 4,
  baseScore: null,
  earlyStoppingRounds: null,
  seed: 0,
});

function bad(name: string, value: unknown, rule: string): never {
  throw new SporeprintError(
    'SP_ERR_BAD_PARAM',
    `gradient boosting: ${name} must be ${rule}, got ${String(value)}`,
    {
      param: name,
      value,
    },
  );
}

function int(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    bad(name, v, `an integer in [${min}, ${max}]`);
  }
  return v;
}

function real(name: string, v: unknown, min: number, max: number, openMin = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (openMin && v === min)) {
    bad(name, v, `a number in ${openMin ? '(' : '['}${min}, ${max}]`);
  }
  return v;
}

/** Merges `params` over the defaults and validates every value (SP_ERR_BAD_PARAM naming the param). */
export function resolveGbtParams(params: Partial<GradientBoostingParams> = {}): GradientBoostingParams {
  const known = new Set(Object.keys(DEFAULT_GBT_PARAMS));
  for (const key of Object.keys(params)) {
    if (!known.has(key)) bad(key, (params as Record<string, unknown>)[key], 'a known parameter');
  }
  const p = { ...DEFAULT_GBT_PARAMS, ...params };
  const baseScore = p.baseScore;
  if (baseScore !== null && (typeof baseScore !== 'number' || !(baseScore > 0 && baseScore < 1))) {
    bad('baseScore', baseScore, 'null or a probability in (0, 1)');
  }
  const esr = p.earlyStoppingRounds;
  return Object.freeze({
    nEstimators: int('nEstimators', p.nEstimators, 1, 100_000),
    eta: real('eta', p.eta, 0, 1, true),
    maxDepth: int('maxDepth', p.maxDepth, 1, 30),
    minChildWeight: real('minChildWeight', p.minChildWeight, 0, Number.MAX_VALUE),
    lambda: real('lambda', p.lambda, 0, Number.MAX_VALUE),
    alpha: real('alpha', p.alpha, 0, Number.MAX_VALUE),
    gamma: real('gamma', p.gamma, 0, Number.MAX_VALUE),
    subsample: real('subsample', p.subsample, 0, 1, true),
    colsampleBytree: real('colsampleBytree', p.colsampleBytree, 0, 1, true),
    maxBin: int('maxBin', p.maxBin, 2, 65_535),
    maxCatToOnehot: int('maxCatToOnehot', p.maxCatToOnehot, 1, 1_000_000),
    baseScore,
    earlyStoppingRounds: esr === null ? null : int('earlyStoppingRounds', esr, 1),
    seed: int('seed', p.seed, 0, 0xffffffff),
  });
}
