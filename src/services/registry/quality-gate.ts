/** The quality gate on promotion to Production: thresholds and the verdict, pure functions only. */

/** Gate thresholds (from config). */
export interface GateConfig {
  /** Minimum poisonous recall on the test split (default 0.999). */
  readonly minRecall: number;
  /** Maximum false-edible count on the test split (default 0). */
  readonly maxFalseEdible: number;
  /** Minimum accuracy on the test split (default 0.99). */
  readonly minAccuracy: number;
  /** Allowed regression against the current Production version, on the same rows (default 0.001). */
  readonly tolerance: number;
}

/** The defaults of {@link GateConfig}. */
export const DEFAULT_GATE: GateConfig = Object.freeze({
  minRecall: 0.999,
  maxFalseEdible: 0,
  minAccuracy: 0.99,
  tolerance: 0.001,
});

/** Figures of one pipeline on a labelled set (poisonous = positive, threshold 0.5 unless stated). */
export interface EvaluationFigures {
  /** Rows evaluated. */
  readonly n: number;
  /** Poisonous rows among them. */
  readonly positives: number;
  /** Poisonous recall tp / (tp + fn) at p ≥ 0.5. */
  readonly recall: number;
  /** Poisonous rows predicted edible at p ≥ 0.5 (fn). */
  readonly falseEdible: number;
  readonly accuracy: number;
  /** Poisonous rows the pipeline's decision policy answers "edible" (what serving would say). */
  readonly servedFalseEdible: number;
  /** Share of rows the decision policy answers "uncertain". */
  readonly uncertainShare: number;
}

/** One rule of the gate and how the candidate fared. */
export interface GateRule {
  /** Stable rule id: `min-recall`, `max-false-edible`, `max-served-false-edible`, `min-accuracy`, `no-regression-recall`, `no-regression-false-edible`, `no-regression-accuracy`, `comparable-production`. */
  readonly rule: string;
  readonly passed: boolean;
  /** The candidate's figure. */
  readonly actual: number;
  /** The bound it is held to. */
  readonly limit: number;
  /** E.g. `recall 0.9950 < minimum 0.9990` or `recall 1.0000 ≥ minimum 0.9990`. */
  readonly message: string;
}

/** The gate's verdict on one candidate. */
export interface GateVerdict {
  readonly passed: boolean;
  readonly rules: readonly GateRule[];
  /** The dataset version whose test split both models were evaluated on. */
  readonly datasetId: string;
  readonly candidate: { readonly version: number; readonly figures: EvaluationFigures };
  /** The version in Production at evaluation time and its figures on the same rows, or `null`. */
  readonly production: {
    readonly version: number;
    /** `null` when it could not be evaluated on these rows (e.g. another dataset schema). */
    readonly figures: EvaluationFigures | null;
    readonly note?: string;
  } | null;
  readonly config: GateConfig;
}

const f4 = (x: number): string => x.toFixed(4);

function atLeast(rule: string, what: string, actual: number, limit: number, bound: string): GateRule {
  const passed = actual >= limit;
  return {
    rule,
    passed,
    actual,
    limit,
    message: `${what} ${f4(actual)} ${passed ? '≥' : '<'} ${bound} ${f4(limit)}`,
  };
}

function atMost(rule: string, what: string, actual: number, limit: number, bound: string): GateRule {
  const passed = actual <= limit;
  return {
    rule,
    passed,
    actual,
    limit,
    message: `${what} ${actual} ${passed ? '≤' : '>'} ${bound} ${limit}`,
  };
}

/**
 * Applies the gate: absolute thresholds on the candidate, then no regression beyond the tolerance
 * against the Production figures measured on the same rows (recall and accuracy may drop by at most
 * `tolerance`; the false-edible count may grow by at most ⌊tolerance × poisonous rows⌋).
 */
export function applyGate(
  config: GateConfig,
  candidate: EvaluationFigures,
  production: {
    readonly version: number;
    readonly figures: EvaluationFigures | null;
    readonly note?: string;
  } | null,
): { passed: boolean; rules: GateRule[] } {
  const rules: GateRule[] = [
    atLeast('min-recall', 'recall', candidate.recall, config.minRecall, 'minimum'),
    atMost('max-false-edible', 'false-edible', candidate.falseEdible, config.maxFalseEdible, 'maximum'),
    atMost(
      'max-served-false-edible',
      'served false-edible (decision policy)',
      candidate.servedFalseEdible,
      config.maxFalseEdible,
      'maximum',
    ),
    atLeast('min-accuracy', 'accuracy', candidate.accuracy, config.minAccuracy, 'minimum'),
  ];
  if (production !== null) {
    const p = production.figures;
    const v = `Production v${production.version}`;
    if (p === null) {
      rules.push({
        rule: 'comparable-production',
        passed: false,
        actual: Number.NaN,
        limit: Number.NaN,
        message: `cannot compare with ${v} on the same rows${production.note ? `: ${production.note}` : ''}`,
      });
    } else {
      rules.push(
        atLeast(
          'no-regression-recall',
          'recall',
          candidate.recall,
          p.recall - config.tolerance,
          `${v} ${f4(p.recall)} − tolerance ${config.tolerance} =`,
        ),
        atMost(
          'no-regression-false-edible',
          'false-edible',
          candidate.falseEdible,
          p.falseEdible + Math.floor(config.tolerance * candidate.positives + 1e-9),
          `${v} ${p.falseEdible} + tolerance =`,
        ),
        atLeast(
          'no-regression-accuracy',
          'accuracy',
          candidate.accuracy,
          p.accuracy - config.tolerance,
          `${v} ${f4(p.accuracy)} − tolerance ${config.tolerance} =`,
        ),
      );
    }
  }
  return { passed: rules.every((r) => r.passed), rules };
}

/** The one-line summary of the failed rules, for error messages. */
export function failedRulesText(rules: readonly GateRule[]): string {
  return rules
    .filter((r) => !r.passed)
    .map((r) => `${r.rule}: ${r.message}`)
    .join('; ');
}
