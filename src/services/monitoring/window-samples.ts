/**
 * From the roll-up's counts to the samples the drift tests take (src/stats/drift): a window's counts
 * per feature, the reference profile's, and the outcome shares.
 */
import type { CategoricalSample, FeatureSample, NumericSample } from '../../stats/index.js';
import { OUTCOME_FEATURE, type ValueCount } from '../../storage/index.js';
import { OUTCOMES, type Outcome, type ProfiledFeature } from './reference-profile.js';

/** A window's counts, by feature then value key. */
export type WindowCounts = ReadonlyMap<string, ReadonlyMap<string, number>>;

export function byFeature(counts: readonly ValueCount[]): WindowCounts {
  const out = new Map<string, Map<string, number>>();
  for (const c of counts) {
    let m = out.get(c.feature);
    if (m === undefined) {
      m = new Map();
      out.set(c.feature, m);
    }
    m.set(c.value, (m.get(c.value) ?? 0) + c.n);
  }
  return out;
}

/** Predictions in the window (every prediction has one outcome). */
export function windowRows(counts: WindowCounts): number {
  let n = 0;
  for (const v of counts.get(OUTCOME_FEATURE)?.values() ?? []) n += v;
  return n;
}

/**
 * One feature's sample from value-key counts: categories `=code`; numbers `#x`; `?` and keys of the
 * other kind missing. `rows` (when given) counts the rows the feature was absent from as missing.
 */
export function sampleOf(
  kind: ProfiledFeature['kind'],
  counts: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
  rows?: number,
): FeatureSample {
  const entries = counts instanceof Map ? [...counts] : Object.entries(counts);
  let present = 0;
  let missing = 0;
  if (kind === 'categorical') {
    const c: Record<string, number> = {};
    for (const [k, n] of entries) {
      present += n;
      if (k.startsWith('=')) c[k.slice(1)] = (c[k.slice(1)] ?? 0) + n;
      else missing += n;
    }
    if (rows !== undefined) missing += Math.max(0, rows - present);
    return { kind: 'categorical', counts: c, missing } satisfies CategoricalSample;
  }
  const values: number[] = [];
  const weights: number[] = [];
  for (const [k, n] of entries) {
    present += n;
    const x = k.startsWith('#') ? Number(k.slice(1)) : Number.NaN;
    if (Number.isFinite(x)) {
      values.push(x);
      weights.push(n);
    } else missing += n;
  }
  if (rows !== undefined) missing += Math.max(0, rows - present);
  return { kind: 'numeric', values, counts: weights, missing } satisfies NumericSample;
}

/** Non-missing rows of a sample. */
export function presentRows(s: FeatureSample): number {
  if (s.kind === 'categorical') return Object.values(s.counts).reduce((a, b) => a + b, 0);
  let n = 0;
  const c = s.counts;
  for (let i = 0; i < s.values.length; i++) n += c === undefined ? 1 : c[i];
  return n;
}

/** Shares of each outcome (0 when there is nothing). */
export function outcomeShares(counts: Readonly<Record<string, number>>): Record<Outcome, number> {
  let total = 0;
  for (const o of OUTCOMES) total += counts[o] ?? 0;
  const out = { edible: 0, poisonous: 0, uncertain: 0, novel: 0 };
  for (const o of OUTCOMES) out[o] = total === 0 ? 0 : (counts[o] ?? 0) / total;
  return out;
}
