/** Which logged predictions a monitoring query sums (hours whose bucket falls in [from, to)). */
export interface CountFilter {
  readonly modelName: string;
  /** Every version when absent. */
  readonly modelVersion?: number;
  /** Only one experiment's rows (with `arm`, one arm's). */
  readonly experimentId?: string;
  readonly arm?: string;
  /** Start of the window, rounded down to its hour. */
  readonly from?: Date;
  /** End of the window (exclusive), rounded up to the next hour. */
  readonly to?: Date;
}

/** How many predictions of the window had one value of one feature (see feature-counts.ts). */
export interface ValueCount {
  readonly feature: string;
  readonly value: string;
  readonly n: number;
}

/** {@link ValueCount} per hour. */
export interface BucketCount extends ValueCount {
  /** The hour, ISO-8601 UTC. */
  readonly bucket: string;
}

/** A stored reference profile (JSON text, built by the monitoring service). */
export interface StoredProfile {
  readonly modelName: string;
  readonly modelVersion: number;
  readonly profile: string;
  readonly createdAt: Date;
}

/** The monitoring aggregate: the prediction log's roll-up and the reference profiles. */
export interface MonitoringRepository {
  /** The window's counts per feature and value, summed over hours (pseudo-features included). */
  counts(filter: CountFilter): Promise<ValueCount[]>;
  /** The window's counts of `features` per hour, oldest first. */
  countsByHour(filter: CountFilter, features: readonly string[]): Promise<BucketCount[]>;
  /** The hours with logged predictions of a model (every version), oldest first. */
  hours(modelName: string): Promise<string[]>;
  /**
   * Adds the log commits' pending counts (MySQL/MariaDB: one row of `monitor_count_pending` a commit)
   * to `monitor_counts`, exactly once however many processes fold at a time; returns the commits
   * folded. The reads above fold first; `sporeprint serve` folds on a timer too.
   */
  foldPending(): Promise<number>;
  getProfile(modelName: string, modelVersion: number): Promise<StoredProfile | undefined>;
  /**
   * Recounts the whole roll-up from the prediction log (predictions logged before migration 0009, or a
   * roll-up to verify), in one transaction: run it while no server writes. Returns the rows counted.
   */
  rebuildCounts(onProgress?: (rows: number) => void): Promise<{ predictions: number; counts: number }>;
  /** Stores a profile unless one exists (the first one built wins); returns the stored one. */
  putProfile(
    modelName: string,
    modelVersion: number,
    profile: string,
    createdAt?: Date,
  ): Promise<StoredProfile>;
}
