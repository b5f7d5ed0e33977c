import { describe, expect, it } from 'vitest';
import { isSporeprintError, Rng } from '../../../core/index.js';
import {
  estimatePerformance,
  expectedCalibrationError,
  IsotonicCalibrator,
  needsCalibration,
  rocAuc,
} from '../index.js';
import ref from './fixtures/performance_reference.json' with { type: 'json' };

function rel(actual: number, expected: number): number {
  if (actual === expected) return 0;
  return Math.abs(actual - expected) / Math.abs(expected);
}

function expectBadParam(fn: () => unknown, argument: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(isSporeprintError(caught), `expected SP_ERR_BAD_PARAM naming ${argument}`).toBe(true);
  if (!isSporeprintError(caught)) return;
  expect(caught.code).toBe('SP_ERR_BAD_PARAM');
  expect(caught.message).toContain(argument);
}

describe('matches the figures of fixtures/make_performance_fixtures.py', () => {
  for (const c of ref.isotonic) {
    it(`isotonic calibration, ${c.name}`, () => {
      const cal = IsotonicCalibrator.fit(c.p, c.y, 'weights' in c ? c.weights : undefined);
      c.probe.forEach((x, i) => {
        expect(Math.abs(cal.calibrate(x) - c.calibrated[i]), `at ${x}`).toBeLessThanOrEqual(1e-12);
      });
      const again = IsotonicCalibrator.fromJSON(JSON.parse(JSON.stringify(cal)));
      expect(Array.from(again.calibrateAll(c.probe))).toEqual(Array.from(cal.calibrateAll(c.probe)));
    });
  }
  for (const c of ref.ece) {
    it(`ECE with NannyML's equal-count bins, ${c.name}`, () => {
      expect(rel(expectedCalibrationError(c.y, c.p, c.bins), c.ece)).toBeLessThanOrEqual(1e-9);
    });
  }
  for (const c of ref.auc) {
    it(`ROC AUC with ties, ${c.name}`, () => {
      expect(rel(rocAuc(c.y, c.p), c.auc)).toBeLessThanOrEqual(1e-12);
    });
  }
  for (const c of ref.cbpe) {
    it(`CBPE expected confusion, ${c.name}`, () => {
      const calibrator =
        'validation' in c && c.validation
          ? IsotonicCalibrator.fit(c.validation.p, c.validation.y)
          : undefined;
      const r = estimatePerformance(c.p, { threshold: c.threshold, calibrator });
      const e = c.expected;
      expect(rel(r.confusion.truePositive, e.truePositive)).toBeLessThanOrEqual(1e-9);
      expect(rel(r.confusion.falsePositive, e.falsePositive)).toBeLessThanOrEqual(1e-9);
      expect(rel(r.confusion.trueNegative, e.trueNegative)).toBeLessThanOrEqual(1e-9);
      expect(rel(r.confusion.falseNegative, e.falseNegative)).toBeLessThanOrEqual(1e-9);
      expect(rel(r.accuracyAnswered as number, e.accuracyAnswered)).toBeLessThanOrEqual(1e-9);
      expect(rel(r.recallAnswered as number, e.recallAnswered)).toBeLessThanOrEqual(1e-9);
      expect(rel(r.precision as number, e.precision)).toBeLessThanOrEqual(1e-9);
      expect(r.falseEdible).toBe(r.confusion.falseNegative);
    });
  }
});

/** Scores of a model whose true probability is q but which serves q² (too confident in "edible"). */
function window(rng: Rng, n: number): { p: Float64Array; y: Uint8Array; q: Float64Array } {
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // mostly confident rows, as a good classifier gives, plus a band of unsure ones
    const u = rng.next();
    q[i] = u < 0.45 ? 0.02 * rng.next() : u < 0.9 ? 1 - 0.02 * rng.next() : rng.next();
    y[i] = rng.next() < q[i] ? 1 : 0;
    p[i] = q[i] * q[i];
  }
  return { p, y, q };
}

function realisedAccuracy(y: Uint8Array, p: Float64Array, threshold: number): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if ((p[i] >= threshold ? 1 : 0) === y[i]) ok++;
  return ok / y.length;
}

describe('CBPE', () => {
  it('estimates accuracy within 2 points of the realised one on calibrated probabilities', () => {
    const rng = new Rng(5);
    for (let w = 0; w < 10; w++) {
      const { q, y } = window(rng, 2000);
      const est = estimatePerformance(q, { threshold: 0.5 });
      expect(
        Math.abs((est.accuracyAnswered as number) - realisedAccuracy(y, q, 0.5)),
        `window ${w}`,
      ).toBeLessThan(0.02);
    }
  });

  it('recovers calibration from a validation split with isotonic regression where it lowers ECE', () => {
    const rng = new Rng(8);
    const validation = window(rng, 3000);
    const verdict = needsCalibration(validation.y, validation.p);
    expect(verdict.reason).toBe('ece');
    expect(verdict.calibrate).toBe(true);
    expect(verdict.eceAfter as number).toBeLessThan(verdict.eceBefore as number);
    const calibrator = IsotonicCalibrator.fit(validation.p, validation.y);
    for (let w = 0; w < 5; w++) {
      const { p, y } = window(rng, 2000);
      const realised = realisedAccuracy(y, p, 0.5);
      const raw = estimatePerformance(p, { threshold: 0.5 });
      const calibrated = estimatePerformance(p, { threshold: 0.5, calibrator });
      expect(Math.abs((calibrated.accuracyAnswered as number) - realised), `window ${w}`).toBeLessThan(0.02);
      // the served scores q² overstate confidence in "edible": uncalibrated CBPE is off
      expect(raw.falseEdible).toBeLessThan(calibrated.falseEdible);
    }
  });

  it('declines calibration for one class or separable scores (NannyML’s shortcuts)', () => {
    expect(needsCalibration([1, 1, 1], [0.2, 0.5, 0.9]).reason).toBe('single-class');
    const verdict = needsCalibration([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]);
    expect(verdict).toEqual({ calibrate: false, reason: 'separable', eceBefore: null, eceAfter: null });
  });

  it('counts uncertain answers apart, and takes aggregated rows as weights', () => {
    const p = [0.01, 0.02, 0.4, 0.6, 0.97];
    const decisions = [0, 0, 2, 2, 1];
    const r = estimatePerformance(p, { decisions, weights: [100, 50, 3, 2, 80] });
    expect(r.rows).toBe(235);
    expect(r.uncertain).toBe(5);
    expect(r.answered).toBe(230);
    expect(r.falseEdible).toBeCloseTo(100 * 0.01 + 50 * 0.02, 12);
    expect(r.falseEdibleShare).toBeCloseTo(2 / 150, 12);
    expect(r.uncertainShare).toBeCloseTo(5 / 235, 12);
    const tp = 80 * 0.97;
    expect(r.recallAnswered).toBeCloseTo(tp / (tp + 2), 12);
    expect(r.recall).toBeCloseTo((tp + 1.2 + 1.2) / (tp + 2 + 2.4), 12);
    expect(r.precision).toBeCloseTo(0.97, 12);
    expect(r.estimated).toBe(true);
    expect(estimatePerformance([0.2], { threshold: 0.5 }).precision).toBeNull();
  });

  it('throws SP_ERR_BAD_PARAM naming the argument on bad input', () => {
    expectBadParam(() => estimatePerformance([0.2, 1.5]), 'p[1]');
    expectBadParam(() => estimatePerformance([]), 'p');
    expectBadParam(() => estimatePerformance([0.2], { threshold: 2 }), 'options.threshold');
    expectBadParam(() => estimatePerformance([0.2, 0.3], { decisions: [0] }), 'options.decisions');
    expectBadParam(() => estimatePerformance([0.2], { decisions: [3] }), 'options.decisions[0]');
    expectBadParam(() => estimatePerformance([0.2], { weights: [-1] }), 'options.weights[0]');
    expectBadParam(() => estimatePerformance([0.2], { weights: [1, 2] }), 'options.weights');
    expectBadParam(() => IsotonicCalibrator.fit([0.1, 0.2], [1]), 'y');
    expectBadParam(() => IsotonicCalibrator.fit([0.1], [2]), 'y[0]');
    expectBadParam(() => IsotonicCalibrator.fit([0.1], [1], [-1]), 'weights[0]');
    expectBadParam(
      () =>
        IsotonicCalibrator.fromJSON({
          formatVersion: 1,
          kind: 'isotonic-calibrator',
          x: [0.5, 0.1],
          y: [0, 1],
        }),
      'json',
    );
    expectBadParam(() => expectedCalibrationError([0, 1, 1], [0.1, 0.5, 0.9]), 'p');
    expectBadParam(() => expectedCalibrationError([0, 1], [0.1, 0.5], 1), 'bins');
  });

  it('gives NaN for a NaN score rather than a confident probability', () => {
    const cal = IsotonicCalibrator.fit([0.1, 0.9], [0, 1]);
    expect(cal.calibrate(Number.NaN)).toBeNaN();
    expect(cal.calibrate(-1)).toBe(0);
    expect(cal.calibrate(2)).toBe(1);
  });
});
