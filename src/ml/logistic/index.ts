export type { ClassWeight } from '../validate-input.js';
export { type LbfgsOptions, type MinimizeResult, minimizeLbfgs, type Objective } from './lbfgs.js';
export {
  LogisticRegression,
  type LogisticRegressionJSON,
  type LogisticRegressionParams,
} from './logistic-regression.js';
export { LOGISTIC_REGRESSION_SCHEMA } from './schema.js';
