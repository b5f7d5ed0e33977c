/**
 * The built-in task kinds (`etl`, `train`, `select`, `register`, `gate`, `deploy`, `wait`) over the
 * existing services. Each effect is idempotent per run and task: ETL and training results are
 * content-addressed (the same data gives the same dataset version and artifact), registrations and
 * deployments go through `ctx.once` and look for what this run made before making it again.
 */
import { isSporeprintError, SporeprintError } from '../../core/index.js';
import type { EstimatorKind } from '../../ml/index.js';
import type { JsonValue } from '../../pipeline/index.js';
import type { EtlService, EtlSummary } from '../etl/index.js';
import type { RegistryService } from '../registry/index.js';
import { compareSafest, type SafetyFigures, safetyFigures, type TrainingService } from '../training/index.js';
import { type DeployDeps, deployTask } from './deploy-task.js';
import type { TaskContext, TaskHandler } from './pipeline-service-types.js';
import { actorOf, upstreamWith } from './task-inputs.js';

/** The services the built-in task kinds use. */
export interface BuiltInTaskDeps extends DeployDeps {
  readonly etl: Pick<EtlService, 'run' | 'addFeedback'>;
  readonly training: Pick<TrainingService, 'train'>;
  readonly registry: Pick<RegistryService, 'register' | 'checkGate' | 'promote' | 'show'>;
  /** The source when a task gives none (the bundled data). */
  readonly defaultSource: string;
  readonly defaultModelName: string;
}

const MODELS: readonly EstimatorKind[] = ['logistic-regression', 'decision-tree', 'gradient-boosting'];

/** A task parameter (or, failing that, pipeline parameter) as a string, or `fallback`. */
function text(ctx: TaskContext, name: string, fallback: string): string {
  const v = ctx.params[name] ?? ctx.pipelineParams[name];
  return typeof v === 'string' && v !== '' ? v : fallback;
}

/** A trained candidate as `train` outputs it and `select` orders them. */
interface Candidate {
  readonly runId: string;
  readonly modelKind: string;
  readonly datasetId: string;
  readonly artifactSha256: string;
  readonly safety: SafetyFigures;
}

const etlTask =
  (deps: BuiltInTaskDeps): TaskHandler =>
  async (ctx) => {
    const source = text(ctx, 'source', deps.defaultSource);
    ctx.log(`ETL of ${source}`);
    const summary = await deps.etl.run({
      source,
      onProgress: (e) => ctx.progress(e.total > 0 ? e.done / e.total : 0, e.phase),
    });
    await ctx.link('dataset', summary.datasetId);
    ctx.log(`dataset version ${summary.datasetId} (${summary.status}), ${summary.rows.valid} valid rows`);
    const out = {
      datasetId: summary.datasetId,
      sourceId: summary.sourceId,
      status: summary.status,
      rows: summary.rows.valid,
    };
    if (ctx.params.includeFeedback !== true) return out;
    return { ...out, ...(await feedbackVersion(deps, ctx, summary.datasetId)) };
  };

/**
 * The version derived from `parentId` plus the labelled production records of the run's model, linked
 * to the run; its id replaces the parent's as the one training uses. The records' snapshot (labels
 * recorded before the first attempt began) is fixed once per run, so a repeated attempt makes the
 * same version. Without any such records yet the run goes on with the parent, and says so.
 */
async function feedbackVersion(
  deps: BuiltInTaskDeps,
  ctx: TaskContext,
  parentId: string,
): Promise<Record<string, JsonValue>> {
  const modelName = text(ctx, 'modelName', deps.defaultModelName);
  const before = await ctx.once('feedback-snapshot', async () => new Date().toISOString());
  ctx.log(`adding the labelled production records of ${modelName} labelled before ${before}`);
  let derived: EtlSummary;
  try {
    derived = await deps.etl.addFeedback({
      parent: parentId,
      modelName,
      labelledBefore: new Date(before),
      onProgress: (e) => ctx.progress(e.total > 0 ? e.done / e.total : 0, `feedback ${e.phase}`),
    });
  } catch (e) {
    if (!isSporeprintError(e) || e.code !== 'SP_ERR_INPUT_EMPTY') throw e;
    ctx.log(`${e.message}; training on ${parentId} alone`, 'warn');
    return { parentDatasetId: parentId, feedback: { records: 0, rowsAdded: 0, labelledBefore: before } };
  }
  const lineage = derived.lineage;
  await ctx.link('dataset', derived.datasetId);
  ctx.log(
    `dataset version ${derived.datasetId} (${derived.status}) = ${parentId} + ${lineage?.rowsAdded ?? 0} ` +
      `training rows from ${lineage?.records ?? 0} labelled production records ` +
      `(${lineage?.quarantined ?? 0} quarantined, ${lineage?.heldOutOverlap ?? 0} equal to held-out rows, ` +
      `${lineage?.labelConflicts ?? 0} label conflicts)`,
  );
  return {
    datasetId: derived.datasetId,
    parentDatasetId: parentId,
    sourceId: derived.sourceId,
    status: derived.status,
    rows: derived.rows.valid,
    feedback: {
      records: lineage?.records ?? 0,
      rowsAdded: lineage?.rowsAdded ?? 0,
      quarantined: lineage?.quarantined ?? 0,
      heldOutOverlap: lineage?.heldOutOverlap ?? 0,
      labelConflicts: lineage?.labelConflicts ?? 0,
      firstLabelledAt: lineage?.firstLabelledAt ?? null,
      lastLabelledAt: lineage?.lastLabelledAt ?? null,
      labelledBefore: before,
    },
  };
}

const trainTask =
  (deps: BuiltInTaskDeps): TaskHandler =>
  async (ctx) => {
    const model = ctx.params.model;
    if (typeof model !== 'string' || !MODELS.includes(model as EstimatorKind)) {
      throw new SporeprintError(
        'SP_ERR_PIPELINE_SPEC',
        `task ${ctx.taskId}: param model must be one of ${MODELS.join(', ')}, got ${JSON.stringify(model)}`,
      );
    }
    const datasetId = String(upstreamWith(ctx, 'datasetId').datasetId);
    const modelName = text(ctx, 'modelName', deps.defaultModelName);
    const trained = await ctx.once('train', async () => {
      const summary = await deps.training.train({
        dataset: datasetId,
        models: [model as EstimatorKind],
        modelName,
        onProgress: (e) => ctx.progress(e.fraction, `${e.model} ${e.phase}`),
      });
      const m = summary.models[0];
      const candidate: Candidate = {
        runId: m.runId,
        modelKind: m.modelKind,
        datasetId,
        artifactSha256: m.artifact.sha256,
        safety: safetyFigures(m.metrics),
      };
      return candidate as unknown as JsonValue;
    });
    const c = trained as unknown as Candidate;
    await ctx.link('training-run', c.runId);
    ctx.log(`${c.modelKind}: training run ${c.runId}, artifact ${c.artifactSha256.slice(0, 12)}`);
    return trained;
  };

/** Orders the trained candidates safest first (as `sporeprint start` does); the first is chosen. */
const selectTask: TaskHandler = async (ctx) => {
  const candidates = Object.values(ctx.inputs)
    .filter(
      (o): o is JsonValue & object => typeof o === 'object' && o !== null && 'runId' in o && 'safety' in o,
    )
    .map((o) => o as unknown as Candidate)
    .sort((a, b) => compareSafest(a.safety, b.safety));
  if (candidates.length === 0) {
    throw new SporeprintError('SP_ERR_PIPELINE_SPEC', `task ${ctx.taskId} has no trained models upstream`);
  }
  ctx.log(`candidate: ${candidates[0].modelKind} (${candidates[0].runId})`);
  return { candidate: candidates[0].runId, candidates: candidates as unknown as JsonValue[] };
};

/** Registers every selected candidate once per run (a repeat finds this run's versions). */
const registerTask =
  (deps: BuiltInTaskDeps): TaskHandler =>
  async (ctx) => {
    const selected = upstreamWith(ctx, 'candidates');
    const candidates = selected.candidates as unknown as Candidate[];
    const modelName = text(ctx, 'modelName', deps.defaultModelName);
    const versions: { runId: string; modelKind: string; version: number }[] = [];
    for (const c of candidates) {
      const version = await ctx.once(`register:${c.runId}`, async () => {
        const earlier = await versionOfRun(deps, modelName, c.runId, ctx.runId);
        if (earlier !== null) return earlier;
        const v = await deps.registry.register(c.runId, {
          modelName,
          author: actorOf(ctx),
          tags: { pipelineRun: ctx.runId },
          description: `retrained by pipeline run ${ctx.runId}`,
        });
        return v.version;
      });
      await ctx.link('model-version', `${modelName}:${version}`);
      versions.push({ runId: c.runId, modelKind: c.modelKind, version });
    }
    const candidate = versions.find((v) => v.runId === selected.candidate) ?? versions[0];
    ctx.log(`registered ${versions.map((v) => `v${v.version} (${v.modelKind})`).join(', ')}`);
    return { modelName, candidate: candidate.version, candidateKind: candidate.modelKind, versions };
  };

/** The version this pipeline run registered from training run `runId` (after a lost attempt), or null. */
async function versionOfRun(
  deps: BuiltInTaskDeps,
  modelName: string,
  runId: string,
  pipelineRun: string,
): Promise<number | null> {
  try {
    const { versions } = await deps.registry.show(modelName);
    const v = versions.find((x) => x.runId === runId && x.tags.pipelineRun === pipelineRun);
    return v === undefined ? null : v.version;
  } catch (e) {
    if (isSporeprintError(e) && e.code === 'SP_ERR_NOT_FOUND') return null;
    throw e;
  }
}

/** The quality gate's verdict on the candidate; a blocked gate is a result, not a failure. */
const gateTask =
  (deps: BuiltInTaskDeps): TaskHandler =>
  async (ctx) => {
    const registered = upstreamWith(ctx, 'candidate');
    const modelName = String(registered.modelName);
    const version = Number(registered.candidate);
    const verdict = await deps.registry.checkGate(modelName, version);
    const failed = verdict.rules.filter((r) => !r.passed).map((r) => `${r.rule}: ${r.message}`);
    ctx.log(
      verdict.passed ? `gate passed for v${version}` : `gate blocked v${version}: ${failed.join('; ')}`,
    );
    return {
      modelName,
      version,
      passed: verdict.passed,
      production: verdict.production?.version ?? null,
      failed,
      datasetId: verdict.datasetId,
    };
  };

/** Waits `ms` milliseconds (param), or until the attempt is aborted. */
const waitTask: TaskHandler = (ctx) =>
  new Promise((resolve, reject) => {
    const ms = Number(ctx.params.ms ?? 0);
    if (!Number.isFinite(ms) || ms < 0) {
      reject(new SporeprintError('SP_ERR_PIPELINE_SPEC', `task ${ctx.taskId}: param ms must be ≥ 0`));
      return;
    }
    const timer = setTimeout(() => resolve({ waitedMs: ms }), ms);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(ctx.signal.reason);
    });
  });

/** The built-in task kinds by name. */
export function builtInTasks(deps: BuiltInTaskDeps): Record<string, TaskHandler> {
  return {
    etl: etlTask(deps),
    train: trainTask(deps),
    select: selectTask,
    register: registerTask(deps),
    gate: gateTask(deps),
    deploy: deployTask(deps),
    wait: waitTask,
  };
}
