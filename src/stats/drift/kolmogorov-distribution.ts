/**
 * The finite-n distribution of the one-sample two-sided Kolmogorov–Smirnov statistic D_n (scipy's
 * `kstwo`), chosen among exact methods and approximations as Simard & L'Ecuyer (2011, "Computing the
 * two-sided Kolmogorov–Smirnov distribution", J. Stat. Softw. 39(11)) recommend and scipy 1.10 does:
 * Ruben–Gambino closed forms at the ends, the Durbin matrix (Marsaglia–Tsang–Wang 2003) for small n·d²,
 * the exact one-sided Smirnov sum (Birnbaum–Tingey) doubled in the tail, Pelz–Good for large n.
 * Deviation: where scipy uses the Pomeranz recursion (n ≤ 140, 0.754693 < n·d² ≤ 4) this uses the
 * Durbin matrix, which is exact there too; both agree to ~1e-14 (checked against scipy in the tests).
 */

const SCALE = 2 ** 128;
const INV_SCALE = 2 ** -128;
const PI2 = Math.PI * Math.PI;
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** x·2^e without intermediate overflow or underflow. */
function ldexp(x: number, e: number): number {
  let r = x;
  let k = e;
  while (k > 1000) {
    r *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    r *= 2 ** -1000;
    k += 1000;
  }
  return r * 2 ** k;
}

const clip01 = (p: number): number => Math.min(1, Math.max(0, p));

/** log(n!/n^n) by Stirling's series (accurate to double precision for n > 140, where it is used). */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  const r2 = rn * rn;
  // Bernoulli-number coefficients B_2j / (2j (2j − 1)), j = 8 … 1, in Horner order.
  const c = [-3617 / 122400, 1 / 156, -691 / 360360, 1 / 1188, -1 / 1680, 1 / 1260, -1 / 360, 1 / 12];
  let s = 0;
  for (const ci of c) s = s * r2 + ci;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * s;
}

function matMul(a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k];
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += aik * b[k * m + j];
    }
  }
  return out;
}

/** P(D_n ≤ d) by the Durbin matrix: (n!/n^n)·(H^n)[k,k], scaled to stay in range. */
export function durbinMatrixCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const w = new Float64Array(m); // w[j] = 1/j!
  const v = new Float64Array(m); // first column: (1 − h^(j+1))/(j+1)!
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  v[m - 1] = (1 + (Math.max(2 * h - 1, 0) ** m - 2 * h ** m)) * fac;
  let H: Float64Array<ArrayBuffer> = new Float64Array(m * m);
  for (let c = 1; c < m; c++) for (let r = c - 1; r < m; r++) H[r * m + c] = w[r - c + 1];
  for (let r = 0; r < m; r++) H[r * m] = v[r];
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];

  let P: Float64Array<ArrayBuffer> | null = null; // H^(bits so far); null = identity
  let expP = 0;
  let expH = 0;
  const centre = (k - 1) * m + (k - 1);
  for (let nn = n; nn > 0; nn = Math.floor(nn / 2)) {
    if (nn % 2 === 1) {
      P = P === null ? H.slice() : matMul(P, H, m);
      expP += expH;
    }
    H = matMul(H, H, m);
    expH *= 2;
    if (Math.abs(H[centre]) > SCALE) {
      for (let i = 0; i < H.length; i++) H[i] *= INV_SCALE;
      expH += 128;
    }
  }
  let p = (P as Float64Array)[centre];
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < INV_SCALE) {
      p *= SCALE;
      expP -= 128;
    }
  }
  return clip01(ldexp(p, expP));
}

/** Pelz–Good asymptotic series for P(D_n ≤ x) (Simard & L'Ecuyer's choice for large n). */
export function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  const q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI2 * PI2 * (1 - 2 * z2)) / 16;
  const k3d = (PI2 * PI2 * PI2 * (5 - 30 * z2)) / 64;
  const k3c = (PI2 * PI2 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z4 * z4;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  // Σ over odd m = 2k − 1 of c_m q^(m²), by Horner in q^(8k).
  for (let k = maxk; k >= 1; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const qp = q ** (8 * k);
    K[0] = K[0] * qp + 1;
    K[1] = K[1] * qp + (k1a + k1b * m2);
    K[2] = K[2] * qp + (k2a + k2b * m2 + k2c * m4);
    K[3] = K[3] * qp + (k3a + k3b * m2 + k3c * m4 + k3d * m4 * m2);
  }
  const den = [z, 6 * z4, 72 * z4 * z2 * z, 6480 * z6 * z4];
  for (let i = 0; i < 4; i++) K[i] = (K[i] * q * SQRT_2PI) / den[i];
  // The terms over all integers k: K2 gets π²k² q^(k²), K3 gets (3π²k²z² − π⁴k⁴) q^(k²).
  const q2 = Math.exp(-PI2 / 2 / z2);
  const s3z = Math.sqrt(3) * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k >= 1; k--) {
    const kk = k * k;
    const qk = q2 ** kk;
    k2extra += kk * qk;
    k3extra += (s3z + Math.PI * k) * (s3z - Math.PI * k) * kk * qk;
  }
  K[2] += (k2extra * PI2 * SQRT_2PI) / (-36 * z2 * z);
  K[3] += (k3extra * PI2 * SQRT_2PI) / (216 * z6);
  return K[0] + K[1] / Math.sqrt(n) + K[2] / n + K[3] / (n * Math.sqrt(n));
}

/**
 * Exact one-sided P(D⁺_n ≥ x) by the Birnbaum–Tingey sum
 * x·Σ_{j=0}^{⌊n(1−x)⌋} C(n,j)(x + j/n)^(j−1)(1 − x − j/n)^(n−j), summed in log space.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(x >= 0 && x <= 1)) return Number.NaN;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  const last = Math.floor(n - nx);
  const logs: number[] = [];
  let logC = 0; // log C(n, j), summed with Kahan compensation (n can be 10⁵)
  let comp = 0;
  let top = Number.NEGATIVE_INFINITY;
  for (let j = 0; j <= last; j++) {
    if (j > 0) {
      const y = Math.log((n - j + 1) / j) - comp;
      const sum = logC + y;
      comp = sum - logC - y;
      logC = sum;
    }
    const a = (nx + j) / n;
    const b = (n - nx - j) / n;
    if (b <= 0 && n - j > 0) continue;
    const t = logC + (j - 1) * Math.log(a) + (n - j > 0 ? (n - j) * Math.log(b) : 0);
    logs.push(t);
    if (t > top) top = t;
  }
  if (logs.length === 0) return 0;
  let s = 0;
  for (const t of logs) s += Math.exp(t - top);
  return clip01(x * s * Math.exp(top));
}

/**
 * P(D_n ≥ x): the survival function of the one-sample two-sided KS statistic for n observations
 * (scipy.stats.kstwo.sf(x, n)).
 */
export function kolmogorovSf(n: number, x: number): number {
  if (!(n >= 1 && Number.isInteger(n))) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    // Ruben–Gambino: P(D_n ≤ x) = n!/n^n (2t − 1)^n for 1/2n ≤ x ≤ 1/n.
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= (i / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - cdf);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 4) return clip01(1 - durbinMatrixCdf(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip01(2 * smirnovSf(n, x));
  const cdf = n <= 100000 && n * x ** 1.5 <= 1.4 ? durbinMatrixCdf(n, x) : pelzGoodCdf(n, x);
  return clip01(1 - cdf);
}
