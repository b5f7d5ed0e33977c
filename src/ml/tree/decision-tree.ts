import {
  type FeatureInfo,
  type Matrix,
  modelFormatCheck,
  NotFittedError,
  SporeprintError,
} from '../../core/index.js';
import type { Estimator, EstimatorJSON, FitOptions } from '../estimator.js';
import { findLeaf, type TreeArrays } from '../tree-arrays.js';
import { type PlainTree, treeFromPlain, treeToPlain } from '../tree-arrays-json.js';
import {
  type ClassWeight,
  checkClassWeight,
  checkEnum,
  checkMatrix,
  checkNumber,
  checkSampleWeight,
  checkXy,
  effectiveWeights,
} from '../validate-input.js';
import { CartGrower, type RawTree } from './cart-grower.js';
import { costComplexityPrune, type PruningPath } from './prune.js';
import { DECISION_TREE_SCHEMA } from './schema.js';
import { importances, toTreeArrays } from './to-tree-arrays.js';

/** Hyper-parameters of {@link DecisionTreeClassifier} (scikit-learn's names and meanings). */
export interface DecisionTreeParams {
  readonly criterion: 'gini' | 'entropy';
  /** Maximum depth; `null` grows until leaves are pure or too small. */
  readonly maxDepth: number | null;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  /** A split must decrease the weighted impurity by at least this (as scikit-learn). */
  readonly minImpurityDecrease: number;
  /** Minimal cost-complexity pruning strength (0 = no pruning). */
  readonly ccpAlpha: number;
  readonly classWeight: ClassWeight;
  /** Kept for the estimator contract: the builder is deterministic (ties go to the lowest feature). */
  readonly seed: number;
}

const DEFAULTS: DecisionTreeParams = {
  criterion: 'gini',
  maxDepth: null,
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
  minImpurityDecrease: 0,
  ccpAlpha: 0,
  classWeight: null,
  seed: 0,
};

interface Fitted {
  tree: TreeArrays;
  /** P(poisonous) per node (weighted class share). */
  proba: Float64Array;
  featureNames: string[];
  featureKinds: ('numeric' | 'categorical')[];
  importances: Float64Array;
}

/** The serialised form of a {@link DecisionTreeClassifier}. */
export interface DecisionTreeJSON extends EstimatorJSON {
  readonly kind: 'decision-tree';
  readonly featureKinds: ('numeric' | 'categorical')[];
  readonly featureImportances: number[];
  readonly tree: PlainTree & { proba: number[] };
}

const checkJson = modelFormatCheck(DECISION_TREE_SCHEMA, 'decision-tree model');

/**
 * CART classification tree (binary: poisonous = 1). Numeric columns split at midpoints (`x < t` goes
 * left); categorical columns (FitOptions.features kind `categorical`, integer codes) split into the optimal
 * two-group partition (Breiman's ordering by weighted P(poisonous) — exact for binary targets); missing
 * values (NaN) take a learned default direction. Supports class weights, min-impurity-decrease and
 * minimal cost-complexity pruning like scikit-learn. The fitted tree is a {@link TreeArrays} whose leaf
 * `value` is the clipped log-odds of the leaf's P(poisonous), so TreeSHAP and the raw score agree.
 *
 * @example
 * const dt = new DecisionTreeClassifier({ maxDepth: 8 }).fit(X, y, { features });
 * const p = dt.predictProba(Xtest);
 */
export class DecisionTreeClassifier implements Estimator<DecisionTreeParams> {
  readonly kind = 'decision-tree';
  private readonly params: DecisionTreeParams;
  private state: Fitted | null = null;

  constructor(params: Partial<DecisionTreeParams> = {}) {
    const p = { ...DEFAULTS, ...params };
    checkEnum('criterion', p.criterion, ['gini', 'entropy']);
    if (p.maxDepth !== null) {
      checkNumber('maxDepth', p.maxDepth, (v) => Number.isInteger(v) && v >= 1, 'null or an integer ≥ 1');
    }
    checkNumber('minSamplesSplit', p.minSamplesSplit, (v) => Number.isInteger(v) && v >= 2, 'an integer ≥ 2');
    checkNumber('minSamplesLeaf', p.minSamplesLeaf, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
    checkNumber(
      'minImpurityDecrease',
      p.minImpurityDecrease,
      (v) => v >= 0 && Number.isFinite(v),
      'finite ≥ 0',
    );
    checkNumber('ccpAlpha', p.ccpAlpha, (v) => v >= 0 && Number.isFinite(v), 'finite ≥ 0');
    checkNumber('seed', p.seed, (v) => Number.isInteger(v), 'an integer');
    this.params = Object.freeze({ ...p, classWeight: checkClassWeight(p.classWeight) });
  }

  /** Grows (and, with ccpAlpha > 0, prunes) the tree; returns `this`. */
  fit(X: Matrix, y: Uint8Array, options: FitOptions = {}): this {
    this.state = null;
    const raw = this.grow(X, y, options);
    const { isLeaf } = costComplexityPrune(raw.tree, this.params.ccpAlpha);
    const { tree, proba } = toTreeArrays(raw.tree, isLeaf, raw.nCat, raw.isCat);
    this.state = {
      tree,
      proba,
      featureNames: raw.names,
      featureKinds: raw.kinds,
      importances: importances(tree, X.cols),
    };
    options.onProgress?.(1);
    return this;
  }

  /**
   * The minimal cost-complexity pruning path of the full tree grown on (X, y) with these parameters
   * (as scikit-learn's `cost_complexity_pruning_path`); the estimator itself is not changed.
   */
  costComplexityPruningPath(X: Matrix, y: Uint8Array, options: FitOptions = {}): PruningPath {
    const raw = this.grow(X, y, options);
    return costComplexityPrune(raw.tree, Number.POSITIVE_INFINITY).path;
  }

  private grow(X: Matrix, y: Uint8Array, options: FitOptions) {
    checkXy(X, y, true);
    checkSampleWeight(options.sampleWeight, X.rows);
    const { rows: n, cols: F, data } = X;
    const features = describeFeatures(X, options.features);
    const isCat = new Uint8Array(F);
    const nCat = new Int32Array(F);
    features.forEach((f, j) => {
      isCat[j] = f.kind === 'categorical' ? 1 : 0;
      nCat[j] = f.categories ?? 0;
    });
    const col = new Float64Array(n * F);
    for (let i = 0; i < n; i++) {
      const off = i * F;
      for (let j = 0; j < F; j++) {
        const v = data[off + j];
        if (isCat[j] === 1 && !Number.isNaN(v)) {
          if (!Number.isInteger(v) || v < 0) {
            throw new SporeprintError(
              'SP_ERR_BAD_DATA',
              `X[${i}][${j}] = ${v}: column '${features[j].name}' is categorical and needs integer codes ≥ 0`,
            );
          }
          if (features[j].categories === undefined) nCat[j] = Math.max(nCat[j], v + 1);
          else if (v >= nCat[j]) {
            throw new SporeprintError(
              'SP_ERR_BAD_DATA',
              `X[${i}][${j}] = ${v}: column '${features[j].name}' has only ${nCat[j]} categories`,
            );
          }
        } else if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
          throw new SporeprintError('SP_ERR_BAD_DATA', `X[${i}][${j}] is infinite`);
        }
        col[j * n + i] = v;
      }
    }
    const w = effectiveWeights(y, this.params.classWeight, options.sampleWeight);
    const p = this.params;
    const tree = new CartGrower(
      { col, n, F, isCat, nCat, y, w },
      {
        criterion: p.criterion,
        maxDepth: p.maxDepth ?? Number.POSITIVE_INFINITY,
        minSamplesSplit: p.minSamplesSplit,
        minSamplesLeaf: p.minSamplesLeaf,
        minImpurityDecrease: p.minImpurityDecrease,
      },
    ).grow();
    return {
      tree,
      isCat,
      nCat,
      names: features.map((f) => f.name),
      kinds: features.map((f) => f.kind),
    } satisfies { tree: RawTree; [k: string]: unknown };
  }

  private fitted(): Fitted {
    if (!this.state) throw new NotFittedError('DecisionTreeClassifier');
    return this.state;
  }

  /** The fitted tree in the shared representation (for TreeSHAP, export, inspection). */
  get tree(): TreeArrays {
    return this.fitted().tree;
  }

  /** Number of nodes of the fitted tree. */
  get nodeCount(): number {
    return this.fitted().tree.left.length;
  }

  /** Depth of the fitted tree (a single leaf has depth 0). */
  get depth(): number {
    const { left, right } = this.fitted().tree;
    const d = new Int32Array(left.length);
    let max = 0;
    for (let i = 0; i < left.length; i++) {
      if (left[i] !== -1) {
        d[left[i]] = d[i] + 1;
        d[right[i]] = d[i] + 1;
        max = Math.max(max, d[i] + 1);
      }
    }
    return max;
  }

  /** Impurity-decrease importances per column, normalised to sum 1 (as scikit-learn). */
  get featureImportances(): Float64Array {
    return Float64Array.from(this.fitted().importances);
  }

  /** Column names seen at fit time. */
  get featureNames(): readonly string[] {
    return this.fitted().featureNames;
  }

  /** Index of the leaf each row reaches. */
  apply(X: Matrix): Int32Array {
    const s = this.fitted();
    checkMatrix(X, true, s.featureNames.length);
    const out = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) out[i] = findLeaf(s.tree, X.data, i * X.cols);
    return out;
  }

  /** P(poisonous) per row: the weighted share of poisonous training rows in the leaf. */
  predictProba(X: Matrix, out?: Float64Array): Float64Array {
    const s = this.fitted();
    checkMatrix(X, true, s.featureNames.length);
    const res = outBuffer(out, X.rows);
    for (let i = 0; i < X.rows; i++) res[i] = s.proba[findLeaf(s.tree, X.data, i * X.cols)];
    return res;
  }

  /** The raw score: log-odds of the leaf probability (clipped to ±log((1−ε)/ε)). */
  decisionFunction(X: Matrix, out?: Float64Array): Float64Array {
    const s = this.fitted();
    checkMatrix(X, true, s.featureNames.length);
    const res = outBuffer(out, X.rows);
    for (let i = 0; i < X.rows; i++) res[i] = s.tree.value[findLeaf(s.tree, X.data, i * X.cols)];
    return res;
  }

  /** Hard labels: 1 when P(poisonous) > 0.5 (scikit-learn's argmax; a 0.5 tie gives edible = 0). */
  predict(X: Matrix): Uint8Array {
    const p = this.predictProba(X);
    const out = new Uint8Array(X.rows);
    for (let i = 0; i < p.length; i++) out[i] = p[i] > 0.5 ? 1 : 0;
    return out;
  }

  /** The hyper-parameters. */
  getParams(): Readonly<DecisionTreeParams> {
    return this.params;
  }

  /** Versioned plain data: the tree as parallel arrays of numbers. */
  toJSON(): DecisionTreeJSON {
    const s = this.fitted();
    const t = s.tree;
    return {
      formatVersion: 1,
      kind: 'decision-tree',
      params: { ...this.params },
      featureNames: [...s.featureNames],
      featureKinds: [...s.featureKinds],
      featureImportances: Array.from(s.importances),
      tree: { ...treeToPlain(t), proba: Array.from(s.proba) },
    };
  }

  /** Loads a model saved by {@link toJSON}; throws SP_ERR_MODEL_FORMAT naming the failing path. */
  static fromJSON(json: unknown): DecisionTreeClassifier {
    checkJson(json);
    const j = json as unknown as DecisionTreeJSON;
    if (j.featureKinds.length !== j.featureNames.length) {
      throw new SporeprintError(
        'SP_ERR_MODEL_FORMAT',
        'decision-tree model: /featureKinds does not match /featureNames',
        {
          path: '/featureKinds',
        },
      );
    }
    const tree = treeFromPlain(j.tree, j.featureNames.length, 'decision-tree model', '/tree');
    if (j.tree.proba.length !== tree.left.length) {
      throw new SporeprintError(
        'SP_ERR_MODEL_FORMAT',
        `decision-tree model: /tree/proba has ${j.tree.proba.length} entries, expected ${tree.left.length}`,
        { path: '/tree/proba' },
      );
    }
    const model = new DecisionTreeClassifier(j.params as Partial<DecisionTreeParams>);
    model.state = {
      tree,
      proba: Float64Array.from(j.tree.proba),
      featureNames: [...j.featureNames],
      featureKinds: [...j.featureKinds],
      importances: Float64Array.from(j.featureImportances),
    };
    return model;
  }
}

function describeFeatures(X: Matrix, features: readonly FeatureInfo[] | undefined): FeatureInfo[] {
  if (!features) return Array.from({ length: X.cols }, (_, j) => ({ name: `x${j}`, kind: 'numeric' }));
  if (features.length !== X.cols) {
    throw new SporeprintError(
      'SP_ERR_BAD_DATA',
      `features describes ${features.length} columns but X has ${X.cols}`,
    );
  }
  for (const f of features) {
    if (f.kind !== 'numeric' && f.kind !== 'categorical') {
      throw new SporeprintError('SP_ERR_BAD_DATA', `feature '${f.name}' has unknown kind ${String(f.kind)}`);
    }
    if (f.categories !== undefined && !(Number.isInteger(f.categories) && f.categories >= 0)) {
      throw new SporeprintError(
        'SP_ERR_BAD_DATA',
        `feature '${f.name}' has invalid categories ${f.categories}`,
      );
    }
  }
  return [...features];
}

function outBuffer(out: Float64Array | undefined, n: number): Float64Array {
  if (out === undefined) return new Float64Array(n);
  if (out.length !== n)
    throw new SporeprintError('SP_ERR_BAD_DATA', `out has length ${out.length}, expected ${n}`);
  return out;
}
