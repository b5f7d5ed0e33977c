/**
 * Pipelines: specs validated into frozen plans (`dag/`, pure) and the runners that transport a plan's
 * task jobs (`runner/`: in-process, or BullMQ workers). This file is the module's only public entry.
 */
export {
  type JsonValue,
  type NextSteps,
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
  bullmqJobId,
  checkTaskJob,
  DEFAULT_TASK_QUEUE,
  pingRedis,
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
