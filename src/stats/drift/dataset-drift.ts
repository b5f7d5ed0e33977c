import type { FeatureDriftResult } from './feature-drift.js';
import { badParam } from './samples.js';

/** Dataset-level drift verdict. */
export interface DatasetDriftResult {
  readonly features: number;
  readonly driftedFeatures: number;
  /** driftedFeatures / features (Evidently's `share_of_drifted_columns`). */
  readonly share: number;
  /** The share at or above which the dataset drifts. */
  readonly threshold: number;
  readonly drifted: boolean;
}

/**
 * Evidently's dataset drift: the dataset drifts when the share of drifted features is at least
 * `share` (default 0.5, Evidently's `drift_share`). Throws SP_ERR_BAD_PARAM on no results or a share
 * outside (0, 1].
 */
export function datasetDrift(
  results: readonly Pick<FeatureDriftResult, 'drifted'>[],
  share = 0.5,
): DatasetDriftResult {
  if (!Array.isArray(results) || results.length === 0) {
    badParam('results', 'must be a non-empty array of feature drift results');
  }
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) {
    badParam('share', `must be in (0, 1], got ${String(share)}`);
  }
  let drifted = 0;
  for (const r of results) if (r.drifted) drifted++;
  const s = drifted / results.length;
  return {
    features: results.length,
    driftedFeatures: drifted,
    share: s,
    threshold: share,
    drifted: s >= share,
  };
}
