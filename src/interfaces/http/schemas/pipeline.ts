/** TypeBox schemas of the pipelines routes: parameters, bodies, queries and answers. */
import { type Static, Type } from 'typebox';
import { RUN_STATES, TASK_STATES } from '../../../pipeline/index.js';
import { orNull } from './experiment.js';
import { nullable } from './prediction.js';

const enumOf = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const MaybeTime = nullable({ type: 'string', format: 'date-time' });
const MaybeText = nullable({ type: 'string' });
const Json = (description: string) => Type.Unknown({ description });

const PipelineName = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'pipeline name' });
const RUN_ID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const RunId = Type.String({ pattern: RUN_ID, description: 'pipeline run id (a UUID v7)' });
const TaskId = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'task id' });

export const NameParams = Type.Object({ name: PipelineName });
export const RunParams = Type.Object({ id: RunId });

const ParamValue = Type.Union([Type.String({ maxLength: 4096 }), Type.Number(), Type.Boolean()]);

export const StartBody = orNull(
  Type.Object(
    {
      params: Type.Optional(
        Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,63}$' }), ParamValue, {
          maxProperties: 64,
          description: 'pipeline parameters (see GET /v1/pipelines); the others take their defaults',
        }),
      ),
    },
    { additionalProperties: false },
  ),
);
export type StartBodyType = Static<typeof StartBody>;

export const EmptyBody = orNull(Type.Object({}, { additionalProperties: false }));

export const RunListQuery = Type.Object(
  {
    pipeline: Type.Optional(PipelineName),
    state: Type.Optional(enumOf(RUN_STATES, 'only runs in this state')),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 200, default: 20, description: 'at most (20)' }),
    ),
    before: Type.Optional(
      Type.String({ pattern: RUN_ID, description: 'runs created before this run id (paging)' }),
    ),
  },
  { additionalProperties: false },
);

export const LogsQuery = Type.Object(
  {
    task: Type.Optional(TaskId),
    after: Type.Optional(
      Type.Integer({ minimum: 0, description: 'only lines after this log id (following)' }),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, default: 200, description: 'at most (200)' }),
    ),
  },
  { additionalProperties: false },
);

const ParamSpecSchema = Type.Object(
  {
    type: Type.String(),
    description: Type.Optional(Type.String()),
    required: Type.Optional(Type.Boolean()),
    default: Type.Optional(ParamValue),
    enum: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true },
);

export const PipelineSummarySchema = Type.Object({
  name: Type.String(),
  description: MaybeText,
  source: Type.String({ description: '`built-in`, or the module that defines it' }),
  params: Type.Record(Type.String(), ParamSpecSchema),
  tasks: Type.Array(
    Type.Object({ id: Type.String(), kind: Type.String(), dependsOn: Type.Array(Type.String()) }),
  ),
});

export const RunRecordSchema = Type.Object(
  {
    id: Type.String(),
    pipeline: Type.String(),
    params: Type.Record(Type.String(), ParamValue),
    plan: Json('the frozen plan the run executes (tasks with resolved params, retries, timeouts)'),
    state: enumOf(RUN_STATES),
    triggerKind: Type.String({ description: 'manual, api, schedule, alert, folder or airflow' }),
    triggerRef: MaybeText,
    dedupeKey: MaybeText,
    executor: Type.String({ description: 'local, bullmq or external (Airflow)' }),
    runnerOwner: MaybeText,
    runnerHeartbeatAt: MaybeTime,
    pausedReason: MaybeText,
    error: MaybeText,
    outcome: Json('what the run decided (the output of its last task), null until it succeeds'),
    createdBy: MaybeText,
    createdAt: Timestamp,
    startedAt: MaybeTime,
    finishedAt: MaybeTime,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);

const TaskSchema = Type.Object(
  {
    runId: Type.String(),
    taskId: Type.String(),
    kind: Type.String(),
    state: enumOf(TASK_STATES),
    attempt: Type.Integer({ description: 'the current (or last) attempt, from 1; 0 before the first' }),
    maxAttempts: Type.Integer(),
    worker: MaybeText,
    queuedAt: MaybeTime,
    startedAt: MaybeTime,
    heartbeatAt: MaybeTime,
    finishedAt: MaybeTime,
    durationMs: nullable({ type: 'number' }),
    nextAttemptAt: MaybeTime,
    progress: nullable({ type: 'number', description: '0-1 while running, when the task reports it' }),
    progressNote: MaybeText,
    output: Json("the task's output (JSON), read by the tasks that depend on it"),
    error: MaybeText,
  },
  { additionalProperties: false },
);

export const RunViewSchema = Type.Object({
  run: RunRecordSchema,
  tasks: Type.Array(TaskSchema),
  attempts: Type.Array(
    Type.Object(
      {
        runId: Type.String(),
        taskId: Type.String(),
        attempt: Type.Integer(),
        worker: MaybeText,
        state: Type.String(),
        startedAt: Timestamp,
        finishedAt: MaybeTime,
        error: MaybeText,
      },
      { additionalProperties: false },
    ),
  ),
  links: Type.Array(
    Type.Object(
      {
        runId: Type.String(),
        kind: Type.String({ description: 'dataset, training-run, model-version or experiment' }),
        ref: Type.String(),
        taskId: Type.String(),
      },
      { additionalProperties: false },
    ),
  ),
});

export const LogLineSchema = Type.Object(
  {
    id: Type.Integer(),
    runId: Type.String(),
    taskId: Type.String(),
    attempt: Type.Integer(),
    at: Timestamp,
    level: Type.String(),
    message: Type.String(),
  },
  { additionalProperties: false },
);
