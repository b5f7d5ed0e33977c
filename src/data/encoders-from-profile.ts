/**
 * Fitting the encoders from a profile of the training rows instead of the rows themselves, so ETL can
 * stream files of any size: the profile already holds every statistic the encoders learn (categories
 * seen, whether a value was missing, numeric mean and standard deviation).
 */
import { SporeprintError } from '../core/index.js';
import {
  ENCODER_FORMAT_VERSION,
  LinearEncoder,
  type LinearEncoderJson,
  TreeEncoder,
  type TreeEncoderJson,
} from './encoders.js';
import type { ColumnProfile, DatasetProfile } from './profile.js';
import type { DatasetSchema } from './schemas.js';

/** The two fitted encoders of a dataset version. */
export interface FittedEncoders {
  readonly linear: LinearEncoder;
  readonly tree: TreeEncoder;
}

/**
 * Builds both encoders from `trainProfile`, a {@link DatasetProfile} built from the training split only.
 * The result equals `fit(trainRecords)` of each encoder.
 *
 * @example
 * const train = new ProfileBuilder(schema); for (const r of trainRows) train.add(r, 0);
 * const { linear, tree } = encodersFromProfile(train.build(), schema);
 */
export function encodersFromProfile(trainProfile: DatasetProfile, schema: DatasetSchema): FittedEncoders {
  if (trainProfile.rows === 0) {
    throw new SporeprintError('SP_ERR_BAD_DATA', 'cannot fit encoders: the training split has no rows');
  }
  const columns = new Map<string, ColumnProfile>(trainProfile.columns.map((c) => [c.name, c]));
  const linear: LinearEncoderJson['features'] = [];
  const tree: TreeEncoderJson['features'] = [];
  for (const f of schema.features) {
    const col = columns.get(f.name);
    if (col === undefined) {
      throw new SporeprintError('SP_ERR_BAD_DATA', `the training profile has no column '${f.name}'`);
    }
    if (f.kind === 'numeric') {
      const s = col.numeric;
      const n = s?.count ?? 0;
      const mean = n > 0 && s?.mean != null ? s.mean : 0;
      // The profile keeps the sample std (n − 1); the encoder standardises with the population std.
      const popStd = n > 1 && s?.std != null ? s.std * Math.sqrt((n - 1) / n) : 0;
      linear.push({ name: f.name, kind: 'numeric', mean, std: popStd > 0 ? popStd : 1 });
      tree.push({ name: f.name, kind: 'numeric' });
    } else {
      const categories = Object.entries(col.categories ?? {})
        .filter(([, count]) => count > 0)
        .map(([code]) => code)
        .sort();
      linear.push({ name: f.name, kind: 'nominal', categories, missingLevel: col.missing > 0 });
      tree.push({ name: f.name, kind: 'nominal', categories });
    }
  }
  return {
    linear: LinearEncoder.fromJSON({
      formatVersion: ENCODER_FORMAT_VERSION,
      kind: 'linear-encoder',
      schema: schema.name,
      features: linear,
    }),
    tree: TreeEncoder.fromJSON({
      formatVersion: ENCODER_FORMAT_VERSION,
      kind: 'tree-encoder',
      schema: schema.name,
      features: tree,
    }),
  };
}
