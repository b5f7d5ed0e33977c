/**
 * The table of the database artifact store.
 * Part of `DatabaseSchema` (`db/database-schema.ts`), whose conventions they follow. Internal to
 * storage: the repositories translate rows to the records of their public interfaces.
 */
export interface ArtifactTables {
  artifacts: ArtifactsTable;
}

/** One content-addressed artifact of the database artifact store. */
export interface ArtifactsTable {
  sha256: string;
  bytes: Uint8Array;
  size: number | string;
  created_at: string;
}
