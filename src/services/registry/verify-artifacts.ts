import { type ErrorCode, isSporeprintError, SporeprintError } from '../../core/index.js';
import { ModelPipeline } from '../../ml/index.js';
import type { ArtifactStore, ModelStage, RegistryRepository } from '../../storage/index.js';

/** How one registered version's artifact fared: `ok`, or the problem's error code and message. */
export interface ArtifactCheck {
  readonly model: string;
  readonly version: number;
  readonly stage: ModelStage;
  readonly sha256: string;
  /** The file or database row the artifact is read from. */
  readonly location: string;
  readonly ok: boolean;
  /**
   * `null` when ok; else the code of what loading it raised: `SP_ERR_NOT_FOUND` (absent),
   * `SP_ERR_ARTIFACT_CORRUPT` (bytes that do not hash to `sha256`), `SP_ERR_MODEL_FORMAT` (not a
   * loadable model pipeline), or another code.
   */
  readonly code: ErrorCode | null;
  readonly problem: string | null;
}

/**
 * The model pipeline in a stored artifact's bytes (already SHA-256 verified): rejects with
 * `SP_ERR_MODEL_FORMAT` naming `where` when they are not JSON, and as `ModelPipeline.fromJSON` does
 * when the JSON is not a valid pipeline.
 */
export function parseModelArtifact(bytes: Uint8Array, where: string): ModelPipeline {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new SporeprintError(
      'SP_ERR_MODEL_FORMAT',
      `Artifact ${where} is not JSON: ${(e as Error).message}`,
    );
  }
  return ModelPipeline.fromJSON(json);
}

/**
 * Checks the artifact of every registered version (of `modelName`, or of every model) as a server
 * loads it: present in the store, hashing to the SHA-256 the registry names, and a loadable model
 * pipeline. Each distinct artifact is read once. Never throws for a bad artifact: the checks say
 * what failed (after restoring a backup, or to audit the store).
 */
export async function verifyRegisteredArtifacts(
  deps: { readonly registry: RegistryRepository; readonly artifacts: ArtifactStore },
  modelName?: string,
): Promise<ArtifactCheck[]> {
  const names =
    modelName === undefined
      ? (await deps.registry.listModels()).map((m) => m.name)
      : [(await deps.registry.getModel(modelName)).name];
  const verdicts = new Map<string, { code: ErrorCode; problem: string } | null>();
  const checks: ArtifactCheck[] = [];
  for (const name of names) {
    const versions = [...(await deps.registry.listVersions(name))].reverse(); // oldest first
    for (const v of versions) {
      const sha = v.artifactSha256;
      if (!verdicts.has(sha)) verdicts.set(sha, await loadProblem(deps.artifacts, sha));
      const bad = verdicts.get(sha) ?? null;
      checks.push({
        model: name,
        version: v.version,
        stage: v.stage,
        sha256: sha,
        location: deps.artifacts.describe(sha),
        ok: bad === null,
        code: bad?.code ?? null,
        problem: bad?.problem ?? null,
      });
    }
  }
  return checks;
}

async function loadProblem(
  artifacts: ArtifactStore,
  sha256: string,
): Promise<{ code: ErrorCode; problem: string } | null> {
  try {
    parseModelArtifact(await artifacts.get(sha256), artifacts.describe(sha256));
    return null;
  } catch (e) {
    if (isSporeprintError(e)) return { code: e.code, problem: e.message };
    return { code: 'SP_ERR_MODEL_FORMAT', problem: e instanceof Error ? e.message : String(e) };
  }
}
