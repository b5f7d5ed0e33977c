import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { isSporeprintError } from '../../../core/index.js';
import { compareSafest, safetyFigures } from '../../../services/index.js';
import type { CliContext, CliServices } from '../context.js';
import { createProgress } from '../progress.js';
import { renderEtlSummary } from '../render-etl.js';
import { renderTrainSummary } from '../render-train.js';
import { serveUntilSignal } from './serve-command.js';

async function productionVersion(services: CliServices, name: string): Promise<number | null> {
  try {
    return (await services.registry.show(name)).model.productionVersion;
  } catch (e) {
    if (isSporeprintError(e) && e.code === 'SP_ERR_NOT_FOUND') return null;
    throw e;
  }
}

/**
 * Makes sure a Production model exists: ETL of the bundled secondary data, training of the three
 * learners, registration, and promotion of the best one that passes the quality gate.
 */
async function bootstrap(ctx: CliContext, services: CliServices): Promise<void> {
  const progress = createProgress(ctx.stderr, ctx.progress);
  try {
    const etl = await services.etl.run({
      source: join(ctx.dataDir, 'secondary_data.csv'),
      onProgress: (e) => progress.update(e.phase, e.done, e.total, e.phase === 'reuse' ? 'rows' : 'bytes'),
    });
    progress.stop();
    ctx.stdout.write(renderEtlSummary(etl));
    const trained = await services.training.train({
      dataset: etl.datasetId,
      models: ['logistic-regression', 'decision-tree', 'gradient-boosting'],
      modelName: ctx.modelName,
      onProgress: (e) =>
        progress.update(`${e.model} ${e.phase}`, Math.round(e.fraction * 100), 100, 'percent'),
    });
    progress.stop();
    ctx.stdout.write(`\n${renderTrainSummary(trained)}\n`);
    const actor = `${userInfo().username} (sporeprint start)`;
    const candidates = [];
    for (const m of trained.models) {
      const v = await services.registry.register(m.runId, { modelName: ctx.modelName, author: actor });
      candidates.push({ v: v.version, kind: m.modelKind, figures: safetyFigures(m.metrics) });
    }
    candidates.sort((a, b) => compareSafest(a.figures, b.figures));
    for (const c of candidates) {
      try {
        await services.registry.promote(ctx.modelName, c.v, {
          actor,
          reason: 'sporeprint start: best model passing the quality gate',
        });
        ctx.stdout.write(`Promoted ${ctx.modelName} version ${c.v} (${c.kind}) to Production.\n`);
        return;
      } catch (e) {
        if (!isSporeprintError(e) || e.code !== 'SP_ERR_QUALITY_GATE') throw e;
        ctx.stdout.write(`Version ${c.v} (${c.kind}) blocked by the quality gate: ${e.message}\n`);
      }
    }
    ctx.stdout.write(
      'No trained model passed the quality gate: the API starts without a model (not ready).\n',
    );
  } finally {
    progress.stop();
  }
}

/** `sporeprint start` (what `npm start` runs): the whole system on the configured database. */
export function registerStartCommand(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description(
      'The main job: migrate; if no Production model exists, ETL the bundled data, train, register and promote the best; then serve the API',
    )
    .option('--no-serve', 'prepare the Production model, then exit instead of serving')
    .action(async (opts: { serve: boolean }) => {
      const services = await ctx.openServices();
      try {
        const report = await services.database.migrate();
        if (report.results.length > 0) ctx.stdout.write(`Applied ${report.results.length} migration(s).\n`);
        const existing = await productionVersion(services, ctx.modelName);
        if (existing === null) {
          ctx.stdout.write(`No Production version of ${ctx.modelName} yet: preparing one.\n`);
          await bootstrap(ctx, services);
        } else {
          ctx.stdout.write(`Reusing ${ctx.modelName} version ${existing} (Production).\n`);
        }
      } finally {
        await services.close();
      }
      if (opts.serve) await serveUntilSignal(ctx, {});
    });
}
