/**
 * The `--drift season` shift of `sporeprint simulate`: one feature's distribution moved in the rows
 * replayed — a numeric feature multiplied by a factor, or a categorical feature's value replaced by
 * one code in a share of the rows (a season where most mushrooms are found in another habitat).
 */
import { SporeprintError } from '../../core/index.js';
import { type DatasetSchema, describeAllowed, type FeatureSpec } from '../../data/index.js';
import type { LabelledRecord } from './traffic-simulator.js';

/** The season options as given on the command line (absent: not given). */
export interface SeasonDriftOptions {
  readonly feature?: string;
  readonly factor?: number;
  readonly to?: string;
  readonly share?: number;
}

/** A validated shift of one feature. */
export type SeasonDrift =
  | {
      readonly kind: 'scale';
      readonly feature: FeatureSpec;
      readonly factor: number;
    }
  | {
      readonly kind: 'replace';
      readonly feature: FeatureSpec;
      readonly to: string;
      readonly share: number;
    };

/** Defaults: cap-diameter × 1.5 on the secondary data; a categorical shift replaces 60% of the rows. */
export const DEFAULT_DRIFT_FACTOR = 1.5;
export const DEFAULT_DRIFT_SHARE = 0.6;

function usage(message: string): SporeprintError {
  return new SporeprintError('SP_ERR_USAGE', message);
}

/**
 * Checks the season options against the schema of the rows replayed and returns the shift.
 * @throws SporeprintError `SP_ERR_USAGE` naming the option: an unknown feature, a code not allowed for
 * the feature, or an option that does not apply to the feature's kind.
 */
export function seasonDrift(schema: DatasetSchema, o: SeasonDriftOptions): SeasonDrift {
  let feature: FeatureSpec | undefined;
  if (o.feature === undefined) {
    feature = schema.features.find((f) => f.kind === 'numeric');
    if (feature === undefined) {
      throw usage(
        `--drift season on the ${schema.name} data needs --drift-feature <name> and --drift-to <code>: it has no numeric feature to scale`,
      );
    }
  } else {
    feature = schema.features.find((f) => f.name === o.feature);
    if (feature === undefined) {
      throw usage(
        `--drift-feature: '${o.feature}' is not a feature of the ${schema.name} data; features: ${schema.features
          .map((f) => f.name)
          .join(', ')}`,
      );
    }
  }
  if (feature.kind === 'numeric') {
    if (o.to !== undefined || o.share !== undefined) {
      throw usage(
        `${o.to !== undefined ? '--drift-to' : '--drift-share'} applies to a categorical --drift-feature; ${feature.name} is numeric: use --drift-factor`,
      );
    }
    return { kind: 'scale', feature, factor: o.factor ?? DEFAULT_DRIFT_FACTOR };
  }
  if (o.factor !== undefined) {
    throw usage(
      `--drift-factor applies to a numeric --drift-feature; ${feature.name} is categorical: use --drift-to <code> (${describeAllowed(feature)})`,
    );
  }
  if (o.to === undefined) {
    throw usage(`--drift-to <code> is needed to shift ${feature.name}: one of ${describeAllowed(feature)}`);
  }
  if (feature.codes?.[o.to] === undefined) {
    throw usage(
      `--drift-to: '${o.to}' is not a code of ${feature.name}; allowed: ${describeAllowed(feature)}`,
    );
  }
  return { kind: 'replace', feature, to: o.to, share: o.share ?? DEFAULT_DRIFT_SHARE };
}

/** The shifted rows and what was done to them. */
export interface DriftedRecords {
  readonly records: LabelledRecord[];
  /** Rows whose feature was changed. */
  readonly changed: number;
  /** Scaled values capped at the feature's largest valid value (the server would refuse them). */
  readonly capped: number;
}

/**
 * Applies `drift` to a copy of `records`: every row's numeric value is multiplied (rows missing it keep
 * it missing), or exactly round(share × rows) rows, drawn with `random`, get the code. Labels are kept.
 */
export function applySeasonDrift(
  records: readonly LabelledRecord[],
  drift: SeasonDrift,
  random: () => number,
): DriftedRecords {
  const name = drift.feature.name;
  if (drift.kind === 'scale') {
    const max = drift.feature.range?.max ?? Number.POSITIVE_INFINITY;
    let changed = 0;
    let capped = 0;
    const out = records.map((r) => {
      const v = r.record[name];
      if (typeof v !== 'number') return r;
      changed++;
      let scaled = v * drift.factor;
      if (scaled > max) {
        scaled = max;
        capped++;
      }
      return { label: r.label, record: { ...r.record, [name]: scaled } };
    });
    return { records: out, changed, capped };
  }
  const n = records.length;
  const picks = Math.round(drift.share * n);
  // a partial Fisher-Yates shuffle: the first `picks` positions are a uniform sample of the rows
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < picks; i++) {
    const j = i + Math.floor(random() * (n - i));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const out = [...records];
  for (let i = 0; i < picks; i++) {
    const r = records[order[i]];
    out[order[i]] = { label: r.label, record: { ...r.record, [name]: drift.to } };
  }
  return { records: out, changed: picks, capped: 0 };
}

/** One line saying what the shift did, e.g. "cap-diameter × 1.5 in 8825 rows". */
export function describeSeasonDrift(drift: SeasonDrift, result: DriftedRecords, total: number): string {
  if (drift.kind === 'scale') {
    const cap =
      result.capped > 0
        ? ` (${result.capped} capped at ${drift.feature.range?.max}, its largest valid value)`
        : '';
    return `season drift: ${drift.feature.name} × ${drift.factor} in ${result.changed} of ${total} rows${cap}`;
  }
  return `season drift: ${drift.feature.name} set to '${drift.to}' (${drift.feature.codes?.[drift.to]}) in ${result.changed} of ${total} rows (share ${drift.share})`;
}
