import type { Generated } from 'kysely';

/**
 * The tables of the model registry: models, versions, aliases and history.
 * Part of `DatabaseSchema` (`db/database-schema.ts`), whose conventions they follow. Internal to
 * storage: the repositories translate rows to the records of their public interfaces.
 */
export interface RegistryTables {
  registered_models: RegisteredModelsTable;
  model_versions: ModelVersionsTable;
  model_aliases: ModelAliasesTable;
  registry_events: RegistryEventsTable;
}

/** A registered model: a name grouping numbered versions. */
export interface RegisteredModelsTable {
  name: string;
  description: string;
  created_at: string;
}

/** One version of a registered model (numbered per model from 1). */
export interface ModelVersionsTable {
  model_name: string;
  version: number;
  run_id: string;
  dataset_id: string;
  source_sha256: string;
  artifact_sha256: string;
  artifact_store: string;
  metrics: string;
  params: string;
  tags: string;
  description: string;
  author: string;
  stage: string;
  created_at: string;
}

/** A named pointer (champion, challenger, …) to one version of a model. */
export interface ModelAliasesTable {
  model_name: string;
  alias: string;
  version: number;
  updated_at: string;
}

/** The append-only registry history. */
export interface RegistryEventsTable {
  id: Generated<number>;
  model_name: string;
  version: number;
  event: string;
  from_stage: string | null;
  to_stage: string | null;
  alias: string | null;
  actor: string;
  reason: string | null;
  metrics: string;
  forced: number;
  created_at: string;
}
