import { describe, expect, it } from 'vitest';
import { calibrationTable, evaluateBinary, evaluateDecisions, prCurve, rocCurve } from '../index.js';
import ref from './fixtures/metrics_reference.json' with { type: 'json' };

describe('evaluateBinary against sklearn.metrics 1.2.1', () => {
  ref.forEach((c, k) => {
    it(`case ${k} (${k === 1 ? 'with tied scores' : 'distinct scores'}) agrees to 1e-9`, () => {
      const m = evaluateBinary(Uint8Array.from(c.y), Float64Array.from(c.p));
      for (const key of [
        'accuracy',
        'precision',
        'recall',
        'f1',
        'f2',
        'rocAuc',
        'prAuc',
        'logLoss',
        'brier',
      ] as const) {
        expect(Math.abs(m[key] - c[key]), key).toBeLessThan(1e-9);
      }
      expect([m.confusion.tn, m.confusion.fp, m.confusion.fn, m.confusion.tp]).toEqual(c.confusion);
      expect(m.falseEdible).toBe(m.confusion.fn);
      expect(m.falsePoisonous).toBe(m.confusion.fp);
      expect(m.n).toBe(c.y.length);
    });
  });

  it('puts poisonous recall and false-edible first', () => {
    const m = evaluateBinary(Uint8Array.from([0, 1]), Float64Array.from([0.2, 0.7]));
    expect(Object.keys(m).slice(0, 2)).toEqual(['recall', 'falseEdible']);
  });

  it('uses the threshold and handles no positive predictions', () => {
    const y = Uint8Array.from([1, 1, 0, 0]);
    const p = Float64Array.from([0.9, 0.4, 0.3, 0.1]);
    expect(evaluateBinary(y, p, 0.35).falseEdible).toBe(0);
    const none = evaluateBinary(y, p, 0.95);
    expect(none.precision).toBe(0);
    expect(none.f1).toBe(0);
    expect(none.falseEdible).toBe(2);
  });

  it('rejects bad input', () => {
    expect(() => evaluateBinary(Uint8Array.from([0, 1]), Float64Array.from([0.5]))).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }),
    );
    expect(() => evaluateBinary(Uint8Array.from([0, 2]), Float64Array.from([0.5, 0.5]))).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }),
    );
    expect(() => evaluateBinary(Uint8Array.from([0, 1]), Float64Array.from([0.5, Number.NaN]))).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }),
    );
    expect(() => evaluateBinary(Uint8Array.from([0, 1]), Float64Array.from([0.5, 0.5]), 2)).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_PARAM' }),
    );
  });
});

describe('curves and calibration', () => {
  const c = ref[1];
  const y = Uint8Array.from(c.y);
  const p = Float64Array.from(c.p);

  it('ROC curve integrates to the ROC AUC and ends at (1, 1)', () => {
    const { fpr, tpr } = rocCurve(y, p);
    let auc = 0;
    for (let k = 1; k < fpr.length; k++) auc += ((fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1])) / 2;
    expect(auc).toBeCloseTo(c.rocAuc, 12);
    expect(fpr[fpr.length - 1]).toBe(1);
    expect(tpr[tpr.length - 1]).toBe(1);
  });

  it('PR curve gives the average precision as Σ ΔR·P', () => {
    const { precision, recall } = prCurve(y, p);
    let ap = 0;
    for (let k = 1; k < recall.length; k++) ap += (recall[k] - recall[k - 1]) * precision[k];
    expect(ap).toBeCloseTo(c.prAuc, 12);
  });

  it('calibration bins count every row and report observed rates', () => {
    const bins = calibrationTable(y, p, 10);
    expect(bins.length).toBe(10);
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(y.length);
    const t = calibrationTable(Uint8Array.from([0, 1, 1, 0]), Float64Array.from([0.05, 0.95, 1, 0.5]), 2);
    expect(t[0]).toEqual({ lower: 0, upper: 0.5, count: 1, meanPredicted: 0.05, observedRate: 0 });
    expect(t[1].count).toBe(3);
    expect(t[1].observedRate).toBeCloseTo(2 / 3, 15);
    expect(calibrationTable(Uint8Array.from([0]), Float64Array.from([0.1]), 4)[3].meanPredicted).toBeNull();
    expect(() => calibrationTable(y, p, 0)).toThrow(expect.objectContaining({ code: 'SP_ERR_BAD_PARAM' }));
  });
});

describe('evaluateDecisions', () => {
  it('counts answers, false-edible and their shares', () => {
    const y = Uint8Array.from([1, 1, 1, 0, 0, 0, 1, 0]);
    const d = Uint8Array.from([1, 0, 2, 0, 0, 1, 2, 2]);
    const m = evaluateDecisions(y, d);
    expect(m).toMatchObject({
      edible: 3,
      poisonous: 2,
      uncertain: 3,
      falseEdible: 1,
      falsePoisonous: 1,
      n: 8,
    });
    expect(m.falseEdibleShare).toBeCloseTo(1 / 3, 15);
    expect(m.uncertainShare).toBeCloseTo(3 / 8, 15);
    expect(m.recallAnswered).toBeCloseTo(1 / 2, 15);
    expect(Object.keys(m)[0]).toBe('falseEdible');
    expect(() => evaluateDecisions(y, Uint8Array.from([3, 0, 0, 0, 0, 0, 0, 0]))).toThrow(
      expect.objectContaining({ code: 'SP_ERR_BAD_DATA' }),
    );
  });
});
