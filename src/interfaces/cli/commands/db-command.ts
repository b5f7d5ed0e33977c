import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { table, toJson } from '../format.js';

/** `sporeprint db migrate|status`. */
export function registerDbCommand(program: Command, ctx: CliContext): void {
  const db = program.command('db').description('Database schema administration');
  db.command('migrate')
    .description('Apply pending migrations (they also run automatically on every start)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const services = await ctx.openServices();
      try {
        const report = await services.database.migrate();
        const status = await services.database.status();
        if (opts.json) ctx.stdout.write(toJson({ applied: report.results, status }));
        else {
          ctx.stdout.write(
            report.results.length === 0
              ? `Database schema is up to date (${status.length} migrations, ${services.database.dialect}).\n`
              : `${report.results.map((r) => `${r.status.padEnd(8)} ${r.name}`).join('\n')}\n`,
          );
        }
      } finally {
        await services.close();
      }
    });
  db.command('status')
    .description('List migrations and when they ran')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const services = await ctx.openServices();
      try {
        const status = await services.database.status();
        ctx.stdout.write(
          opts.json
            ? toJson(status)
            : `${table([
                ['migration', 'applied at (UTC)'],
                ...status.map((s) => [s.name, s.executedAt ? s.executedAt.toISOString() : 'pending']),
              ])}\n`,
        );
      } finally {
        await services.close();
      }
    });
}
