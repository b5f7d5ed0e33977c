import { type Selectable, sql } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { timestamp } from '../db/column-values.js';
import { guard, isUniqueViolation } from '../db/database-error.js';
import type { DatabaseContext } from '../db/write-transaction.js';
import type { LeasesTable } from './lease-tables.js';
import type { LeaseRecord, LeaseRepository } from './lease-types.js';

const NAME = /^[a-z0-9][a-z0-9:._-]{0,127}$/;
/** A year: longer is a mistake, not a lease. */
const MAX_TTL_MS = 365 * 24 * 3600 * 1000;

function check(name: string, owner: string, ttlMs?: number): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `Lease name "${String(name).slice(0, 80)}" is invalid: 1-128 lower-case letters, digits, ':', '.', '_' or '-'`,
    );
  }
  if (typeof owner !== 'string' || owner.trim() === '' || owner.length > 255) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      'A lease owner must be a non-empty name of at most 255 characters',
    );
  }
  if (ttlMs !== undefined && (!Number.isSafeInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TTL_MS)) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `A lease TTL must be a whole number of milliseconds from 1 to ${MAX_TTL_MS}, not ${ttlMs}`,
    );
  }
}

function fromRow(row: Selectable<LeasesTable>): LeaseRecord {
  return {
    name: row.name,
    owner: row.owner,
    token: Number(row.token),
    acquiredAt: new Date(row.acquired_at),
    expiresAt: new Date(Number(row.expires_at_ms)),
  };
}

/**
 * The {@link LeaseRepository} over Kysely. `acquire` first INSERTs the lease (a free name: the primary
 * key lets exactly one concurrent insert win), else UPDATEs it where it has expired or is already the
 * caller's: one statement, atomic on both dialects, so two callers never both see it free. Whether it
 * was taken is then read back by owner and expiry.
 */
export class KyselyLeaseRepository implements LeaseRepository {
  readonly #ctx: DatabaseContext;

  constructor(ctx: DatabaseContext) {
    this.#ctx = ctx;
  }

  async acquire(name: string, owner: string, ttlMs: number, now = new Date()): Promise<LeaseRecord | null> {
    check(name, owner, ttlMs);
    const at = now.getTime();
    const expires = at + ttlMs;
    const db = this.#ctx.db;
    const inserted = await guard(`Acquiring lease ${name}`, async () => {
      try {
        await db
          .insertInto('leases')
          .values({ name, owner, token: 1, acquired_at: timestamp(now), expires_at_ms: expires })
          .execute();
        return true;
      } catch (e) {
        if (isUniqueViolation(e)) return false;
        throw e;
      }
    });
    if (inserted) return { name, owner, token: 1, acquiredAt: now, expiresAt: new Date(expires) };
    return guard(`Acquiring lease ${name}`, async () => {
      // token first: MySQL evaluates SET assignments left to right, with the new values of earlier ones
      const result = await db
        .updateTable('leases')
        .set({
          token: sql`case when owner = ${owner} then token else token + 1 end`,
          acquired_at: sql`case when owner = ${owner} then acquired_at else ${timestamp(now)} end`,
          owner,
          expires_at_ms: expires,
        })
        .where('name', '=', name)
        .where((eb) => eb.or([eb('expires_at_ms', '<=', at), eb('owner', '=', owner)]))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return null;
      return this.#held(name, owner, expires);
    });
  }

  async renew(name: string, owner: string, ttlMs: number, now = new Date()): Promise<LeaseRecord | null> {
    check(name, owner, ttlMs);
    const at = now.getTime();
    const expires = at + ttlMs;
    return guard(`Renewing lease ${name}`, async () => {
      const result = await this.#ctx.db
        .updateTable('leases')
        .set({ expires_at_ms: expires })
        .where('name', '=', name)
        .where('owner', '=', owner)
        .where('expires_at_ms', '>', at)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return null;
      return this.#held(name, owner, expires);
    });
  }

  async release(name: string, owner: string): Promise<boolean> {
    check(name, owner);
    return guard(`Releasing lease ${name}`, async () => {
      const result = await this.#ctx.db
        .deleteFrom('leases')
        .where('name', '=', name)
        .where('owner', '=', owner)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async get(name: string): Promise<LeaseRecord | null> {
    check(name, 'reader');
    return guard(`Reading lease ${name}`, async () => {
      const row = await this.#ctx.db
        .selectFrom('leases')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst();
      return row === undefined ? null : fromRow(row);
    });
  }

  /** The lease as written by the caller's statement, or null if another owner has it since. */
  async #held(name: string, owner: string, expires: number): Promise<LeaseRecord | null> {
    const row = await this.#ctx.db
      .selectFrom('leases')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (row === undefined || row.owner !== owner || Number(row.expires_at_ms) !== expires) return null;
    return fromRow(row);
  }
}
