/**
 * The statistics of an experiment (pure, no I/O): per-challenger comparisons on the primary metric, the
 * false-edible guardrail, the SRM check and the decision the experiments service applies.
 */
export type {
  ChallengerAnalysis,
  DecisionAction,
  DecisionFigures,
  ExperimentAnalysis,
  ExperimentDecision,
  MetricCounts,
  PrimaryComparison,
} from './analysis-types.js';
export { analyzeExperiment } from './analyze-experiment.js';
export { higherIsBetter, metricCounts } from './primary-comparison.js';
