/**
 * The table of API keys.
 * Part of `DatabaseSchema` (`db/database-schema.ts`), whose conventions they follow. Internal to
 * storage: the repositories translate rows to the records of their public interfaces.
 */
export interface ApiKeyTables {
  api_keys: ApiKeysTable;
}

/** One API key: only the SHA-256 hex digest of its secret is stored. */
export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  role: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}
