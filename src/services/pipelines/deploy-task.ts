/**
 * The `deploy` task kind: what becomes of a candidate after the quality gate. Blocked → nothing
 * (outcome `blocked`); otherwise by the `mode` param: `promote` it to Production, start an A/B
 * `experiment` or a `shadow` against Production, or `stop` for a human. Each effect happens once per
 * run: a repeat finds the promotion or the experiment this run made.
 */
import { isSporeprintError, SporeprintError } from '../../core/index.js';
import type { JsonValue } from '../../pipeline/index.js';
import type { ExperimentService } from '../experiments/index.js';
import type { RegistryService } from '../registry/index.js';
import type { TaskContext, TaskHandler } from './pipeline-service-types.js';
import { DEPLOY_MODES, type DeployMode } from './retrain-pipeline.js';
import { actorOf, upstreamWith } from './task-inputs.js';

/** The gate's output as `deploy` reads it. */
interface GateOutput {
  readonly modelName: string;
  readonly version: number;
  readonly passed: boolean;
  readonly failed: readonly string[];
}

/** What `deploy` needs. */
export interface DeployDeps {
  readonly registry: Pick<RegistryService, 'promote' | 'show'>;
  readonly experiments: Pick<ExperimentService, 'create' | 'start' | 'show'>;
  /** The mode when the task has none (config `SPOREPRINT_RETRAIN_DEPLOY`). */
  readonly defaultDeploy: DeployMode;
}

function modeOf(ctx: TaskContext, fallback: DeployMode): DeployMode {
  const m = ctx.params.mode ?? ctx.pipelineParams.deploy ?? fallback;
  if (typeof m !== 'string' || !DEPLOY_MODES.includes(m as DeployMode)) {
    throw new SporeprintError(
      'SP_ERR_PIPELINE_SPEC',
      `task ${ctx.taskId}: mode must be one of ${DEPLOY_MODES.join(', ')}, got ${JSON.stringify(m)}`,
    );
  }
  return m as DeployMode;
}

/** The `deploy` handler. */
export function deployTask(deps: DeployDeps): TaskHandler {
  return async (ctx) => {
    const gate = upstreamWith(ctx, 'passed') as unknown as GateOutput;
    const { modelName, version } = gate;
    const base = { modelName, version };
    if (!gate.passed) {
      ctx.log(`v${version} did not pass the quality gate: nothing deployed`, 'warn');
      return { outcome: 'blocked', ...base, failed: [...gate.failed] };
    }
    const mode = modeOf(ctx, deps.defaultDeploy);
    if (mode === 'stop') {
      ctx.log(
        `v${version} passed the gate; stopped for a human: sporeprint models promote ${modelName} ${version}`,
      );
      return { outcome: 'stopped', ...base, next: `sporeprint models promote ${modelName} ${version}` };
    }
    if (mode === 'promote') return promote(deps, ctx, modelName, version);
    const production = (await deps.registry.show(modelName)).model.productionVersion;
    if (production === null || production === version) {
      ctx.log(`no other Production version of ${modelName} to run a ${mode} against: stopped`, 'warn');
      return { outcome: 'stopped', ...base, reason: `no Production version to run a ${mode} against` };
    }
    return experiment(deps, ctx, mode, modelName, version, production);
  };
}

async function promote(
  deps: DeployDeps,
  ctx: TaskContext,
  modelName: string,
  version: number,
): Promise<JsonValue> {
  const result = await ctx.once('promote', async () => {
    const { versions } = await deps.registry.show(modelName);
    const before = versions.find((v) => v.stage === 'Production')?.version ?? null;
    // a repeat after a promotion whose record was lost: already done
    if (before === version) return { previous: null };
    await deps.registry.promote(modelName, version, {
      actor: actorOf(ctx),
      reason: `pipeline run ${ctx.runId}: candidate passed the quality gate`,
    });
    return { previous: before };
  });
  ctx.log(`promoted ${modelName} v${version} to Production`);
  return { outcome: 'promoted', modelName, version, ...(result as { previous: number | null }) };
}

async function experiment(
  deps: DeployDeps,
  ctx: TaskContext,
  mode: 'experiment' | 'shadow',
  modelName: string,
  version: number,
  production: number,
): Promise<JsonValue> {
  const share = Number(ctx.params.experimentTraffic ?? ctx.pipelineParams.experimentTraffic ?? 0.1);
  const id = `exp-${ctx.runId}`.toLowerCase().slice(0, 64);
  const arms =
    mode === 'shadow'
      ? [
          { name: 'production', version: production, role: 'control' as const, weight: 1 },
          { name: 'candidate', version, role: 'shadow' as const, weight: 0 },
        ]
      : [
          { name: 'production', version: production, role: 'control' as const, weight: 1 - share },
          { name: 'candidate', version, role: 'challenger' as const, weight: share },
        ];
  const started = await ctx.once('experiment', async () => {
    const existing = await deps.experiments.show(id).catch((e: unknown) => {
      if (isSporeprintError(e) && e.code === 'SP_ERR_NOT_FOUND') return null;
      throw e;
    });
    const by = {
      actor: actorOf(ctx),
      reason: `pipeline run ${ctx.runId}: candidate v${version} passed the gate`,
    };
    const record =
      existing?.experiment ??
      (await deps.experiments.create({
        id,
        modelName,
        description: `${mode} of v${version} against Production v${production} (pipeline run ${ctx.runId})`,
        arms,
        ...by,
      }));
    if (record.status === 'draft' || record.status === 'paused') await deps.experiments.start(id, by);
    return { experiment: id };
  });
  await ctx.link('experiment', id);
  ctx.log(`${mode} ${id} started: v${version} against Production v${production}`);
  return { outcome: mode, modelName, version, production, ...(started as { experiment: string }) };
}
