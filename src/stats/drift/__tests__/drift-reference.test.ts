import { describe, expect, it } from 'vitest';
import { chiSquareSf, normalSf } from '../distributions.js';
import { type DriftOptions, type FeatureSample, featureDrift } from '../index.js';
import { kolmogorovSf, smirnovSf } from '../kolmogorov-distribution.js';
import ref from './fixtures/drift_reference.json' with { type: 'json' };

/** Relative difference, exact match required at 0 and ±∞. */
function rel(actual: number, expected: number): number {
  if (actual === expected) return 0;
  return Math.abs(actual - expected) / Math.abs(expected);
}

type JsonSample = { kind: string; values?: (number | string)[]; counts?: unknown; missing?: number };

/** JSON has no NaN or Infinity: the fixture writes them as strings. */
function sample(s: JsonSample): FeatureSample {
  if (s.kind === 'numeric') {
    const values = (s.values ?? []).map((v) => (typeof v === 'string' ? Number(v) : v));
    return { ...(s as object), kind: 'numeric', values } as FeatureSample;
  }
  return s as unknown as FeatureSample;
}

describe('drift tests match scipy figures (fixtures/make_drift_fixtures.py)', () => {
  it('was generated with scipy 1.10', () => {
    expect(ref.scipy).toMatch(/^1\.10\./);
    expect(ref.cases.length).toBeGreaterThan(40);
  });

  for (const c of ref.cases) {
    it(c.name, () => {
      const e = c.expected;
      const r = featureDrift(sample(c.reference), sample(c.current), c.options as DriftOptions);
      expect(r.test).toBe(e.test);
      expect(r.referenceRows).toBe(e.referenceRows);
      expect(r.currentRows).toBe(e.currentRows);
      expect(r.distinctValues).toBe(e.distinctValues);
      expect(r.threshold).toBe(e.threshold);
      const statistic = e.statistic === 'Infinity' ? Number.POSITIVE_INFINITY : (e.statistic as number);
      // z keeps its sign convention only up to the choice of the first category: two-sided, so compare |z|
      const got = e.test === 'z' ? Math.abs(r.statistic) : r.statistic;
      expect(rel(got, e.test === 'z' ? Math.abs(statistic) : statistic)).toBeLessThanOrEqual(1e-9);
      if (e.pValue === null) expect(r.pValue).toBeNull();
      else expect(rel(r.pValue as number, e.pValue)).toBeLessThanOrEqual(1e-9);
      expect(r.effectSize.measure).toBe(e.effectSize.measure);
      expect(rel(r.effectSize.value, e.effectSize.value)).toBeLessThanOrEqual(1e-9);
      expect(r.drifted).toBe(e.drifted);
    });
  }
});

describe('distributions match scipy', () => {
  it('kstwo.sf and smirnov over n = 1 … 100,000', () => {
    for (const [n, x, sf, sm] of ref.kstwo) {
      expect(rel(kolmogorovSf(n, x), sf), `kstwo.sf(${x}, ${n})`).toBeLessThanOrEqual(1e-9);
      expect(rel(smirnovSf(n, x), sm), `smirnov(${n}, ${x})`).toBeLessThanOrEqual(1e-9);
    }
  });
  it('chi2.sf and norm.sf', () => {
    for (const [x, df, p] of ref.chi2)
      expect(rel(chiSquareSf(x, df), p), `chi2.sf(${x}, ${df})`).toBeLessThanOrEqual(1e-9);
    for (const [z, p] of ref.normal) expect(rel(normalSf(z), p), `norm.sf(${z})`).toBeLessThanOrEqual(1e-9);
  });
});
