export {
  type CalibrationVerdict,
  expectedCalibrationError,
  type NeedsCalibrationOptions,
  needsCalibration,
  rocAuc,
} from './calibration-error.js';
export {
  type Calibrator,
  type EstimatedPerformance,
  type EstimateOptions,
  type ExpectedConfusion,
  estimatePerformance,
} from './estimate-performance.js';
export { IsotonicCalibrator, type IsotonicCalibratorJSON } from './isotonic-calibrator.js';
