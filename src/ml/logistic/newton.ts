import type { MinimizeResult } from './lbfgs.js';

/** Objective with an exact Hessian: returns f, writes the gradient and the full (row-major) Hessian. */
export type HessianObjective = (x: Float64Array, grad: Float64Array, hess: Float64Array) => number;

/** Options of {@link minimizeNewton}. */
export interface NewtonOptions {
  readonly maxIter?: number;
  /** Stop when max_j |∂f/∂x_j| ≤ gtol. */
  readonly gtol?: number;
}

/**
 * Newton's method with a direct Cholesky solve (for up to a few hundred parameters) and an Armijo
 * backtracking line search. `valueOnly(x)` evaluates f alone during backtracking.
 */
export function minimizeNewton(
  fun: HessianObjective,
  valueOnly: (x: Float64Array) => number,
  x0: Float64Array,
  options: NewtonOptions = {},
): MinimizeResult {
  const maxIter = options.maxIter ?? 100;
  const gtol = options.gtol ?? 1e-4;
  const n = x0.length;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const H = new Float64Array(n * n);
  const d = new Float64Array(n);
  const xt = new Float64Array(n);
  let nFev = 0;
  let f = 0;
  for (let iter = 0; iter < maxIter; iter++) {
    f = fun(x, g, H);
    nFev++;
    let gmax = 0;
    for (let j = 0; j < n; j++) gmax = Math.max(gmax, Math.abs(g[j]));
    if (gmax <= gtol)
      return { x, f, nIter: iter, nFev, converged: true, message: 'gradient below tolerance' };
    choleskySolve(H, g, d, n); // d = H⁻¹ g
    let dg = 0;
    for (let j = 0; j < n; j++) {
      d[j] = -d[j];
      dg += d[j] * g[j];
    }
    if (!(dg < 0)) {
      for (let j = 0; j < n; j++) d[j] = -g[j];
      dg = -gmax * gmax;
    }
    let t = 1;
    let accepted = false;
    for (let k = 0; k < 60; k++) {
      for (let j = 0; j < n; j++) xt[j] = x[j] + t * d[j];
      const ft = valueOnly(xt);
      nFev++;
      // Armijo, with an allowance for round-off in f (near the optimum the decrease is below ε·|f|)
      if (ft <= f + 1e-4 * t * dg + 4 * Number.EPSILON * Math.abs(f)) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) {
      return {
        x,
        f,
        nIter: iter,
        nFev,
        converged: false,
        message: 'line search failed to find a better point',
      };
    }
    x.set(xt);
  }
  f = fun(x, g, H);
  nFev++;
  let gmax = 0;
  for (let j = 0; j < n; j++) gmax = Math.max(gmax, Math.abs(g[j]));
  const converged = gmax <= gtol;
  return {
    x,
    f,
    nIter: maxIter,
    nFev,
    converged,
    message: converged ? 'gradient below tolerance' : `reached maxIter = ${maxIter}`,
  };
}

/**
 * Solves H·out = b in place of a copy of H by Cholesky factorisation; a growing diagonal jitter is added
 * if H is not numerically positive definite. `H` is overwritten with the factor.
 */
function choleskySolve(H: Float64Array, b: Float64Array, out: Float64Array, n: number): void {
  let jitter = 0;
  const diag = new Float64Array(n);
  for (let i = 0; i < n; i++) diag[i] = H[i * n + i];
  for (let attempt = 0; attempt < 20; attempt++) {
    if (attempt > 0) {
      jitter = jitter === 0 ? 1e-10 : jitter * 10;
      for (let i = 0; i < n; i++) H[i * n + i] = diag[i] + jitter;
      // restore the lower triangle from the (untouched) upper triangle
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) H[i * n + j] = H[j * n + i];
    }
    if (factor(H, n)) break;
  }
  // forward: L y = b
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= H[i * n + k] * out[k];
    out[i] = s / H[i * n + i];
  }
  // backward: Lᵀ x = y
  for (let i = n - 1; i >= 0; i--) {
    let s = out[i];
    for (let k = i + 1; k < n; k++) s -= H[k * n + i] * out[k];
    out[i] = s / H[i * n + i];
  }
}

/** In-place Cholesky (lower triangle holds L); false when not positive definite. */
function factor(A: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j];
    for (let k = 0; k < j; k++) s -= A[j * n + k] * A[j * n + k];
    if (!(s > 0)) return false;
    const ljj = Math.sqrt(s);
    A[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = A[i * n + j];
      for (let k = 0; k < j; k++) t -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = t / ljj;
    }
  }
  return true;
}
