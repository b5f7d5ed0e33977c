import { describe, expect, it } from 'vitest';
import { applyGate, DEFAULT_GATE, type EvaluationFigures, failedRulesText } from '../quality-gate.js';

const perfect: EvaluationFigures = {
  n: 1000,
  positives: 500,
  recall: 1,
  falseEdible: 0,
  accuracy: 1,
  servedFalseEdible: 0,
  uncertainShare: 0,
};

describe('applyGate', () => {
  it('passes a perfect candidate with no Production version (absolute rules only)', () => {
    const v = applyGate(DEFAULT_GATE, perfect, null);
    expect(v.passed).toBe(true);
    expect(v.rules.map((r) => r.rule)).toEqual([
      'min-recall',
      'max-false-edible',
      'max-served-false-edible',
      'min-accuracy',
    ]);
    expect(v.rules[0].message).toBe('recall 1.0000 ≥ minimum 0.9990');
  });

  it('names each failed rule with the figures', () => {
    const bad = { ...perfect, recall: 0.995, falseEdible: 3, accuracy: 0.98 };
    const v = applyGate(DEFAULT_GATE, bad, null);
    expect(v.passed).toBe(false);
    expect(failedRulesText(v.rules)).toBe(
      'min-recall: recall 0.9950 < minimum 0.9990; max-false-edible: false-edible 3 > maximum 0; ' +
        'min-accuracy: accuracy 0.9800 < minimum 0.9900',
    );
  });

  it('allows regressions within the tolerance and refuses larger ones', () => {
    const loose = { minRecall: 0, maxFalseEdible: 100, minAccuracy: 0, tolerance: 0.001 };
    const prod = { version: 3, figures: perfect };
    expect(applyGate(loose, { ...perfect, accuracy: 0.9995 }, prod).passed).toBe(true);
    const worse = applyGate(loose, { ...perfect, accuracy: 0.998 }, prod);
    expect(worse.passed).toBe(false);
    expect(failedRulesText(worse.rules)).toBe(
      'no-regression-accuracy: accuracy 0.9980 < Production v3 1.0000 − tolerance 0.001 = 0.9990',
    );
    // ⌊0.001 × 500⌋ = 0 extra false-edible allowed at this size; 2 extra at 2,000 poisonous rows
    expect(applyGate({ ...loose, tolerance: 0.0001 }, { ...perfect, falseEdible: 1 }, prod).passed).toBe(
      false,
    );
    expect(applyGate(loose, { ...perfect, positives: 2000, falseEdible: 2 }, prod).passed).toBe(true);
  });

  it('fails when Production cannot be evaluated on the same rows', () => {
    const v = applyGate(DEFAULT_GATE, perfect, { version: 1, figures: null, note: 'other schema' });
    expect(v.passed).toBe(false);
    expect(failedRulesText(v.rules)).toBe(
      'comparable-production: cannot compare with Production v1 on the same rows: other schema',
    );
  });
});
