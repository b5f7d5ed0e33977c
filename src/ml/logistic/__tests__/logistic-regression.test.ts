import { describe, expect, it } from 'vitest';
import { type Matrix, matrixFromRows, NotFittedError, sparseMatrix } from '../../../core/index.js';
import { checkMatrix } from '../../validate-input.js';
import { LogisticRegression, minimizeLbfgs } from '../index.js';
import { LogisticLoss } from '../logistic-loss.js';
import ref from './fixtures/lr_reference.json' with { type: 'json' };

const X = matrixFromRows(ref.X);
const y = Uint8Array.from(ref.y);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function paramsOf(p: Record<string, unknown>) {
  return {
    C: (p.C as number | undefined) ?? 1,
    classWeight: (p.class_weight as 'balanced' | undefined) ?? null,
    fitIntercept: (p.fit_intercept as boolean | undefined) ?? true,
  };
}

describe('LogisticRegression against scikit-learn 1.2.1', () => {
  for (const fit of ref.fits) {
    for (const solver of ['lbfgs', 'newton'] as const) {
      it(`${fit.name} (${solver}): coefficients and intercept to 1e-6, probabilities to 1e-5`, () => {
        const lr = new LogisticRegression({ ...paramsOf(fit.params), solver, tol: 1e-8 }).fit(X, y);
        expect(lr.warnings).toEqual([]);
        expect(maxDiff(lr.coef, fit.coef)).toBeLessThan(1e-6);
        expect(Math.abs(lr.intercept - fit.intercept)).toBeLessThan(1e-6);
        expect(maxDiff(lr.predictProba(X), fit.proba)).toBeLessThan(1e-5);
      });
    }
  }

  for (const fit of ref.sparse.fits) {
    it(`sparse one-hot design (pattern-compressed path), ${fit.name}: both solvers match`, () => {
      const Xs = matrixFromRows(ref.sparse.X);
      const ys = Uint8Array.from(ref.sparse.y);
      const sampleWeight =
        fit.name === 'sampleWeight' ? Float64Array.from(ref.sparse.sampleWeight) : undefined;
      for (const solver of ['lbfgs', 'newton'] as const) {
        const lr = new LogisticRegression({ ...paramsOf(fit.params), solver, tol: 1e-8 }).fit(Xs, ys, {
          sampleWeight,
        });
        expect(maxDiff(lr.coef, fit.coef)).toBeLessThan(1e-6);
        expect(Math.abs(lr.intercept - fit.intercept)).toBeLessThan(1e-6);
      }
    });
  }

  it('default tolerance still lands within 1e-3 of the converged solution', () => {
    const lr = new LogisticRegression().fit(X, y);
    expect(maxDiff(lr.coef, ref.fits[0].coef)).toBeLessThan(1e-3);
    expect(lr.nIter).toBeGreaterThan(0);
  });
});

describe('LogisticRegression behaviour', () => {
  const lr = new LogisticRegression({ tol: 1e-8 }).fit(X, y);

  it('contributions + expectedValue add up exactly to the decision function', () => {
    const z = lr.decisionFunction(X);
    for (const row of [0, 17, 299]) {
      const c = lr.contributions(X, row);
      let s = lr.expectedValue;
      for (let j = 0; j < c.length; j++) s += c[j];
      expect(s).toBe(z[row]);
    }
  });

  it('predict thresholds P(poisonous) at 0.5; writes into a caller buffer', () => {
    const p = lr.predictProba(X);
    const hard = lr.predict(X);
    for (let i = 0; i < p.length; i++) expect(hard[i]).toBe(p[i] > 0.5 ? 1 : 0);
    const out = new Float64Array(X.rows);
    expect(lr.predictProba(X, out)).toBe(out);
  });

  it('round-trips through JSON with bit-identical probabilities', () => {
    const json = JSON.parse(JSON.stringify(lr.toJSON()));
    expect(json.formatVersion).toBe(1);
    expect(json.kind).toBe('logistic-regression');
    expect(typeof json.coef[0]).toBe('number');
    const back = LogisticRegression.fromJSON(json);
    expect(Array.from(back.predictProba(X))).toEqual(Array.from(lr.predictProba(X)));
    expect(back.getParams()).toEqual(lr.getParams());
  });

  it('fromJSON rejects malformed models with SP_ERR_MODEL_FORMAT naming the path', () => {
    const good = lr.toJSON();
    const cases: [unknown, RegExp][] = [
      [{ ...good, coef: ['1', 2] }, /\/coef\/0/],
      [{ ...good, formatVersion: 2 }, /\/formatVersion/],
      [{ ...good, coef: [1] }, /\/coef/],
      [{ ...good, params: { ...good.params, C: -1 } }, /\/params\/C/],
      [null, /\//],
    ];
    for (const [bad, path] of cases) {
      expect(() => LogisticRegression.fromJSON(bad)).toThrow(
        expect.objectContaining({ code: 'SP_ERR_MODEL_FORMAT', message: expect.stringMatching(path) }),
      );
    }
  });

  it('is deterministic', () => {
    const again = new LogisticRegression({ tol: 1e-8 }).fit(X, y);
    expect(Array.from(again.coef)).toEqual(Array.from(lr.coef));
  });

  it('reports non-convergence as a warning, not an exception', () => {
    const short = new LogisticRegression({ maxIter: 2, tol: 1e-12 }).fit(X, y);
    expect(short.warnings.length).toBe(1);
    expect(short.warnings[0]).toMatch(/did not converge/);
    expect(short.nIter).toBe(2);
  });

  it('class weights shift probabilities towards the up-weighted class', () => {
    const heavy = new LogisticRegression({ classWeight: { 0: 1, 1: 5 } }).fit(X, y);
    const mean = (p: Float64Array) => p.reduce((a, b) => a + b, 0) / p.length;
    expect(mean(heavy.predictProba(X))).toBeGreaterThan(mean(lr.predictProba(X)) + 0.1);
  });

  it('sample weights of 2 equal duplicated rows', () => {
    const w = new Float64Array(X.rows).fill(1);
    w[0] = 2;
    const rows = [...ref.X, ref.X[0]];
    const dup = new LogisticRegression({ tol: 1e-9 }).fit(
      matrixFromRows(rows),
      Uint8Array.from([...ref.y, ref.y[0]]),
    );
    const weighted = new LogisticRegression({ tol: 1e-9 }).fit(X, y, { sampleWeight: w });
    expect(maxDiff(dup.coef, weighted.coef)).toBeLessThan(1e-6);
  });

  it('throws NotFittedError before fit', () => {
    const m = new LogisticRegression();
    expect(() => m.predictProba(X)).toThrow(NotFittedError);
    expect(() => m.coef).toThrow(NotFittedError);
    expect(() => m.toJSON()).toThrow(NotFittedError);
  });

  it('rejects bad hyper-parameters naming them', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ C: 0 }, 'C'],
      [{ C: Number.NaN }, 'C'],
      [{ solver: 'sgd' }, 'solver'],
      [{ penalty: 'l1' }, 'penalty'],
      [{ maxIter: 0 }, 'maxIter'],
      [{ tol: -1 }, 'tol'],
      [{ classWeight: { 0: -1, 1: 1 } }, 'classWeight'],
      [{ fitIntercept: 'yes' }, 'fitIntercept'],
    ];
    for (const [p, name] of bad) {
      expect(() => new LogisticRegression(p as never)).toThrow(
        expect.objectContaining({ code: 'SP_ERR_BAD_PARAM', message: expect.stringContaining(name) }),
      );
    }
  });

  it('rejects bad data', () => {
    const m = new LogisticRegression();
    const nan: Matrix = { data: Float64Array.from([1, Number.NaN, 0, 1]), rows: 2, cols: 2 };
    const cases: [Matrix, Uint8Array][] = [
      [X, y.subarray(1)],
      [nan, Uint8Array.from([0, 1])],
      [{ data: new Float64Array(5), rows: 2, cols: 3 }, Uint8Array.from([0, 1])],
      [matrixFromRows([[1], [2]]), Uint8Array.from([0, 2])],
      [matrixFromRows([[1], [2]]), Uint8Array.from([1, 1])],
    ];
    for (const [Xb, yb] of cases) {
      expect(() => m.fit(Xb, yb)).toThrow(expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }));
    }
    // the first missing or infinite value is named, in one-hot (sparse) and dense data alike
    const oneHot = (bad: number): Matrix =>
      matrixFromRows(Array.from({ length: 40 }, (_, i) => [i % 2, 1 - (i % 2), 0, i === 7 ? bad : 0]));
    const dense = matrixFromRows(
      Array.from({ length: 40 }, (_, i) => [i * 0.5, i === 9 ? Infinity : -i, 2.5]),
    );
    const labels = Uint8Array.from({ length: 40 }, (_, i) => i % 2);
    expect(() => m.fit(oneHot(Number.NaN), labels)).toThrow(/X\[7\]\[3\] = NaN: missing or infinite/);
    expect(() => m.fit(oneHot(-Infinity), labels)).toThrow(/X\[7\]\[3\] = -Infinity/);
    expect(() => m.fit(dense, labels)).toThrow(/X\[9\]\[1\] = Infinity/);
    expect(() => lr.predictProba(matrixFromRows([[1, 2]]))).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }),
    );
  });
});

describe('minimizeLbfgs', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const res = minimizeLbfgs(
      (x, g) => {
        const a = 1 - x[0];
        const b = x[1] - x[0] * x[0];
        g[0] = -2 * a - 400 * x[0] * b;
        g[1] = 200 * b;
        return a * a + 100 * b * b;
      },
      Float64Array.from([-1.2, 1]),
      { gtol: 1e-10, ftol: 0 },
    );
    expect(res.converged).toBe(true);
    expect(res.x[0]).toBeCloseTo(1, 6);
    expect(res.x[1]).toBeCloseTo(1, 6);
  });
});

describe('LogisticLoss column blocks', () => {
  // one-hot rows with almost no duplicates (4 features × 6 levels) plus a numeric column
  const n = 1200;
  const rows: number[][] = [];
  const yb = new Uint8Array(n);
  let s = 12345;
  const rnd = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(25).fill(0);
    for (let f = 0; f < 4; f++) row[f * 6 + Math.floor(rnd() * 6)] = 1;
    row[24] = rnd() * 2 - 1;
    rows.push(row);
    yb[i] = rnd() < 0.3 + 0.4 * row[0] ? 1 : 0;
  }
  const Xb = matrixFromRows(rows);
  const weights = new Float64Array(n).fill(1);

  it('gives the same loss and gradient as whole-row patterns', () => {
    const whole = new LogisticLoss(Xb, yb, weights, 0.5, true, false);
    const split = new LogisticLoss(Xb, yb, weights, 0.5, true, true);
    const theta = new Float64Array(whole.size).map((_, j) => Math.sin(3.1 * j) * 0.4);
    const g1 = new Float64Array(whole.size);
    const g2 = new Float64Array(whole.size);
    const f1 = whole.lossGrad(theta, g1);
    const f2 = split.lossGrad(theta, g2);
    expect(Math.abs(f1 - f2)).toBeLessThan(1e-9 * Math.abs(f1));
    expect(maxDiff(g1, g2)).toBeLessThan(1e-9);
    expect(() => split.lossGradHess(theta, g2, new Float64Array(split.size * split.size))).toThrow();
  });

  it('lbfgs (blocks) and newton (whole rows) reach the same solution', () => {
    const a = new LogisticRegression({ solver: 'lbfgs', tol: 1e-9 }).fit(Xb, yb);
    const b = new LogisticRegression({ solver: 'newton', tol: 1e-9 }).fit(Xb, yb);
    expect(maxDiff(a.coef, b.coef)).toBeLessThan(1e-6);
    expect(Math.abs(a.intercept - b.intercept)).toBeLessThan(1e-6);
  });
});

describe('LogisticLoss pattern products (e^{−z} as a product of pattern factors)', () => {
  /** Σ w_i·[log(1 + e^{z_i}) − y_i·z_i] + ‖coef‖²/(2C) and its gradient, row by row. */
  function bruteForce(Xm: Matrix, yv: Uint8Array, C: number, theta: Float64Array) {
    const p = Xm.cols;
    const g = new Float64Array(p + 1);
    let f = 0;
    for (let i = 0; i < Xm.rows; i++) {
      let z = theta[p];
      for (let j = 0; j < p; j++) z += theta[j] * Xm.data[i * p + j];
      f += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - yv[i] * z;
      const r = 1 / (1 + Math.exp(-z)) - yv[i];
      for (let j = 0; j < p; j++) g[j] += r * Xm.data[i * p + j];
      g[p] += r;
    }
    for (let j = 0; j < p; j++) {
      f += (theta[j] * theta[j]) / (2 * C);
      g[j] += theta[j] / C;
    }
    return { f, g };
  }

  let s = 777;
  const rnd = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const n = 500;
  const withNumeric: number[][] = [];
  const yv = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(21).fill(0);
    for (let f = 0; f < 4; f++) row[f * 5 + Math.floor(rnd() * 5)] = 1;
    row[20] = rnd() * 4 - 2;
    withNumeric.push(row);
    yv[i] = rnd() < 0.5 ? 1 : 0;
  }
  const designs: [string, Matrix][] = [
    ['indicators + a numeric column', matrixFromRows(withNumeric)],
    ['indicators only', matrixFromRows(withNumeric.map((r) => r.slice(0, 20)))],
  ];
  const weights = new Float64Array(n).fill(1);
  for (const [name, Xm] of designs) {
    for (const splitBlocks of [false, true]) {
      for (const scale of [0.5, 400]) {
        it(`${name}, ${splitBlocks ? 'column blocks' : 'whole rows'}, coefficients × ${scale}`, () => {
          const loss = new LogisticLoss(Xm, yv, weights, 2, true, splitBlocks);
          expect(loss.sparse).toBe(true);
          const theta = new Float64Array(loss.size).map((_, j) => Math.sin(1.7 * j + 0.3) * scale);
          const g = new Float64Array(loss.size);
          const f = loss.lossGrad(theta, g);
          const ref = bruteForce(Xm, yv, 2, theta);
          expect(Number.isFinite(f)).toBe(true);
          expect(Math.abs(f - ref.f)).toBeLessThan(1e-11 * Math.max(1, Math.abs(ref.f)));
          let gmax = 1;
          for (const v of ref.g) gmax = Math.max(gmax, Math.abs(v));
          expect(maxDiff(g, ref.g)).toBeLessThan(1e-11 * gmax);
        });
      }
    }
  }
});

describe('LogisticRegression on sparse rows', () => {
  // one-hot rows (5 features × 4 levels, a few missing) plus a standardised numeric column
  const n = 2000;
  let s = 99;
  const rnd = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const ptr = new Int32Array(n + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < 5; f++) {
      if (rnd() < 0.1) continue;
      cols.push(f * 4 + Math.floor(rnd() * 4));
      vals.push(1);
    }
    const x = rnd() * 2 - 1;
    if (rnd() < 0.9) {
      cols.push(20);
      vals.push(x);
    }
    ptr[i + 1] = cols.length;
    y[i] = rnd() < 0.2 + 0.5 * +cols.includes(0, ptr[i]) + 0.2 * x ? 1 : 0;
  }
  const rows = { ptr, cols: Int32Array.from(cols), vals: Float64Array.from(vals) };
  const sparse = sparseMatrix(n, 21, rows);
  const dense: Matrix = { data: Float64Array.from(sparse.data), rows: n, cols: 21 };
  /** The same rows, with a dense array that must never be read. */
  const rowsOnly = (r: typeof rows): Matrix => ({
    rows: n,
    cols: 21,
    sparse: r,
    get data(): Float64Array {
      throw new Error('the dense array was read');
    },
  });

  it('fits from the rows alone, bit-identical to the fit on the dense array', () => {
    const a = new LogisticRegression().fit(rowsOnly(rows), y);
    const b = new LogisticRegression().fit(dense, y);
    expect(a.coef).toEqual(b.coef);
    expect(a.intercept).toBe(b.intercept);
    expect(a.nIter).toBe(b.nIter);
    // predicted from the rows too: the dense array is never built
    expect(a.predictProba(rowsOnly(rows))).toEqual(b.predictProba(dense));
    expect(a.decisionFunction(rowsOnly(rows))).toEqual(b.decisionFunction(dense));
  });

  it('one-hot rows alone (their lists used as they are) and with stored zeros fit as the dense array', () => {
    // drop the numeric column: every entry is a 1 of an indicator column
    const ptr1 = new Int32Array(n + 1);
    const cols1: number[] = [];
    const cols0: number[] = [];
    const vals0: number[] = [];
    const ptr0 = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      for (let t = rows.ptr[i]; t < rows.ptr[i + 1]; t++) {
        if (rows.cols[t] === 20) continue;
        cols1.push(rows.cols[t]);
        // the same row with a stored zero in front of each entry's feature (where there is room)
        if (rows.cols[t] % 4 > 0 && i % 3 === 0) {
          cols0.push(rows.cols[t] - 1);
          vals0.push(0);
        }
        cols0.push(rows.cols[t]);
        vals0.push(1);
      }
      ptr1[i + 1] = cols1.length;
      ptr0[i + 1] = cols0.length;
    }
    const onesOnly = {
      ptr: ptr1,
      cols: Int32Array.from(cols1),
      vals: new Float64Array(cols1.length).fill(1),
    };
    const withZeros = { ptr: ptr0, cols: Int32Array.from(cols0), vals: Float64Array.from(vals0) };
    const dense1: Matrix = { data: Float64Array.from(sparseMatrix(n, 21, onesOnly).data), rows: n, cols: 21 };
    const b = new LogisticRegression().fit(dense1, y);
    for (const r of [onesOnly, withZeros]) {
      const a = new LogisticRegression().fit(rowsOnly(r), y);
      expect(a.coef).toEqual(b.coef);
      expect(a.intercept).toBe(b.intercept);
      expect(a.nIter).toBe(b.nIter);
    }
  });

  it('refuses inconsistent rows and names a missing or infinite value by its position', () => {
    const bad: [typeof rows, RegExp][] = [
      [{ ...rows, ptr: rows.ptr.subarray(1) }, /ptr must hold 2001 offsets/],
      [{ ...rows, cols: rows.cols.subarray(1) }, /disagree on the entry count/],
      [
        { ...rows, cols: Int32Array.from(rows.cols, (c, t) => (t === 3 ? 99 : c)) },
        /row 0: columns must ascend/,
      ],
    ];
    for (const [r, message] of bad) {
      expect(() => new LogisticRegression().fit(rowsOnly(r), y)).toThrow(message);
    }
    const nan = Float64Array.from(rows.vals);
    const t = rows.ptr[7] + 1;
    nan[t] = Number.NaN;
    expect(() => new LogisticRegression().fit(rowsOnly({ ...rows, vals: nan }), y)).toThrow(
      new RegExp(`X\\[7\\]\\[${rows.cols[t]}\\] = NaN: missing or infinite`),
    );
    // prediction from rows checks them the same way, before writing anything
    const fitted = new LogisticRegression().fit(rowsOnly(rows), y);
    const out = new Float64Array(n).fill(7);
    expect(() => fitted.predictProba(rowsOnly({ ...rows, vals: nan }), out)).toThrow(
      new RegExp(`X\\[7\\]\\[${rows.cols[t]}\\] = NaN: missing or infinite`),
    );
    expect(out.every((v) => v === 7)).toBe(true);
    for (const [r, message] of bad) expect(() => fitted.predictProba(rowsOnly(r))).toThrow(message);
    // the shared matrix check reads sparse rows too, never the dense array: NaN passes where missing
    // values are allowed (trees), infinity never does
    expect(() => checkMatrix(rowsOnly({ ...rows, vals: nan }), true, 21)).not.toThrow();
    const inf = Float64Array.from(rows.vals);
    inf[t] = Number.POSITIVE_INFINITY;
    expect(() => checkMatrix(rowsOnly({ ...rows, vals: inf }), true, 21)).toThrow(
      new RegExp(`X\\[7\\]\\[${rows.cols[t]}\\] = Infinity`),
    );
    expect(() => checkMatrix(rowsOnly(rows), false, 20)).toThrow(/21 columns, the model was fitted on 20/);
  });
});
