import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { SporeprintError } from '../../../core/index.js';
import { type EstimatorKind, MODEL_ALIASES } from '../../../ml/index.js';
import type { CliContext } from '../context.js';
import { toJson } from '../format.js';
import { createProgress } from '../progress.js';
import { renderTrainSummary } from '../render-train.js';

interface TrainOptions {
  dataset: string;
  models: EstimatorKind[];
  params?: string;
  cv?: number;
  groupCv?: number;
  targetRecall?: number;
  guard: boolean;
  json?: boolean;
  register?: boolean;
  modelName?: string;
  actor?: string;
}

function parseModels(value: string): EstimatorKind[] {
  const kinds = value.split(',').map((v) => v.trim());
  const out: EstimatorKind[] = [];
  for (const k of kinds) {
    const kind =
      MODEL_ALIASES[k] ??
      (Object.values(MODEL_ALIASES).includes(k as EstimatorKind) ? (k as EstimatorKind) : undefined);
    if (kind === undefined) {
      throw new InvalidArgumentError(`unknown model '${k}' (use lr, dt, gbdt)`);
    }
    if (!out.includes(kind)) out.push(kind);
  }
  return out;
}

function parseFolds(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 2 || Number(value) > 50) {
    throw new InvalidArgumentError(`expected a number of folds between 2 and 50, got '${value}'`);
  }
  return Number(value);
}

function parseRecall(value: string): number {
  const x = Number(value);
  if (!(x > 0 && x <= 1)) throw new InvalidArgumentError(`expected a recall in (0, 1], got '${value}'`);
  return x;
}

/** Reads `--params`: a JSON object keyed by model (lr/dt/gbdt or full kind) of hyper-parameters. */
export function readParamsFile(path: string): Partial<Record<EstimatorKind, Record<string, unknown>>> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SporeprintError('SP_ERR_USAGE', `cannot read params file ${path}: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SporeprintError(
      'SP_ERR_USAGE',
      `params file ${path} must hold a JSON object like {"gbdt": {"maxDepth": 4}}`,
    );
  }
  const out: Partial<Record<EstimatorKind, Record<string, unknown>>> = {};
  for (const [key, value] of Object.entries(raw)) {
    const kind =
      MODEL_ALIASES[key] ??
      (Object.values(MODEL_ALIASES).includes(key as EstimatorKind) ? (key as EstimatorKind) : undefined);
    if (kind === undefined)
      throw new SporeprintError(
        'SP_ERR_USAGE',
        `params file ${path}: unknown model '${key}' (use lr, dt, gbdt)`,
      );
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new SporeprintError(
        'SP_ERR_USAGE',
        `params file ${path}: '${key}' must be an object of hyper-parameters`,
      );
    }
    out[kind] = value as Record<string, unknown>;
  }
  return out;
}

/** `sporeprint train`. */
export function registerTrainCommand(program: Command, ctx: CliContext): void {
  program
    .command('train')
    .description('Train models on a dataset version, evaluate them and record each run')
    .option('--dataset <id>', 'dataset version id, or latest', 'latest')
    .option(
      '--models <list>',
      'comma-separated: lr (logistic regression), dt (decision tree), gbdt (gradient boosting)',
      parseModels,
      ['logistic-regression', 'decision-tree', 'gradient-boosting'] as EstimatorKind[],
    )
    .option('--params <file>', 'JSON file of hyper-parameters per model, e.g. {"gbdt": {"maxDepth": 4}}')
    .option('--cv <k>', 'also run stratified k-fold cross-validation', parseFolds)
    .option('--group-cv <k>', 'also run species-grouped k-fold cross-validation (secondary data)', parseFolds)
    .option(
      '--target-recall <r>',
      'poisonous recall the edible answers must keep on validation (default 0.999)',
      parseRecall,
    )
    .option('--register', 'register every trained model in the model registry')
    .option('--model-name <name>', 'registered model name (default sporeprint-<schema>)')
    .option('--actor <who>', 'author recorded by --register (default: the OS user name)')
    .option('--no-guard', 'do not fit the unknown-species guard')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: TrainOptions) => {
      const params = opts.params ? readParamsFile(opts.params) : undefined;
      const services = await ctx.openServices();
      const progress = createProgress(ctx.stderr, ctx.progress && !opts.json);
      try {
        const summary = await services.training.train({
          dataset: opts.dataset,
          models: opts.models,
          params,
          cv: opts.cv,
          groupCv: opts.groupCv,
          targetRecall: opts.targetRecall,
          guard: opts.guard,
          modelName: opts.modelName,
          onProgress: (e) =>
            progress.update(`${e.model} ${e.phase}`, Math.round(e.fraction * 100), 100, 'percent'),
        });
        progress.stop();
        const registered = [];
        if (opts.register) {
          const author = opts.actor ?? ctx.defaultActor();
          for (const m of summary.models)
            registered.push(await services.registry.register(m.runId, { author }));
        }
        if (opts.json) ctx.stdout.write(toJson(opts.register ? { ...summary, registered } : summary));
        else {
          ctx.stdout.write(renderTrainSummary(summary));
          for (const v of registered) {
            ctx.stdout.write(
              `Registered ${v.modelName} v${v.version} (${v.tags.modelKind ?? ''}, run ${v.runId})\n`,
            );
          }
        }
      } finally {
        progress.stop();
        await services.close();
      }
    });
}
