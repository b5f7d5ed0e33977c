import { type TSchema, Type } from 'typebox';

/** `schema` or null, as a type array (fast-json-stringify serialises it without trying branches). */
export function nullable<T extends { type: string }>(schema: T): TSchema {
  return Type.Unsafe({ ...schema, type: [schema.type, 'null'] });
}

/** What `novelty` means, for every answer that carries it. */
export const NOVELTY_DESCRIPTION =
  'Novelty score of the unknown-species guard: the distance to the nearest training record — 0 for a mushroom identical to one seen in training, then nominal mismatches (each weighted by how rigid the feature is in the training data) plus IQR-scaled numeric differences, saturating at radius + 1 (2 with the default radius 1). Above `noveltyThreshold` (the guard\'s threshold: the 95th percentile of the scores of the validation split) the answer is "uncertain" with the reason "unlike any species in the training data". null when the model has no guard.';

/** What `noveltyThreshold` means. */
export const NOVELTY_THRESHOLD_DESCRIPTION =
  "The unknown-species guard's threshold for this model version (see `novelty`); null without a guard.";

/** What `arm` means, in every answer that carries it. */
export const ARM_DESCRIPTION =
  'the arm of the running A/B experiment that answered (e.g. "control", "challenger"); null when no experiment runs on the model';

/** What `experiment` means, in every answer that carries it. */
export const EXPERIMENT_DESCRIPTION =
  'the id of the running A/B experiment whose arm answered; null when no experiment runs on the model';

/** The decision of an answer. */
export const DecisionSchema = Type.Unsafe<'edible' | 'poisonous' | 'uncertain'>({
  type: 'string',
  enum: ['edible', 'poisonous', 'uncertain'],
  description: 'poisonous is the positive class; "uncertain" rather than a guess of "edible"',
});

const ExplanationSchema = Type.Object({
  base: Type.Number({ description: "the model's expected raw score" }),
  contributions: Type.Array(
    Type.Object({
      feature: Type.String(),
      value: Type.Unsafe<string | number | null>({ type: ['string', 'number', 'null'] }),
      contribution: Type.Number({ description: 'to the raw score (log-odds)' }),
    }),
    { description: 'the top five features by absolute contribution (TreeSHAP, or coefficient × value)' },
  ),
});

/** The answer of `POST /v1/predict`. */
export const PredictionSchema = Type.Object({
  predictionId: Type.String({ description: 'UUID v7 of the stored prediction (for feedback)' }),
  decision: DecisionSchema,
  probability: Type.Number({ minimum: 0, maximum: 1, description: 'P(poisonous)' }),
  model: Type.Object({ name: Type.String(), version: Type.Integer() }),
  arm: nullable({ type: 'string', description: ARM_DESCRIPTION }),
  experiment: nullable({ type: 'string', description: EXPERIMENT_DESCRIPTION }),
  warnings: Type.Array(Type.String(), {
    description:
      'e.g. "missing features: cap-shape, odor" (absent or null features, predicted as missing), or a numeric value far outside the training range',
  }),
  novelty: nullable({ type: 'number', description: NOVELTY_DESCRIPTION }),
  noveltyThreshold: nullable({ type: 'number', description: NOVELTY_THRESHOLD_DESCRIPTION }),
  reason: nullable({ type: 'string', description: 'why the answer is "uncertain" (null otherwise)' }),
  explanation: Type.Optional(ExplanationSchema),
});
