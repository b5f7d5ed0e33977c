import { type FeatureInfo, type Matrix, NotFittedError, Rng, SporeprintError } from '../../core/index.js';
import type { Estimator, EstimatorJSON, FitOptions } from '../estimator.js';
import type { TreeArrays } from '../tree-arrays.js';
import { checkTreeStructure, type PlainTree, treeFromPlain, treeToPlain } from '../tree-arrays-json.js';
import { binMatrix } from './binning.js';
import { CompiledForest } from './compiled-forest.js';
import { FlatForest, type MarginPrecision } from './flat-forest.js';
import { type MarginUpdate, TreeGrower } from './grow-tree.js';
import { assertGbtSchema } from './model-schema.js';
import { type GradientBoostingParams, resolveGbtParams } from './params.js';

/** XGBoost's `get_score` importance types. */
export type ImportanceType = 'weight' | 'gain' | 'cover' | 'total_gain' | 'total_cover';

/** Everything needed to build a predict-only booster (used by importers). */
export interface BoosterParts {
  readonly trees: readonly TreeArrays[];
  /** Initial prediction as a probability. */
  readonly baseScore: number;
  readonly features: readonly FeatureInfo[];
  /** `float32` sums tree outputs in float32 as XGBoost does (imported models). */
  readonly marginPrecision?: MarginPrecision;
  readonly params?: Partial<GradientBoostingParams>;
}

interface Fitted {
  readonly trees: TreeArrays[];
  readonly features: FeatureInfo[];
  readonly baseScore: number;
  readonly baseMargin: number;
  readonly marginPrecision: MarginPrecision;
  readonly bestIteration: number;
  readonly cuts: number[][] | null;
  /** The compiled predictor: built with the state on load, on first use after a fit. */
  forest: CompiledForest | null;
}

const EPS_HESS = 1e-16;

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function badData(msg: string): never {
  throw new SporeprintError('SP_ERR_BAD_DATA', `gradient boosting: ${msg}`);
}

function checkMatrix(X: Matrix, name: string): void {
  if (!(X.data instanceof Float64Array) || X.data.length !== X.rows * X.cols) {
    badData(`${name} data has length ${X.data?.length}, expected rows × cols = ${X.rows * X.cols}`);
  }
}

function checkLabels(y: Uint8Array, rows: number, name: string): void {
  if (y.length !== rows) badData(`${name} has ${y.length} labels for ${rows} rows`);
  for (let i = 0; i < y.length; i++) if (y[i] > 1) badData(`${name}[${i}] is ${y[i]}, expected 0 or 1`);
}

/** Checks the arguments of a fit; returns the feature descriptions (numeric `f<i>` by default). */
function checkFitInputs(X: Matrix, y: Uint8Array, options: FitOptions): FeatureInfo[] {
  checkMatrix(X, 'X');
  if (X.rows === 0 || X.cols === 0) badData(`X is empty (${X.rows} × ${X.cols})`);
  checkLabels(y, X.rows, 'y');
  const features: FeatureInfo[] = options.features
    ? [...options.features]
    : Array.from({ length: X.cols }, (_, i) => ({ name: `f${i}`, kind: 'numeric' as const }));
  if (features.length !== X.cols) badData(`features has ${features.length} entries for ${X.cols} columns`);
  const w = options.sampleWeight;
  if (w !== undefined) {
    if (w.length !== X.rows) badData(`sampleWeight has ${w.length} entries for ${X.rows} rows`);
    for (let i = 0; i < w.length; i++) {
      if (!(w[i] >= 0 && Number.isFinite(w[i]))) badData(`sampleWeight[${i}] is ${w[i]}`);
    }
  }
  const evalSet = options.evalSet;
  if (evalSet) {
    checkMatrix(evalSet.X, 'evalSet.X');
    if (evalSet.X.cols !== X.cols) badData(`evalSet.X has ${evalSet.X.cols} columns, expected ${X.cols}`);
    checkLabels(evalSet.y, evalSet.X.rows, 'evalSet.y');
  }
  return features;
}

/** The weighted share of positive labels, clipped to [1e-6, 1 − 1e-6] (XGBoost's `boost_from_average`). */
function meanLabel(y: Uint8Array, w: Float64Array | undefined): number {
  let sw = 0;
  let sy = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w ? w[i] : 1;
    sw += wi;
    sy += wi * y[i];
  }
  if (!(sw > 0)) badData('the sample weights sum to 0');
  return Math.min(1 - 1e-6, Math.max(1e-6, sy / sw));
}

/**
 * The log-loss gradient pairs of every row at `margin` into `gh` (interleaved), every row into `rows`,
 * and their sums into `sums` = [G, H]. With `expNeg` (exp(−margin), kept by the grower) no Math.exp is
 * needed, except where the running product has left the safe range.
 */
function logisticGradients(
  margin: Float64Array,
  expNeg: Float64Array | undefined,
  y: Uint8Array,
  w: Float64Array | undefined,
  gh: Float64Array,
  rows: Uint32Array,
  sums: Float64Array,
): void {
  let g0 = 0;
  let h0 = 0;
  for (let i = 0; i < margin.length; i++) {
    let e: number;
    if (expNeg === undefined) e = Math.exp(-margin[i]);
    else {
      e = expNeg[i];
      // far out in the tails the running product may over- or underflow: start again from the margin
      if (!(e > 1e-250 && e < 1e250)) {
        e = Math.exp(-margin[i]);
        expNeg[i] = e;
      }
    }
    const pr = 1 / (1 + e);
    const wi = w ? w[i] : 1;
    const gi = (pr - y[i]) * wi;
    const hi = Math.max(pr * (1 - pr), EPS_HESS) * wi;
    gh[2 * i] = gi;
    gh[2 * i + 1] = hi;
    g0 += gi;
    h0 += hi;
    rows[i] = i;
  }
  sums[0] = g0;
  sums[1] = h0;
}

/** Keeps each row with probability `rate` (in order, at the front of `rows`); their sums into `sums`; returns how many. */
function subsampleRows(
  rng: Rng,
  rate: number,
  gh: Float64Array,
  rows: Uint32Array,
  sums: Float64Array,
): number {
  let nRows = 0;
  let g0 = 0;
  let h0 = 0;
  for (let i = 0; i < rows.length; i++) {
    if (rng.next() < rate) {
      rows[nRows++] = i;
      g0 += gh[2 * i];
      h0 += gh[2 * i + 1];
    }
  }
  sums[0] = g0;
  sums[1] = h0;
  return nRows;
}

/** Marks `nCols` columns drawn at random as allowed (all of them when that is every column). */
function sampleColumns(rng: Rng, nCols: number, colOrder: Int32Array, allowed: Uint8Array): void {
  if (nCols >= allowed.length) {
    allowed.fill(1);
    return;
  }
  for (let f = 0; f < allowed.length; f++) colOrder[f] = f;
  rng.shuffle(colOrder);
  allowed.fill(0);
  for (let k = 0; k < nCols; k++) allowed[colOrder[k]] = 1;
}

/** Adds each leaf's value to the margins of the rows of its segment `rows[leafStart … leafEnd)`. */
function addLeafSegments(
  tree: TreeArrays,
  leafStart: Int32Array,
  leafEnd: Int32Array,
  rows: Uint32Array,
  margin: Float64Array,
): void {
  for (let node = 0; node < tree.left.length; node++) {
    if (tree.left[node] !== -1) continue;
    const v = tree.value[node];
    for (let k = leafStart[node]; k < leafEnd[node]; k++) margin[rows[k]] += v;
  }
}

/**
 * Gradient-boosted trees with XGBoost's algorithm (`binary:logistic`, `tree_method=hist`, depthwise):
 * quantile-binned numeric features, native categorical splits (one-vs-rest below `maxCatToOnehot`
 * categories, sorted partitions above), learned default directions for missing values, L1/L2-regularised
 * leaf weights, `gamma` pruning, row/column subsampling and early stopping on `evalSet` log loss.
 *
 * @example
 * const gbt = new GradientBoostingClassifier({ nEstimators: 100, maxDepth: 6 }).fit(X, y, { features });
 * const p = gbt.predictProba(X);
 */
export class GradientBoostingClassifier implements Estimator<GradientBoostingParams> {
  readonly kind = 'gradient-boosting';
  private readonly params: GradientBoostingParams;
  private state: Fitted | null = null;

  constructor(params: Partial<GradientBoostingParams> = {}) {
    this.params = resolveGbtParams(params);
  }

  getParams(): Readonly<GradientBoostingParams> {
    return this.params;
  }

  /** Fits the booster; `options.features` marks categorical columns, `options.evalSet` enables early stopping. */
  fit(X: Matrix, y: Uint8Array, options: FitOptions = {}): this {
    this.state = null;
    const features = checkFitInputs(X, y, options);
    const w = options.sampleWeight;
    const evalSet = options.evalSet;
    const p = this.params;
    const n = X.rows;
    const binned = binMatrix(X, features, p.maxBin);
    const mean = meanLabel(y, w); // (also refuses weights summing to 0)
    const baseScore = p.baseScore ?? mean;
    const baseMargin = logit(baseScore);

    const margin = new Float64Array(n).fill(baseMargin);
    // Every tree covers all rows and none is pruned: the grower adds leaf values to the margins and keeps
    // exp(−margin) up to date, so the gradients below need no Math.exp (else: recomputed per tree).
    const update: MarginUpdate | null =
      p.subsample >= 1 && p.gamma === 0
        ? { margin, expNeg: new Float64Array(n).fill(Math.exp(-baseMargin)) }
        : null;
    const gh = new Float64Array(2 * n);
    const sums = new Float64Array(2);
    const rows = new Uint32Array(n);
    const allowed = new Uint8Array(X.cols);
    const rng = new Rng(p.seed);
    const grower = new TreeGrower(binned, p);
    const trees: TreeArrays[] = [];
    const evalMargin = evalSet ? new Float64Array(evalSet.X.rows).fill(baseMargin) : null;
    let bestIteration = -1;
    let bestLoss = Number.POSITIVE_INFINITY;
    const nColsTree = Math.max(1, Math.floor(p.colsampleBytree * X.cols));
    const colOrder = new Int32Array(X.cols);

    for (let t = 0; t < p.nEstimators; t++) {
      logisticGradients(margin, update?.expNeg, y, w, gh, rows, sums);
      const nRows = p.subsample < 1 ? subsampleRows(rng, p.subsample, gh, rows, sums) : n;
      sampleColumns(rng, nColsTree, colOrder, allowed);
      const { tree, leafStart, leafEnd } = grower.grow(rows, nRows, gh, allowed, sums[0], sums[1], update);
      trees.push(tree);
      // with `update`, the grower has already added the leaf values to the margins
      if (update === null && nRows === n) addLeafSegments(tree, leafStart, leafEnd, rows, margin);
      else if (update === null) new FlatForest([tree]).accumulate(X.data, n, X.cols, margin);
      if (evalSet && evalMargin) {
        new FlatForest([tree]).accumulate(evalSet.X.data, evalSet.X.rows, evalSet.X.cols, evalMargin);
        const loss = logLoss(evalMargin, evalSet.y);
        if (loss < bestLoss) {
          bestLoss = loss;
          bestIteration = t;
        }
      } else {
        bestIteration = t;
      }
      options.onProgress?.((t + 1) / p.nEstimators);
      if (evalSet && p.earlyStoppingRounds !== null && t - bestIteration >= p.earlyStoppingRounds) break;
    }
    const cuts = binned.cuts.map((c) => Array.from(c));
    // trees grown here are well formed: compile the predictor when it is first needed
    this.state = makeState(trees, features, baseScore, 'float64', bestIteration, cuts, false);
    return this;
  }

  private fitted(): Fitted {
    if (this.state === null) throw new NotFittedError('GradientBoostingClassifier');
    return this.state;
  }

  /** The raw margin (log-odds) per row: base margin + Σ leaf values of trees up to `bestIteration`. */
  decisionFunction(X: Matrix, out?: Float64Array): Float64Array {
    const s = this.fitted();
    checkMatrix(X, 'X');
    if (X.cols !== s.features.length)
      badData(`X has ${X.cols} columns, the model expects ${s.features.length}`);
    if (out !== undefined && out.length !== X.rows)
      badData(`out has length ${out.length}, expected ${X.rows}`);
    const m = out ?? new Float64Array(X.rows);
    m.fill(s.baseMargin);
    const forest = s.forest ?? compileForest(s);
    forest.accumulate(X.data, X.rows, X.cols, m, forest.size, s.marginPrecision);
    return m;
  }

  /** P(poisonous) per row. */
  predictProba(X: Matrix, out?: Float64Array): Float64Array {
    const m = this.decisionFunction(X, out);
    for (let i = 0; i < m.length; i++) m[i] = sigmoid(m[i]);
    return m;
  }

  /** Labels at threshold 0.5. */
  predict(X: Matrix): Uint8Array {
    const m = this.decisionFunction(X);
    const out = new Uint8Array(X.rows);
    for (let i = 0; i < m.length; i++) out[i] = m[i] > 0 ? 1 : 0;
    return out;
  }

  /** The trees predictions use (up to `bestIteration`). */
  get trees(): readonly TreeArrays[] {
    const s = this.fitted();
    return s.trees.slice(0, s.bestIteration + 1);
  }

  /** Number of trees grown (including those after `bestIteration`). */
  get nTreesGrown(): number {
    return this.fitted().trees.length;
  }

  /** Index of the last tree used by predictions (the best evaluation round under early stopping). */
  get bestIteration(): number {
    return this.fitted().bestIteration;
  }

  /** Initial prediction as a probability (the mean label when `baseScore` was null). */
  get baseScore(): number {
    return this.fitted().baseScore;
  }

  /** Initial raw score: `logit(baseScore)` (in float32 for imported XGBoost models). */
  get baseMargin(): number {
    return this.fitted().baseMargin;
  }

  /** The features the model was fitted on. */
  get features(): readonly FeatureInfo[] {
    return this.fitted().features;
  }

  /** How tree outputs are summed: `float64`, or `float32` like XGBoost (imported models). */
  get marginPrecision(): MarginPrecision {
    return this.fitted().marginPrecision;
  }

  /**
   * Feature importance as XGBoost's `Booster.get_score(importance_type)`: only features used in a split,
   * keyed by name. `weight` = number of splits, `gain`/`cover` = average per split, `total_*` = sums.
   */
  getScore(type: ImportanceType = 'weight'): Record<string, number> {
    const s = this.fitted();
    const imp = this.featureImportances(type, false);
    const counts = this.featureImportances('weight', false);
    const out: Record<string, number> = {};
    for (let f = 0; f < s.features.length; f++) if (counts[f] > 0) out[s.features[f].name] = imp[f];
    return out;
  }

  /** Importance per feature index (0 for unused features), normalised to sum 1 unless `normalize` is false. */
  featureImportances(type: ImportanceType = 'gain', normalize = true): Float64Array {
    const s = this.fitted();
    const nf = s.features.length;
    const count = new Float64Array(nf);
    const gain = new Float64Array(nf);
    const cover = new Float64Array(nf);
    for (const t of this.trees) {
      for (let i = 0; i < t.left.length; i++) {
        if (t.left[i] === -1) continue;
        const f = t.feature[i];
        count[f] += 1;
        gain[f] += t.gain[i];
        cover[f] += t.cover[i];
      }
    }
    const out = new Float64Array(nf);
    for (let f = 0; f < nf; f++) {
      if (count[f] === 0) continue;
      if (type === 'weight') out[f] = count[f];
      else if (type === 'gain') out[f] = gain[f] / count[f];
      else if (type === 'cover') out[f] = cover[f] / count[f];
      else if (type === 'total_gain') out[f] = gain[f];
      else out[f] = cover[f];
    }
    if (normalize) {
      let sum = 0;
      for (let f = 0; f < nf; f++) sum += out[f];
      if (sum > 0) for (let f = 0; f < nf; f++) out[f] /= sum;
    }
    return out;
  }

  /** Versioned plain data: parameters, features, base score and trees as parallel arrays of numbers. */
  toJSON(): EstimatorJSON {
    const s = this.fitted();
    const json: Record<string, unknown> = {
      formatVersion: 1,
      kind: this.kind,
      params: { ...this.params },
      featureNames: s.features.map((f) => f.name),
      featureKinds: s.features.map((f) => f.kind),
      featureCategories: s.features.map((f) => f.categories ?? 0),
      baseScore: s.baseScore,
      marginPrecision: s.marginPrecision,
      bestIteration: s.bestIteration,
      trees: s.trees.map(treeToPlain),
    };
    if (s.cuts) json.cuts = s.cuts;
    return json as EstimatorJSON;
  }

  /** Loads {@link toJSON} output; validates it (SP_ERR_MODEL_FORMAT naming the path). */
  static fromJSON(json: unknown): GradientBoostingClassifier {
    assertGbtSchema(json);
    const j = json as {
      params: GradientBoostingParams;
      featureNames: string[];
      featureKinds: ('numeric' | 'categorical')[];
      featureCategories?: number[];
      baseScore: number;
      marginPrecision: MarginPrecision;
      bestIteration: number;
      cuts?: number[][];
      trees: PlainTree[];
    };
    const nf = j.featureNames.length;
    if (j.featureKinds.length !== nf) {
      throw new SporeprintError(
        'SP_ERR_MODEL_FORMAT',
        'gradient boosting model: /featureKinds length differs from /featureNames',
        {
          path: '/featureKinds',
        },
      );
    }
    if (j.bestIteration >= j.trees.length) {
      throw new SporeprintError(
        'SP_ERR_MODEL_FORMAT',
        `gradient boosting model: /bestIteration ${j.bestIteration} ≥ tree count`,
        {
          path: '/bestIteration',
        },
      );
    }
    let params: GradientBoostingParams;
    try {
      params = resolveGbtParams(j.params);
    } catch (e) {
      throw new SporeprintError(
        'SP_ERR_MODEL_FORMAT',
        `gradient boosting model: /params ${(e as Error).message}`,
        {
          path: '/params',
        },
      );
    }
    const features: FeatureInfo[] = j.featureNames.map((name, f) =>
      j.featureKinds[f] === 'categorical'
        ? { name, kind: 'categorical', categories: j.featureCategories?.[f] ?? 0 }
        : { name, kind: 'numeric' },
    );
    const trees = j.trees.map((t, i) => treeFromPlain(t, nf, 'gradient boosting model', `/trees/${i}`));
    const model = new GradientBoostingClassifier(params);
    model.state = makeState(trees, features, j.baseScore, j.marginPrecision, j.bestIteration, j.cuts ?? null);
    return model;
  }

  /** A predict-only fitted booster from ready trees (e.g. imported from XGBoost). */
  static fromTrees(parts: BoosterParts): GradientBoostingClassifier {
    const nf = parts.features.length;
    parts.trees.forEach((t, i) => {
      checkTreeStructure(t, nf, 'booster', `/trees/${i}`);
    });
    if (!(parts.baseScore > 0 && parts.baseScore < 1)) {
      throw new SporeprintError('SP_ERR_MODEL_FORMAT', `base score ${parts.baseScore} is not in (0, 1)`);
    }
    const model = new GradientBoostingClassifier({
      ...parts.params,
      nEstimators: Math.max(1, parts.trees.length),
      baseScore: parts.baseScore,
    });
    model.state = makeState(
      [...parts.trees],
      [...parts.features],
      parts.baseScore,
      parts.marginPrecision ?? 'float64',
      parts.trees.length - 1,
      null,
    );
    return model;
  }
}

function makeState(
  trees: TreeArrays[],
  features: FeatureInfo[],
  baseScore: number,
  marginPrecision: MarginPrecision,
  bestIteration: number,
  cuts: number[][] | null,
  compile = true,
): Fitted {
  const baseMargin =
    marginPrecision === 'float32' ? Math.fround(-Math.log(1 / Math.fround(baseScore) - 1)) : logit(baseScore);
  const state: Fitted = {
    trees,
    features,
    baseScore,
    baseMargin,
    marginPrecision,
    bestIteration,
    cuts,
    forest: null,
  };
  if (compile) compileForest(state);
  return state;
}

/** Compiles (and keeps) the state's predictor; SP_ERR_MODEL_FORMAT when its trees are malformed. */
function compileForest(state: Fitted): CompiledForest {
  try {
    state.forest = new CompiledForest(state.trees.slice(0, state.bestIteration + 1));
  } catch (e) {
    throw new SporeprintError('SP_ERR_MODEL_FORMAT', `gradient boosting model: ${(e as Error).message}`, {
      path: '/trees',
    });
  }
  return state.forest;
}

function logLoss(margin: Float64Array, y: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < margin.length; i++) {
    const p = Math.min(1 - 1e-16, Math.max(1e-16, sigmoid(margin[i])));
    s -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return s / margin.length;
}
