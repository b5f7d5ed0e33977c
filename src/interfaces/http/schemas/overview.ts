/** TypeBox schema of the dashboard's Overview (`GET /v1/overview`, and each `overview` event of `/v1/events`). */
import { Type } from 'typebox';
import { nullable } from './prediction.js';

const Time = Type.String({ format: 'date-time' });
const MaybeTime = nullable({ type: 'string', format: 'date-time' });
const MaybeNumber = nullable({ type: 'number' });
const Decisions = Type.Object({
  edible: Type.Integer(),
  poisonous: Type.Integer(),
  uncertain: Type.Integer(),
});

const ModelSchema = Type.Object({
  name: Type.String(),
  latestVersion: Type.Integer(),
  productionVersion: nullable({ type: 'integer' }),
  figures: Type.Union(
    [
      Type.Object({
        recall: MaybeNumber,
        falseEdible: MaybeNumber,
        accuracy: MaybeNumber,
        n: MaybeNumber,
      }),
      Type.Null(),
    ],
    { description: "the Production version's figures on its test split (null: no Production version)" },
  ),
});

const ExperimentSchema = Type.Object({
  id: Type.String(),
  modelName: Type.String(),
  status: Type.String(),
  description: nullable({ type: 'string' }),
  arms: Type.Array(
    Type.Object({ name: Type.String(), version: Type.Integer(), role: Type.String(), weight: Type.Number() }),
  ),
  startedAt: MaybeTime,
  statusReason: nullable({ type: 'string' }),
});

const AlertSchema = Type.Object({
  fingerprint: Type.String(),
  ruleName: Type.String(),
  state: Type.String(),
  severity: Type.String(),
  summary: Type.String(),
  value: MaybeNumber,
  since: Time,
  silencedBy: Type.Array(Type.String()),
});

const RunSchema = Type.Object({
  id: Type.String(),
  pipeline: Type.String(),
  state: Type.String(),
  startedAt: MaybeTime,
  tasks: Type.Object({
    total: Type.Integer(),
    succeeded: Type.Integer(),
    running: Type.Integer(),
    failed: Type.Integer(),
  }),
  pausedReason: nullable({ type: 'string' }),
});

/** The Overview. */
export const OverviewSchema = Type.Object(
  {
    at: Time,
    models: Type.Array(ModelSchema),
    experiments: Type.Union([Type.Array(ExperimentSchema), Type.Null()], {
      description: 'running and paused experiments (null: no experiments here)',
    }),
    alerts: Type.Union(
      [Type.Object({ firing: Type.Array(AlertSchema), pending: Type.Array(AlertSchema) }), Type.Null()],
      { description: 'pending and firing alerts (null: no alerts here)' },
    ),
    pipelines: Type.Union([Type.Array(RunSchema), Type.Null()], {
      description: 'pipeline runs in progress, running or paused (null: no pipelines here)',
    }),
    predictions: Type.Object(
      {
        from: Time,
        to: Time,
        total: Type.Integer(),
        decisions: Decisions,
        perMinute: Type.Number({
          description: 'predictions per minute: the current minute and the four before it, divided by 5',
        }),
        minutes: Type.Array(Type.Object({ minute: Time, ...Decisions.properties }), {
          description: 'minutes with predictions, oldest first',
        }),
      },
      { description: 'answered predictions of the last hour, every model (shadow scores left out)' },
    ),
    problems: Type.Array(Type.String(), { description: 'parts that could not be read this time' }),
  },
  { description: "the dashboard's Overview: every part of the system at one moment" },
);
