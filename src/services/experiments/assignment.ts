/**
 * Deterministic assignment of units (clients or requests) to experiment arms: a hash of
 * `${experimentId}:${unit}` gives each unit a point u in [0, 1), and the traffic arms own
 * consecutive ranges of [0, 1) sized by their weights, in arm order (GrowthBook's approach). Every
 * process computes the same arm for the same unit with no shared state; a weight change moves the
 * boundaries only, so a unit keeps its arm whenever its point stays in its arm's range.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TWO_POW_32 = 4294967296;

/** FNV-1a 32-bit over the UTF-16 code units of `text`, continuing from `state`. */
function fnv1a(state: number, text: string): number {
  let h = state;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * The hash state after `${experimentId}:` (computed once per experiment, so assigning a unit hashes
 * the unit's characters only).
 */
export function experimentSeed(experimentId: string): number {
  return fnv1a(FNV_OFFSET, `${experimentId}:`);
}

/**
 * The point of `unit` in [0, 1): FNV-1a 32-bit of `${experimentId}:${unit}` (continued from
 * {@link experimentSeed}), finished by murmur3's 32-bit mixer so units that differ in their last
 * character (client-1, client-2, …) land far apart. No allocation.
 */
export function unitPoint(seed: number, unit: string): number {
  let h = fnv1a(seed, unit);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / TWO_POW_32;
}

/** {@link unitPoint} of `unit` in `experimentId` (for tools and tests; routing keeps the seed). */
export function assignmentPoint(experimentId: string, unit: string): number {
  return unitPoint(experimentSeed(experimentId), unit);
}

/**
 * Consecutive ranges of [0, 1), one per weight, in order: arm i owns [b(i-1), b(i)) with b the
 * cumulative weights over their sum. Weights must be finite and ≥ 0 with a positive sum.
 */
export class ArmRanges {
  readonly #upper: Float64Array;

  constructor(weights: readonly number[]) {
    let total = 0;
    for (const w of weights) {
      if (!Number.isFinite(w) || w < 0) throw new RangeError(`arm weight ${w} is not a finite number ≥ 0`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError('arm weights must sum to a positive number');
    this.#upper = new Float64Array(weights.length);
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      acc += weights[i];
      this.#upper[i] = acc / total;
    }
    // the last arm of positive weight ends at 1 whatever the rounding (arms of weight 0 after it
    // own nothing: their ranges are empty)
    let last = weights.length - 1;
    while (weights[last] === 0) last--;
    this.#upper.fill(1, last);
  }

  /** How many ranges (arms). */
  get size(): number {
    return this.#upper.length;
  }

  /** The arm whose range holds `u` (0 ≤ u < 1): never one of weight 0. */
  pick(u: number): number {
    const upper = this.#upper;
    for (let i = 0; i < upper.length; i++) if (u < upper[i]) return i;
    return upper.length - 1;
  }
}
