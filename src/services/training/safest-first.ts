import type { ModelMetrics } from './training-types.js';

/** The test figures that rank trained models by safety (see {@link compareSafest}). */
export interface SafetyFigures {
  /** Poisonous rows answered "edible" by the decision policy (what users are served). */
  readonly servedFalseEdible: number;
  /** Poisonous rows with p < 0.5. */
  readonly falseEdible: number;
  readonly recall: number;
  readonly accuracy: number;
}

/** A trained model's safety figures on its test split. */
export function safetyFigures(metrics: Pick<ModelMetrics, 'test' | 'policy'>): SafetyFigures {
  return {
    servedFalseEdible: metrics.policy.test.falseEdible,
    falseEdible: metrics.test.falseEdible,
    recall: metrics.test.recall,
    accuracy: metrics.test.accuracy,
  };
}

/**
 * Orders candidates safest first: fewest poisonous answered edible as served, then fewest at p < 0.5,
 * then highest recall, then highest accuracy (what `sporeprint start` and the `retrain` pipeline
 * promote first).
 */
export function compareSafest(a: SafetyFigures, b: SafetyFigures): number {
  return (
    a.servedFalseEdible - b.servedFalseEdible ||
    a.falseEdible - b.falseEdible ||
    b.recall - a.recall ||
    b.accuracy - a.accuracy
  );
}
