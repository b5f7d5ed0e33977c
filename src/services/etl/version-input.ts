/**
 * What every way of making a dataset version shares: the version record built from its rows and split
 * (profile, fitted encoders, counts), and the invalid-share check that refuses too many bad rows.
 */
import { SporeprintError } from '../../core/index.js';
import {
  type CleanRecord,
  type DatasetSchema,
  encodersFromProfile,
  ProfileBuilder,
  type SplitCode,
} from '../../data/index.js';
import { type DatasetVersionRecord, type QuarantineInput, SPLIT_CODE } from '../../storage/index.js';
import type { VersionParams } from './etl-types.js';

/** Species facts and label conflicts kept in a version's counts. */
export interface ExtraCounts {
  species: { derived: boolean; count: number; reason: string | null };
  labelConflicts: { index: number; line: number; species: string; expected: 'e' | 'p'; actual: 'e' | 'p' }[];
}

/** Which version to build: its id, source, schema, parameters and split. */
export interface VersionTarget {
  readonly sourceId: string;
  readonly datasetId: string;
  readonly schema: DatasetSchema;
  readonly params: VersionParams;
  /** One split code per data row of the source. */
  readonly split: Uint8Array;
}

/**
 * The version over `target.split` of `records` (every valid row of the source): the profile of the
 * rows in a split (a valid row kept out of every split is left out), the encoders fitted on the
 * training split only, and the counts per class and split.
 */
export function versionInput(
  target: VersionTarget,
  records: Iterable<CleanRecord>,
  extra: ExtraCounts,
): Omit<DatasetVersionRecord, 'createdAt'> {
  const { schema, split, params } = target;
  const profile = new ProfileBuilder(schema);
  const trainProfile = new ProfileBuilder(schema);
  for (const r of records) {
    const s = split[r.index] as SplitCode;
    if (split[r.index] === SPLIT_CODE.none) continue;
    profile.add(r, s);
    if (s === SPLIT_CODE.train) trainProfile.add(r, s);
  }
  const built = profile.build();
  const encoders = encodersFromProfile(trainProfile.build(), schema);
  return {
    id: target.datasetId,
    sourceId: target.sourceId,
    schemaName: schema.name,
    splitKind: params.split,
    seed: params.seed,
    params,
    split,
    counts: { classes: built.classes, splits: built.splits, classBySplit: built.classBySplit, ...extra },
    profile: built,
    preprocessing: { linear: encoders.linear.toJSON(), tree: encoders.tree.toJSON() },
  };
}

/** What {@link checkInvalidShare} judges: how many of how many were invalid, and the first problems. */
export interface InvalidShare {
  readonly total: number;
  readonly invalid: number;
  readonly firstProblems: readonly QuarantineInput[];
  /** What the total counts, for the message (`rows`, `labelled production records`). */
  readonly noun: string;
  /** Where a problem is, for the message (default `line N`). */
  readonly where?: (q: QuarantineInput) => string;
  /** The message when there is nothing at all. */
  readonly empty: string;
}

/**
 * Refuses (`SP_ERR_INVALID_SHARE`, naming the first problems) more invalid items than `threshold`
 * allows, or only invalid ones; `SP_ERR_INPUT_EMPTY` when there are none at all.
 */
export function checkInvalidShare(s: InvalidShare, threshold: number): void {
  if (s.total === 0) {
    throw new SporeprintError('SP_ERR_INPUT_EMPTY', s.empty);
  }
  const share = s.invalid / s.total;
  if (share > threshold || s.invalid === s.total) {
    const where = s.where ?? ((q: QuarantineInput) => `line ${q.line}`);
    const first = s.firstProblems
      .slice(0, 3)
      .map((q) => `${where(q)}${q.column ? ` column ${q.column}` : ''}: ${q.reason}`)
      .join('; ');
    throw new SporeprintError(
      'SP_ERR_INVALID_SHARE',
      `${s.invalid.toLocaleString('en-US')} of ${s.total.toLocaleString('en-US')} ${s.noun} ` +
        `(${(100 * share).toFixed(2)}%) are invalid, above the ${(100 * threshold).toFixed(2)}% threshold; ` +
        `nothing was loaded. First problems: ${first}`,
      { invalidRows: s.invalid, dataRows: s.total, threshold },
    );
  }
}
