import { z } from 'zod';
import { SporeprintError } from '../../core/index.js';

/** Format version written by `NoveltyDetector.toJSON()`. */
export const NOVELTY_DETECTOR_FORMAT_VERSION = 1;
/** Format version written by `NoveltyGuard.toJSON()`. */
export const NOVELTY_GUARD_FORMAT_VERSION = 1;

const finite = z.number().finite();

const detectorSchema = z
  .object({
    formatVersion: z.literal(NOVELTY_DETECTOR_FORMAT_VERSION),
    kind: z.literal('novelty-detector'),
    method: z.literal('capped-nearest-neighbour'),
    params: z
      .object({
        radius: z.union([z.literal(0), z.literal(1), z.literal(2)]),
        numericWeight: finite.min(0),
        missingPenalty: finite.min(0),
        nominalWeights: z.enum(['uniform', 'learned']),
      })
      .strict(),
    features: z
      .array(
        z.discriminatedUnion('kind', [
          z.object({ name: z.string().min(1), kind: z.literal('numeric') }).strict(),
          z
            .object({
              name: z.string().min(1),
              kind: z.literal('categorical'),
              categories: z.number().int().min(1).max(0xfffd),
            })
            .strict(),
        ]),
      )
      .min(1),
    numericScales: z.array(finite.positive()),
    nominalWeights: z.array(finite.positive().max(1)),
    patternCount: z.number().int().min(1),
    patternCodes: z.array(z.number().int().min(-1)),
    rowStart: z.array(z.number().int().min(0)),
    numerics: z.array(finite.nullable()),
  })
  .strict();

const guardSchema = z
  .object({
    formatVersion: z.literal(NOVELTY_GUARD_FORMAT_VERSION),
    kind: z.literal('novelty-guard'),
    method: z.literal('capped-nearest-neighbour'),
    reason: z.string().min(1),
    quantile: finite.gt(0).max(1),
    threshold: finite.min(0),
    validationRows: z.number().int().min(1),
    detector: z.unknown(),
  })
  .strict();

/** The JSON form of a fitted `NoveltyDetector`. */
export type NoveltyDetectorJSON = z.infer<typeof detectorSchema>;
/** The JSON form of a `NoveltyGuard` (its detector as {@link NoveltyDetectorJSON}). */
export type NoveltyGuardJSON = Omit<z.infer<typeof guardSchema>, 'detector'> & {
  readonly detector: NoveltyDetectorJSON;
};

function parse<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
  const r = schema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    const path = first?.path.join('/') ?? '';
    throw new SporeprintError('SP_ERR_MODEL_FORMAT', `${what}: /${path} ${first?.message ?? 'bad value'}`, {
      path: `/${path}`,
    });
  }
  return r.data;
}

/** Validates detector JSON; throws `SP_ERR_MODEL_FORMAT` naming the failing path. */
export function parseDetectorJson(json: unknown): NoveltyDetectorJSON {
  return parse(detectorSchema, json, 'novelty detector');
}

/** Validates guard JSON (not its detector); throws `SP_ERR_MODEL_FORMAT` naming the failing path. */
export function parseGuardJson(json: unknown): z.infer<typeof guardSchema> {
  return parse(guardSchema, json, 'novelty guard');
}
