/** A smooth objective: returns f(x) and writes ∇f(x) into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

/** Options of {@link minimizeLbfgs}. */
export interface LbfgsOptions {
  /** Iteration cap (default 1000). */
  readonly maxIter?: number;
  /** Stop when max_j |∂f/∂x_j| ≤ gtol (default 1e-4, as scipy's `pgtol` in scikit-learn). */
  readonly gtol?: number;
  /** Stop when the relative decrease of f falls below ftol (default 2.22e-9, scipy's L-BFGS-B default). */
  readonly ftol?: number;
  /** Number of correction pairs kept (default 10, as scipy). */
  readonly memory?: number;
  /** Maximum function evaluations per line search (default 50). */
  readonly maxLineSearch?: number;
  /**
   * Diagonal preconditioner: the initial inverse-Hessian approximation is γ·diag(scale) instead of γ·I
   * (e.g. 1 / the Hessian diagonal). Only the search directions change, not the stopping rule.
   */
  readonly scale?: Float64Array;
}

/** The outcome of a minimisation. */
export interface MinimizeResult {
  readonly x: Float64Array;
  readonly f: number;
  readonly nIter: number;
  readonly nFev: number;
  readonly converged: boolean;
  readonly message: string;
}

const C1 = 1e-4;
const C2 = 0.9;

/**
 * Limited-memory BFGS (two-loop recursion) with a strong-Wolfe line search (Nocedal & Wright,
 * algorithms 3.5–3.6, cubic interpolation in the zoom phase). `x0` is not modified.
 */
export function minimizeLbfgs(fun: Objective, x0: Float64Array, options: LbfgsOptions = {}): MinimizeResult {
  const maxIter = options.maxIter ?? 1000;
  const gtol = options.gtol ?? 1e-4;
  const ftol = options.ftol ?? 1e7 * Number.EPSILON;
  const m = options.memory ?? 10;
  const maxLs = options.maxLineSearch ?? 50;
  const n = x0.length;
  const scale = options.scale ?? new Float64Array(n).fill(1);
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const d = new Float64Array(n);
  const xt = new Float64Array(n);
  const gt = new Float64Array(n);
  const S = new Float64Array(m * n);
  const Y = new Float64Array(m * n);
  const rho = new Float64Array(m);
  const alphaBuf = new Float64Array(m);
  let stored = 0;
  let head = 0; // index of the next slot to write
  let nFev = 1;
  let f = fun(x, g);
  if (!Number.isFinite(f)) return { x, f, nIter: 0, nFev, converged: false, message: 'non-finite objective' };
  if (maxAbs(g) <= gtol)
    return { x, f, nIter: 0, nFev, converged: true, message: 'gradient below tolerance' };

  let iter = 0;
  while (iter < maxIter) {
    // two-loop recursion: d = −H·g (the vector loops live in small kernels the JIT optimises within the
    // first iterations of the first fit; inlined here, they would run unoptimised until this whole
    // function is compiled)
    negate(d, g);
    for (let k = 0; k < stored; k++) {
      const slot = (head - 1 - k + m) % m;
      const off = slot * n;
      const a = dotOff(S, off, d, 0, n) * rho[slot];
      alphaBuf[slot] = a;
      axpyOff(d, -a, Y, off, n);
    }
    if (stored > 0) {
      const last = ((head - 1 + m) % m) * n;
      const gamma = dotOff(S, last, Y, last, n) / scaledSquares(Y, last, scale, n);
      scaleInto(d, gamma, scale);
    } else {
      scaleInto(d, 1, scale);
    }
    for (let k = stored - 1; k >= 0; k--) {
      const slot = (head - 1 - k + m) % m;
      const off = slot * n;
      const b = dotOff(Y, off, d, 0, n) * rho[slot];
      axpyOff(d, alphaBuf[slot] - b, S, off, n);
    }
    let dg = dot(d, g);
    if (!(dg < 0)) {
      // not a descent direction (numerical trouble): restart from steepest descent
      stored = 0;
      for (let j = 0; j < n; j++) d[j] = -g[j] * scale[j];
      dg = dot(d, g);
    }
    const alpha0 = stored === 0 && options.scale === undefined ? Math.min(1, 1 / Math.sqrt(-dg)) : 1;
    const ls = strongWolfe(fun, x, f, dg, d, alpha0, xt, gt, maxLs);
    nFev += ls.nFev;
    if (!ls.ok) {
      return {
        x,
        f,
        nIter: iter,
        nFev,
        converged: false,
        message: 'line search failed to find a better point',
      };
    }
    iter++;
    // update the correction pairs: s = xt − x, y = gt − g
    const off = head * n;
    const sy = storePair(S, Y, off, xt, x, gt, g, n);
    if (sy > 1e-10 * Math.max(1e-300, dotOff(Y, off, Y, off, n))) {
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      if (stored < m) stored++;
    }
    const fOld = f;
    f = ls.f;
    x.set(xt);
    g.set(gt);
    if (maxAbs(g) <= gtol) {
      return { x, f, nIter: iter, nFev, converged: true, message: 'gradient below tolerance' };
    }
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) {
      return { x, f, nIter: iter, nFev, converged: true, message: 'relative reduction of f below ftol' };
    }
  }
  return { x, f, nIter: iter, nFev, converged: false, message: `reached maxIter = ${maxIter}` };
}

interface LineSearchResult {
  ok: boolean;
  f: number;
  nFev: number;
}

/** Strong-Wolfe line search along `d` from `x`; the accepted point is left in `xt` / `gt`. */
function strongWolfe(
  fun: Objective,
  x: Float64Array,
  f0: number,
  dphi0: number,
  d: Float64Array,
  alphaInit: number,
  xt: Float64Array,
  gt: Float64Array,
  maxLs: number,
): LineSearchResult {
  const n = x.length;
  let nFev = 0;
  const evalAt = (a: number): number => {
    stepInto(xt, x, a, d, n);
    nFev++;
    const v = fun(xt, gt);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let aPrev = 0;
  let fPrev = f0;
  let dPrev = dphi0;
  let a = alphaInit;
  let lo = 0;
  let flo = f0;
  let dlo = dphi0;
  let hi = 0;
  let fhi = 0;
  let dhi = 0;
  let bracketed = false;
  for (let i = 0; i < maxLs; i++) {
    const fa = evalAt(a);
    const da = fa === Number.POSITIVE_INFINITY ? Number.NaN : dot(gt, d);
    if (fa > f0 + C1 * a * dphi0 || (i > 0 && fa >= fPrev) || Number.isNaN(da)) {
      lo = aPrev;
      flo = fPrev;
      dlo = dPrev;
      hi = a;
      fhi = fa;
      dhi = da;
      bracketed = true;
      break;
    }
    if (Math.abs(da) <= -C2 * dphi0) return { ok: true, f: fa, nFev };
    if (da >= 0) {
      lo = a;
      flo = fa;
      dlo = da;
      hi = aPrev;
      fhi = fPrev;
      dhi = dPrev;
      bracketed = true;
      break;
    }
    aPrev = a;
    fPrev = fa;
    dPrev = da;
    a *= 2;
  }
  if (!bracketed) return { ok: false, f: f0, nFev };
  // zoom
  for (let i = nFev; i < maxLs; i++) {
    let aj = cubicMin(lo, flo, dlo, hi, fhi, dhi);
    const lower = Math.min(lo, hi);
    const upper = Math.max(lo, hi);
    const width = upper - lower;
    if (!(aj > lower + 0.1 * width && aj < upper - 0.1 * width)) aj = 0.5 * (lo + hi);
    const fa = evalAt(aj);
    const da = dot(gt, d);
    if (fa > f0 + C1 * aj * dphi0 || fa >= flo || Number.isNaN(da)) {
      hi = aj;
      fhi = fa;
      dhi = da;
    } else {
      if (Math.abs(da) <= -C2 * dphi0) return { ok: true, f: fa, nFev };
      if (da * (hi - lo) >= 0) {
        hi = lo;
        fhi = flo;
        dhi = dlo;
      }
      lo = aj;
      flo = fa;
      dlo = da;
    }
    if (Math.abs(hi - lo) < 1e-16 * Math.max(1, Math.abs(lo))) break;
  }
  // fall back to the best point found if it decreases f enough (sufficient decrease only)
  if (lo > 0 && flo < f0) {
    const fa = evalAt(lo);
    return { ok: true, f: fa, nFev };
  }
  return { ok: false, f: f0, nFev };
}

function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  if (!Number.isFinite(fb) || Number.isNaN(db)) return Number.NaN;
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return Number.NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
}

/** d = −g. */
function negate(d: Float64Array, g: Float64Array): void {
  for (let j = 0; j < d.length; j++) d[j] = -g[j];
}

/** d[j] += a·x[xo + j] for j < n. */
function axpyOff(d: Float64Array, a: number, x: Float64Array, xo: number, n: number): void {
  for (let j = 0; j < n; j++) d[j] += a * x[xo + j];
}

/** d[j] *= gamma·scale[j]. */
function scaleInto(d: Float64Array, gamma: number, scale: Float64Array): void {
  for (let j = 0; j < d.length; j++) d[j] *= gamma * scale[j];
}

/** Σ y[yo + j]²·scale[j] for j < n. */
function scaledSquares(y: Float64Array, yo: number, scale: Float64Array, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += y[yo + j] * y[yo + j] * scale[j];
  return s;
}

/** xt = x + a·d. */
function stepInto(xt: Float64Array, x: Float64Array, a: number, d: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) xt[j] = x[j] + a * d[j];
}

/** Stores s = xt − x and y = gt − g at `off` of S and Y; returns s·y. */
function storePair(
  S: Float64Array,
  Y: Float64Array,
  off: number,
  xt: Float64Array,
  x: Float64Array,
  gt: Float64Array,
  g: Float64Array,
  n: number,
): number {
  let sy = 0;
  for (let j = 0; j < n; j++) {
    const s = xt[j] - x[j];
    const yv = gt[j] - g[j];
    S[off + j] = s;
    Y[off + j] = yv;
    sy += s * yv;
  }
  return sy;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

function dotOff(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += a[ao + j] * b[bo + j];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let j = 0; j < a.length; j++) {
    const v = Math.abs(a[j]);
    if (v > m || Number.isNaN(v)) m = v;
  }
  return m;
}
