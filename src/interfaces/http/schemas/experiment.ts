/** TypeBox schemas of the experiments routes: bodies, parameters and answers. */
import { type Static, type TObject, Type } from 'typebox';
import { nullable } from './prediction.js';

/** An optional body: the object, or none at all (validated as null). */
export function orNull<T extends TObject>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: ['object', 'null'] });
}

const MAX_TEXT = 1000;
const ARM_NAME = '^[a-z0-9][a-z0-9_-]{0,31}$';
const STATUSES = ['draft', 'running', 'paused', 'stopped', 'concluded'] as const;

const enumOf = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

export const ExperimentId = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]{2,63}$',
  description: 'experiment id (e.g. exp-3f2a9c01b4de)',
});
export const IdParams = Type.Object({ id: ExperimentId });

export const Reason = Type.String({
  minLength: 1,
  maxLength: MAX_TEXT,
  description: `why (recorded in the history; at most ${MAX_TEXT} characters)`,
});
const Weight = Type.Number({ minimum: 0, maximum: 1e9, description: 'relative share of the traffic' });

export const ListQuery = Type.Object(
  {
    model: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', description: 'model name' }),
    ),
    status: Type.Optional(enumOf(STATUSES, 'only experiments in this status')),
  },
  { additionalProperties: false },
);

const ArmInput = Type.Object(
  {
    name: Type.Optional(
      Type.String({ pattern: ARM_NAME, description: 'default: the role (challenger-2, …)' }),
    ),
    version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
    role: enumOf(['control', 'challenger', 'shadow'] as const),
    weight: Type.Optional(Type.Number({ minimum: 0, maximum: 1e9, description: 'default 1 (shadows: 0)' })),
  },
  { additionalProperties: false },
);

const SettingsInput = Type.Object(
  {
    primaryMetric: Type.Optional(enumOf(['accuracy', 'poisonous_recall', 'false_edible_rate'] as const)),
    engine: Type.Optional(enumOf(['bayesian', 'frequentist'] as const, 'default bayesian (GrowthBook)')),
    sequential: Type.Optional(Type.Boolean()),
    sequentialTuning: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'N*' })),
    alpha: Type.Optional(Type.Number({ minimum: 1e-6, maximum: 0.5 })),
    correction: Type.Optional(enumOf(['holm-bonferroni', 'benjamini-hochberg', 'none'] as const)),
    guardrailMargin: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    minLabelledPerArm: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
    maxDurationHours: Type.Optional(
      Type.Unsafe<number | null>({ type: ['number', 'null'], minimum: 0.001, maximum: 24 * 366 }),
    ),
  },
  { additionalProperties: false },
);

export const CreateBody = Type.Object(
  {
    id: Type.Optional(ExperimentId),
    model: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$',
      description: 'registered model name',
    }),
    description: Type.Optional(Type.String({ maxLength: MAX_TEXT })),
    assignment: Type.Optional(enumOf(['client', 'request'] as const, 'default client (X-Client-Id)')),
    arms: Type.Array(ArmInput, { minItems: 2, maxItems: 16 }),
    settings: Type.Optional(SettingsInput),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

export const ReasonBody = orNull(
  Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false }),
);

export const ConcludeBody = orNull(
  Type.Object(
    {
      winner: Type.Optional(
        Type.String({ pattern: ARM_NAME, description: "default: the analysis's winner" }),
      ),
      reason: Type.Optional(Reason),
      force: Type.Optional(Type.Boolean({ description: 'override a failed quality gate (needs a reason)' })),
    },
    { additionalProperties: false },
  ),
);

export const WeightsBody = Type.Object(
  {
    weights: Type.Record(Type.String({ pattern: ARM_NAME }), Weight, {
      minProperties: 1,
      maxProperties: 16,
      description: 'arm name → new weight (other arms keep theirs)',
    }),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const MaybeTime = nullable({ type: 'string', format: 'date-time' });

export const ExperimentRecordSchema = Type.Object(
  {
    id: Type.String(),
    modelName: Type.String(),
    description: nullable({ type: 'string' }),
    status: enumOf(STATUSES),
    assignment: Type.String(),
    arms: Type.Array(
      Type.Object({
        name: Type.String(),
        version: Type.Integer(),
        role: Type.String(),
        weight: Type.Number(),
      }),
    ),
    settings: Type.Object({}, { additionalProperties: true }),
    createdAt: Timestamp,
    createdBy: Type.String(),
    startedAt: MaybeTime,
    stoppedAt: MaybeTime,
    concludedAt: MaybeTime,
    winner: nullable({ type: 'string' }),
    statusReason: nullable({ type: 'string' }),
  },
  { additionalProperties: true },
);

const ArmMetricsSchema = Type.Object(
  {
    arm: Type.String(),
    version: Type.Integer(),
    role: Type.String(),
    requests: Type.Integer(),
    units: Type.Integer(),
    labelled: Type.Integer(),
    correct: Type.Integer(),
    poisonousLabelled: Type.Integer(),
    poisonousCaught: Type.Integer(),
    falseEdible: Type.Integer(),
    uncertain: Type.Integer(),
    latencyP50Us: nullable({ type: 'number' }),
    latencyP95Us: nullable({ type: 'number' }),
  },
  { additionalProperties: true },
);

export const ExperimentViewSchema = Type.Object({
  experiment: ExperimentRecordSchema,
  metrics: Type.Union([Type.Array(ArmMetricsSchema), Type.Null()], {
    description: 'per-arm figures from the prediction log and feedback (null: not available)',
  }),
  analysis: Type.Unknown({
    description: 'effects, intervals, chance to win, guardrail, SRM and the decision (null: not available)',
  }),
  disagreement: Type.Union(
    [
      Type.Array(
        Type.Object({
          arm: Type.String({ description: 'a shadow arm' }),
          control: Type.String({ description: 'the control arm' }),
          cells: Type.Array(
            Type.Object({
              control: Type.String({ enum: ['edible', 'poisonous', 'uncertain'] }),
              other: Type.String({ enum: ['edible', 'poisonous', 'uncertain'] }),
              count: Type.Integer(),
            }),
          ),
        }),
      ),
      Type.Null(),
    ],
    {
      description:
        "per shadow arm, its decisions against the control's on the same requests (9 cells; e.g. control poisonous, shadow edible: the shadow would have called a mushroom edible that the control did not); null: not available",
    },
  ),
});

export const ExperimentEventSchema = Type.Object(
  {
    seq: Type.Integer(),
    experimentId: Type.String(),
    at: Timestamp,
    actor: Type.String(),
    action: Type.String(),
    fromStatus: nullable({ type: 'string' }),
    toStatus: Type.String(),
    reason: nullable({ type: 'string' }),
    details: Type.Unknown(),
  },
  { additionalProperties: true },
);

export const ConcludeResultSchema = Type.Object({
  experiment: ExperimentRecordSchema,
  winner: Type.Object({ name: Type.String(), version: Type.Integer() }, { additionalProperties: true }),
  promotion: Type.Unknown({
    description: "the registry's promotion (null: the winner was already in Production)",
  }),
});
