import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { int, table, toJson } from '../format.js';
import { renderEtlSummary } from '../render-etl.js';

interface ClassSplitCounts {
  splits?: { train: number; validation: number; test: number };
  classes?: { e: number; p: number };
}

/** `sporeprint datasets list|show`. */
export function registerDatasetsCommand(program: Command, ctx: CliContext): void {
  const datasets = program.command('datasets').description('Dataset versions made by `sporeprint etl`');
  datasets
    .command('list')
    .description('List dataset versions, newest first')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const services = await ctx.openServices();
      try {
        const list = await services.etl.list();
        if (opts.json) {
          ctx.stdout.write(toJson(list));
          return;
        }
        if (list.length === 0) {
          ctx.stdout.write('No dataset versions yet: run `sporeprint etl --source <file>`.\n');
          return;
        }
        const rows = list.map((v) => {
          const c = v.counts as ClassSplitCounts;
          const s = c.splits ?? { train: 0, validation: 0, test: 0 };
          return [
            v.id,
            v.createdAt.toISOString().replace('T', ' ').slice(0, 19),
            v.fileName,
            v.schemaName,
            `${v.splitKind}/${v.seed}`,
            int(s.train + s.validation + s.test),
            `${int(s.train)}/${int(s.validation)}/${int(s.test)}`,
          ];
        });
        ctx.stdout.write(
          `${table([['id', 'created (UTC)', 'source', 'schema', 'split/seed', 'rows', 'train/val/test'], ...rows])}\n`,
        );
      } finally {
        await services.close();
      }
    });
  datasets
    .command('show')
    .description('Show a dataset version: counts, profile, quarantine sample (`latest` for the newest)')
    .argument('<id>', 'dataset version id, or `latest`')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const services = await ctx.openServices();
      try {
        const summary = await services.etl.show(id);
        ctx.stdout.write(
          opts.json ? toJson(summary) : renderEtlSummary(summary).replace(/\nDone in .*\n$/, '\n'),
        );
      } finally {
        await services.close();
      }
    });
}
