/**
 * The table of the leases aggregate (migration 0008). Part of `DatabaseSchema`
 * (`db/database-schema.ts`). `expires_at_ms` is epoch milliseconds, compared in SQL.
 */
export interface LeaseTables {
  leases: LeasesTable;
}

export interface LeasesTable {
  name: string;
  owner: string;
  token: number;
  acquired_at: string;
  expires_at_ms: number;
}
