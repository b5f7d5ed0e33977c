import { type Matrix, modelFormatCheck, NotFittedError, SporeprintError } from '../../core/index.js';
import type { Estimator, EstimatorJSON, FitOptions } from '../estimator.js';
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
import { minimizeLbfgs } from './lbfgs.js';
import { LogisticLoss } from './logistic-loss.js';
import { minimizeNewton } from './newton.js';
import { LOGISTIC_REGRESSION_SCHEMA } from './schema.js';

/** Hyper-parameters of {@link LogisticRegression} (scikit-learn's names and meanings). */
export interface LogisticRegressionParams {
  /** Inverse regularisation strength: the objective is C·Σ w_i·logloss_i + ½‖coef‖². Default 1. */
  readonly C: number;
  /** Only `'l2'`. */
  readonly penalty: 'l2';
  /** `'lbfgs'` (default) or `'newton'` (exact Hessian, Cholesky; best for ≤ a few hundred columns). */
  readonly solver: 'lbfgs' | 'newton';
  /** Iteration cap (default 1000). */
  readonly maxIter: number;
  /**
   * Stop when the largest gradient entry of Σ w_i·logloss_i + ‖coef‖²/(2C) is ≤ tol (default 1e-4), or
   * (lbfgs) when f's relative reduction per step falls below 2.2e-9·min(1, tol/1e-4) (scipy's default).
   */
  readonly tol: number;
  /** `null`, `'balanced'` or `{0: w0, 1: w1}`. */
  readonly classWeight: ClassWeight;
  /** Fit an unpenalised intercept (default true). */
  readonly fitIntercept: boolean;
  /** Seed (the solvers are deterministic; kept for the estimator contract). */
  readonly seed: number;
}

const DEFAULTS: LogisticRegressionParams = {
  C: 1,
  penalty: 'l2',
  solver: 'lbfgs',
  maxIter: 1000,
  tol: 1e-4,
  classWeight: null,
  fitIntercept: true,
  seed: 0,
};

interface Fitted {
  coef: Float64Array;
  intercept: number;
  featureNames: string[];
  nIter: number;
  warnings: string[];
}

/** The model-specific part of {@link LogisticRegression}'s JSON. */
export interface LogisticRegressionJSON extends EstimatorJSON {
  readonly kind: 'logistic-regression';
  readonly params: LogisticRegressionParams & Record<string, unknown>;
  readonly coef: number[];
  readonly intercept: number;
  readonly nIter: number;
  readonly warnings: string[];
}

/**
 * L-BFGS history length. scipy keeps 10 pairs; on one-hot designs (strongly collinear column groups) 30
 * pairs cut the iterations by a third and reach a lower objective at the same stopping rule, for a
 * negligible O(30·p) cost per iteration.
 */
const LBFGS_MEMORY = 30;

const checkJson = modelFormatCheck(LOGISTIC_REGRESSION_SCHEMA, 'logistic-regression model');

/**
 * Binary logistic regression with an L2 penalty, solving exactly scikit-learn's problem so that
 * coefficients agree with `sklearn.linear_model.LogisticRegression`. Sparse inputs (e.g. one-hot) are
 * detected at fit time and handled in O(nnz) per iteration. Non-convergence is not an error: it is
 * reported in {@link LogisticRegression.warnings}.
 *
 * @example
 * const lr = new LogisticRegression({ C: 1 }).fit(X, y);
 * const p = lr.predictProba(Xtest); // P(poisonous)
 */
export class LogisticRegression implements Estimator<LogisticRegressionParams> {
  readonly kind = 'logistic-regression';
  private readonly params: LogisticRegressionParams;
  private state: Fitted | null = null;

  constructor(params: Partial<LogisticRegressionParams> = {}) {
    const p = { ...DEFAULTS, ...params };
    checkNumber('C', p.C, (v) => v > 0 && Number.isFinite(v), 'a finite number > 0');
    checkEnum('penalty', p.penalty, ['l2']);
    checkEnum('solver', p.solver, ['lbfgs', 'newton']);
    checkNumber('maxIter', p.maxIter, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
    checkNumber('tol', p.tol, (v) => v > 0 && Number.isFinite(v), 'a finite number > 0');
    if (typeof p.fitIntercept !== 'boolean') {
      throw new SporeprintError('SP_ERR_BAD_PARAM', `fitIntercept must be a boolean, got ${p.fitIntercept}`);
    }
    checkNumber('seed', p.seed, (v) => Number.isInteger(v), 'an integer');
    this.params = Object.freeze({ ...p, classWeight: checkClassWeight(p.classWeight) });
  }

  /** Fits the model; returns `this`. */
  fit(X: Matrix, y: Uint8Array, options: FitOptions = {}): this {
    this.state = null;
    // the values are checked (no NaN, no infinity) by the loss's one pass over X, not read twice
    checkXy(X, y, false, false);
    checkSampleWeight(options.sampleWeight, X.rows);
    const featureNames = featureNamesOf(X.cols, options);
    const { C, solver, maxIter, tol, fitIntercept } = this.params;
    const w = effectiveWeights(y, this.params.classWeight, options.sampleWeight);
    const loss = new LogisticLoss(X, y, w, C, fitIntercept, solver === 'lbfgs');
    const x0 = new Float64Array(loss.size);
    let calls = 0;
    const report = options.onProgress;
    const fg = (theta: Float64Array, grad: Float64Array): number => {
      calls++;
      if (report && (calls & 63) === 0) report(Math.min(0.99, calls / maxIter));
      return loss.lossGrad(theta, grad);
    };
    let result: ReturnType<typeof minimizeLbfgs>;
    if (solver === 'newton') {
      const scratch = new Float64Array(loss.size);
      result = minimizeNewton(
        (t, g, h) => loss.lossGradHess(t, g, h),
        (t) => loss.lossGrad(t, scratch),
        x0,
        { maxIter, gtol: tol },
      );
    } else {
      // scipy's relative-reduction stop (2.2e-9 at the default tol), tightened along with a smaller tol
      const ftol = 1e7 * Number.EPSILON * Math.min(1, tol / 1e-4);
      result = minimizeLbfgs(fg, x0, { maxIter, gtol: tol, ftol, memory: LBFGS_MEMORY });
    }
    const warnings: string[] = [];
    if (!result.converged) {
      warnings.push(
        `${solver} did not converge after ${result.nIter} iterations (${result.message}); ` +
          'increase maxIter or scale the data',
      );
    }
    const coef = Float64Array.from(result.x.subarray(0, X.cols));
    this.state = {
      coef,
      intercept: fitIntercept ? result.x[X.cols] : 0,
      featureNames,
      nIter: result.nIter,
      warnings,
    };
    report?.(1);
    return this;
  }

  private fitted(): Fitted {
    if (!this.state) throw new NotFittedError('LogisticRegression');
    return this.state;
  }

  /** Coefficients, one per column (a copy). */
  get coef(): Float64Array {
    return Float64Array.from(this.fitted().coef);
  }

  /** The intercept (0 when `fitIntercept` is false). */
  get intercept(): number {
    return this.fitted().intercept;
  }

  /** The base value of explanations: the intercept. */
  get expectedValue(): number {
    return this.fitted().intercept;
  }

  /** Solver iterations used by the last fit. */
  get nIter(): number {
    return this.fitted().nIter;
  }

  /** Warnings of the last fit (e.g. non-convergence); empty when all went well. */
  get warnings(): readonly string[] {
    return this.fitted().warnings;
  }

  /** Column names seen at fit time. */
  get featureNames(): readonly string[] {
    return this.fitted().featureNames;
  }

  /** Raw log-odds per row: intercept + Σ coef_j·x_j. */
  decisionFunction(X: Matrix, out?: Float64Array): Float64Array {
    const { coef, intercept } = this.fitted();
    checkMatrix(X, false, coef.length);
    if (X.sparse !== undefined) {
      // from the rows' entries (columns ascending): the same sum as over the dense row, whose other
      // terms are zeros, so the same bits, without building the dense array
      const { ptr, cols, vals } = X.sparse;
      const res = outBuffer(out, X.rows);
      for (let i = 0; i < X.rows; i++) {
        let s = intercept;
        for (let t = ptr[i], e = ptr[i + 1]; t < e; t++) s += coef[cols[t]] * vals[t];
        res[i] = s;
      }
      return res;
    }
    const res = outBuffer(out, X.rows);
    const p = X.cols;
    const d = X.data;
    for (let i = 0; i < X.rows; i++) {
      let s = intercept;
      const off = i * p;
      for (let j = 0; j < p; j++) s += coef[j] * d[off + j];
      res[i] = s;
    }
    return res;
  }

  /** P(poisonous) per row. */
  predictProba(X: Matrix, out?: Float64Array): Float64Array {
    const res = this.decisionFunction(X, out);
    for (let i = 0; i < res.length; i++) res[i] = 1 / (1 + Math.exp(-res[i]));
    return res;
  }

  /** Hard labels at P(poisonous) ≥ 0.5 (i.e. log-odds ≥ 0). */
  predict(X: Matrix): Uint8Array {
    const z = this.decisionFunction(X);
    const out = new Uint8Array(X.rows);
    for (let i = 0; i < z.length; i++) out[i] = z[i] > 0 ? 1 : 0;
    return out;
  }

  /**
   * Per-feature contributions of row `row` to its log-odds: coef_j·x_j. Together with
   * {@link expectedValue} (the intercept) they add up to `decisionFunction` of that row.
   */
  contributions(X: Matrix, row: number, out?: Float64Array): Float64Array {
    const { coef } = this.fitted();
    checkMatrix(X, false, coef.length);
    if (!Number.isInteger(row) || row < 0 || row >= X.rows) {
      throw new SporeprintError('SP_ERR_BAD_DATA', `row ${row} is out of range [0, ${X.rows})`);
    }
    const res = outBuffer(out, X.cols);
    const off = row * X.cols;
    for (let j = 0; j < X.cols; j++) res[j] = coef[j] * X.data[off + j];
    return res;
  }

  /** The hyper-parameters. */
  getParams(): Readonly<LogisticRegressionParams> {
    return this.params;
  }

  /** Versioned plain data (numbers as numbers). */
  toJSON(): LogisticRegressionJSON {
    const s = this.fitted();
    return {
      formatVersion: 1,
      kind: 'logistic-regression',
      params: { ...this.params } as LogisticRegressionParams & Record<string, unknown>,
      featureNames: [...s.featureNames],
      coef: Array.from(s.coef),
      intercept: s.intercept,
      nIter: s.nIter,
      warnings: [...s.warnings],
    };
  }

  /** Loads a model saved by {@link toJSON}; throws SP_ERR_MODEL_FORMAT naming the failing path. */
  static fromJSON(json: unknown): LogisticRegression {
    checkJson(json);
    const j = json as unknown as LogisticRegressionJSON;
    if (j.coef.length !== j.featureNames.length) {
      throw new SporeprintError(
        'SP_ERR_MODEL_FORMAT',
        `logistic-regression model: /coef has ${j.coef.length} entries but /featureNames ${j.featureNames.length}`,
        { path: '/coef' },
      );
    }
    const model = new LogisticRegression(j.params);
    model.state = {
      coef: Float64Array.from(j.coef),
      intercept: j.intercept,
      featureNames: [...j.featureNames],
      nIter: j.nIter,
      warnings: [...j.warnings],
    };
    return model;
  }
}

function featureNamesOf(cols: number, options: FitOptions): string[] {
  if (options.features) {
    if (options.features.length !== cols) {
      throw new SporeprintError(
        'SP_ERR_BAD_DATA',
        `features describes ${options.features.length} columns but X has ${cols}`,
      );
    }
    return options.features.map((f) => f.name);
  }
  return Array.from({ length: cols }, (_, j) => `x${j}`);
}

function outBuffer(out: Float64Array | undefined, n: number): Float64Array {
  if (out === undefined) return new Float64Array(n);
  if (out.length !== n) {
    throw new SporeprintError('SP_ERR_BAD_DATA', `out has length ${out.length}, expected ${n}`);
  }
  return out;
}
