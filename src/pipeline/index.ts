/**
 * Pipelines: specs validated into frozen plans (`dag/`, pure) and the runners that transport a plan's
 * task jobs (`runner/`: in-process, or BullMQ workers). This file is the module's only public entry.
 */

export { type AirflowDagInput, airflowDag } from './dag/airflow-dag.js';
export { nextSteps } from './dag/next-steps.js';
export {
  type JsonValue,
  type NextSteps,
  OPEN_TASK_STATES,
  type ParamSpec,
  type PipelinePlan,
  type PipelineSpec,
  type PlannedTask,
  type RetryPolicy,
  type RetrySpec,
  RUN_STATES,
  type RunState,
  TASK_STATES,
  type TaskJob,
  type TaskParamValue,
  type TaskRunner,
  type TaskSpec,
  type TaskState,
} from './dag/pipeline-types.js';
export {
  checkPipelineSpec,
  PIPELINE_ID_PATTERN,
  type PlanOptions,
  planPipeline,
} from './dag/plan-pipeline.js';
export { resetSet } from './dag/reset-set.js';
export { canRetry, RETRY_DEFAULTS, retryDelayMs } from './dag/retry-delay.js';
export { downstreamOf, type GraphTask, upstreamOf } from './dag/task-graph.js';
export {
  bullmqJobId,
  checkTaskJob,
  DEFAULT_TASK_QUEUE,
  type QueueTarget,
  type RedisTarget,
  TASK_JOB_SCHEMA,
} from './runner/bullmq-connection.js';
export {
  type BullmqDispatcher,
  type BullmqDispatcherOptions,
  createBullmqDispatcher,
} from './runner/bullmq-runner.js';
export {
  type BullmqWorker,
  type BullmqWorkerEvent,
  type BullmqWorkerOptions,
  startBullmqWorker,
} from './runner/bullmq-worker.js';
export {
  createLocalRunner,
  type LocalRunner,
  type LocalRunnerOptions,
  type LocalRunnerStats,
  type TaskJobHandler,
  taskJobKey,
} from './runner/local-runner.js';
export { pingRedis } from './runner/redis-client.js';
