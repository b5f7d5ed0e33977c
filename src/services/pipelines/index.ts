/**
 * Pipelines as a service: the catalogue (built-in `retrain` pipeline and task kinds, user modules),
 * the service that starts, advances, executes, retries, cancels and resumes runs, and the types the
 * CLI and HTTP API render.
 */
export type {
  ExecutorKind,
  LinkKind,
  PipelineAttemptRecord,
  PipelineLinkRecord,
  PipelineLogRecord,
  PipelineRunRecord,
  PipelineTaskRecord,
  RunListFilter,
  TriggerKind,
} from '../../storage/index.js';
export { builtInModule } from './built-in-module.js';
export type { DeployDeps } from './deploy-task.js';
export {
  type CatalogueModule,
  PipelineCatalogue,
  type PipelineSummary,
} from './pipeline-catalogue.js';
export {
  dueTick,
  type PipelineSchedule,
  type PipelineScheduler,
  type SchedulerOptions,
  type StartRun,
  scheduleDedupeKey,
  startPipelineScheduler,
  validateSchedules,
} from './pipeline-scheduler.js';
export { PipelineService, type PipelineServiceDeps } from './pipeline-service.js';
export type {
  PipelineModule,
  PipelineRuntime,
  PipelineRunView,
  RunTrigger,
  TaskContext,
  TaskHandler,
} from './pipeline-service-types.js';
export {
  DEPLOY_MODES,
  type DeployMode,
  RETRAIN_MODELS,
  type RetrainDefaults,
  retrainPipeline,
} from './retrain-pipeline.js';
export type { BuiltInTaskDeps } from './retrain-tasks.js';
export type { SingleTaskResult } from './single-task.js';
