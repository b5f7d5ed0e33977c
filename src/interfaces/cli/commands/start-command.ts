import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { createProgress } from '../progress.js';
import { renderEtlSummary } from '../render-etl.js';

/**
 * `sporeprint start` (what `npm start` runs): the main job on the configured database. For now it
 * migrates and runs the ETL on the bundled secondary data; later stages (train, register, serve) join it.
 */
export function registerStartCommand(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('The main job: migrate, then load the bundled secondary data (ETL) and print its summary')
    .action(async () => {
      const services = await ctx.openServices();
      const progress = createProgress(ctx.stderr, ctx.progress);
      try {
        const report = await services.database.migrate();
        if (report.results.length > 0) ctx.stdout.write(`Applied ${report.results.length} migration(s).\n`);
        const summary = await services.etl.run({
          source: join(ctx.dataDir, 'secondary_data.csv'),
          onProgress: (e) =>
            progress.update(e.phase, e.done, e.total, e.phase === 'reuse' ? 'rows' : 'bytes'),
        });
        progress.stop();
        ctx.stdout.write(renderEtlSummary(summary));
      } finally {
        progress.stop();
        await services.close();
      }
    });
}
