/**
 * A/B experiments between versions of a served model: the deterministic assignment of units to arms
 * and the serving router that follows the model's running experiment.
 */
export { ArmRanges, assignmentPoint, experimentSeed, unitPoint } from './assignment.js';
export {
  ExperimentRouter,
  type ExperimentRouterOptions,
  type RunningExperimentSource,
} from './experiment-router.js';
