/** A named lease held by one owner until it expires (e.g. "one monitoring check at a time"). */
export interface LeaseRecord {
  readonly name: string;
  readonly owner: string;
  /**
   * Fencing token: grows by one each time the lease changes hands (an owner re-acquiring its own
   * lease keeps it), so work stamped with a token can tell a stale holder from the current one.
   */
  readonly token: number;
  readonly acquiredAt: Date;
  readonly expiresAt: Date;
}

/**
 * Database leases: at most one holder per name across every process sharing the database, on SQLite
 * and MySQL/MariaDB alike. Each call is one atomic statement (an INSERT, else a conditional UPDATE),
 * so no transaction or lock is held between calls. Expiry is judged by the caller's clock (`now`,
 * default the current time): processes sharing a lease should keep their clocks in sync (NTP) and
 * use a TTL well above the skew.
 */
export interface LeaseRepository {
  /**
   * Takes the lease for `ttlMs` when it is free, expired, or already `owner`'s (then extended);
   * null when another owner holds it.
   */
  acquire(name: string, owner: string, ttlMs: number, now?: Date): Promise<LeaseRecord | null>;
  /**
   * Extends a lease `owner` still holds (not expired) to `now + ttlMs`; null when it does not hold
   * it any more (expired: acquire again, someone else may have it).
   */
  renew(name: string, owner: string, ttlMs: number, now?: Date): Promise<LeaseRecord | null>;
  /** Gives the lease up; false when `owner` did not hold it. */
  release(name: string, owner: string): Promise<boolean>;
  /** The lease as stored (possibly expired), or null. */
  get(name: string): Promise<LeaseRecord | null>;
}
