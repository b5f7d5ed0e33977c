/**
 * Float32 helpers. XGBoost stores split conditions as float32 and compares features converted to float32
 * (`fround(x) < c`). Our trees keep float64 thresholds with plain `x < t` semantics, so a float32 cut `c` is
 * stored as the float64 `t` for which `x < t` holds exactly when `fround(x) < c`, for every finite `x`.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The largest float32 strictly below the float32 `c` (`-Infinity` below `-MAX`). */
function prevFloat32(c: number): number {
  if (c === Number.NEGATIVE_INFINITY) return c;
  if (c === 0) return -1.401298464324817e-45;
  f32[0] = c;
  if (c > 0) u32[0] -= 1;
  else u32[0] += 1;
  return f32[0];
}

function nextUpFloat64(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  f64[0] = x;
  if (x > 0) u64[0] += 1n;
  else u64[0] -= 1n;
  return f64[0];
}

/**
 * The float64 threshold `t` equivalent to XGBoost's float32 test `fround(x) < c` (`c` a float32 value):
 * `x < t` ⇔ `fround(x) < c` for every finite `x`.
 */
export function float32CutToThreshold(c: number): number {
  c = Math.fround(c);
  if (!Number.isFinite(c)) return c;
  const p = prevFloat32(c);
  if (!Number.isFinite(p)) return c;
  const mid = (p + c) / 2;
  f32[0] = c;
  // Round-half-to-even: the midpoint rounds to whichever neighbour has an even last mantissa bit.
  return (u32[0] & 1) === 0 ? mid : nextUpFloat64(mid);
}

/** Inverse of {@link float32CutToThreshold}: the float32 cut that a float64 threshold stands for. */
export function thresholdToFloat32Cut(t: number): number {
  return Math.fround(t);
}
