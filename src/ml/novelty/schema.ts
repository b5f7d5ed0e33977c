import { type Static, Type } from 'typebox';
import { discriminatedUnion, modelFormatCheck } from '../../core/index.js';

/** Format version written by `NoveltyDetector.toJSON()`. */
export const NOVELTY_DETECTOR_FORMAT_VERSION = 1;
/** Format version written by `NoveltyGuard.toJSON()`. */
export const NOVELTY_GUARD_FORMAT_VERSION = 1;

/*
 * The detector and guard JSON schemas. Objects are strict (no unknown property); every number is also
 * finite, as the shared check (modelFormatCheck) refuses NaN and ±Infinity.
 */
const strict = { additionalProperties: false } as const;
/** An integer count or code, at most 2⁵³ − 1 so that it is exact. */
const count = (minimum: number) => Type.Integer({ minimum, maximum: Number.MAX_SAFE_INTEGER });

const detectorSchema = Type.Object(
  {
    formatVersion: Type.Literal(NOVELTY_DETECTOR_FORMAT_VERSION),
    kind: Type.Literal('novelty-detector'),
    method: Type.Literal('capped-nearest-neighbour'),
    params: Type.Object(
      {
        radius: Type.Enum([0, 1, 2]),
        numericWeight: Type.Number({ minimum: 0 }),
        missingPenalty: Type.Number({ minimum: 0 }),
        nominalWeights: Type.Enum(['uniform', 'learned']),
      },
      strict,
    ),
    features: Type.Array(
      discriminatedUnion('kind', [
        Type.Object({ name: Type.String({ minLength: 1 }), kind: Type.Literal('numeric') }, strict),
        Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            kind: Type.Literal('categorical'),
            categories: Type.Integer({ minimum: 1, maximum: 0xfffd }),
          },
          strict,
        ),
      ]),
      { minItems: 1 },
    ),
    numericScales: Type.Array(Type.Number({ exclusiveMinimum: 0 })),
    nominalWeights: Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    patternCount: count(1),
    patternCodes: Type.Array(count(-1)),
    rowStart: Type.Array(count(0)),
    numerics: Type.Array(Type.Union([Type.Number(), Type.Null()])),
  },
  strict,
);

const guardSchema = Type.Object(
  {
    formatVersion: Type.Literal(NOVELTY_GUARD_FORMAT_VERSION),
    kind: Type.Literal('novelty-guard'),
    method: Type.Literal('capped-nearest-neighbour'),
    reason: Type.String({ minLength: 1 }),
    quantile: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    threshold: Type.Number({ minimum: 0 }),
    validationRows: count(1),
    detector: Type.Unknown(),
  },
  strict,
);

/** The JSON form of a fitted `NoveltyDetector`. */
export type NoveltyDetectorJSON = Static<typeof detectorSchema>;
/** The JSON form of a `NoveltyGuard` (its detector as {@link NoveltyDetectorJSON}). */
export type NoveltyGuardJSON = Omit<Static<typeof guardSchema>, 'detector'> & {
  readonly detector: NoveltyDetectorJSON;
};

/** Validates detector JSON; throws `SP_ERR_MODEL_FORMAT` naming the failing path. */
export const parseDetectorJson: (json: unknown) => NoveltyDetectorJSON = modelFormatCheck(
  detectorSchema,
  'novelty detector',
);

/** Validates guard JSON (not its detector); throws `SP_ERR_MODEL_FORMAT` naming the failing path. */
export const parseGuardJson: (json: unknown) => Static<typeof guardSchema> = modelFormatCheck(
  guardSchema,
  'novelty guard',
);
