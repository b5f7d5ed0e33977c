export { type CalibrationBin, calibrationTable } from './calibration.js';
export { type PrCurve, prCurve, type RocCurve, rocCurve } from './curves.js';
export { type BinaryMetrics, type Confusion, evaluateBinary } from './evaluate-binary.js';
export { type DecisionMetrics, evaluateDecisions } from './evaluate-decisions.js';
