import { type Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../context.js';

function parsePoll(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 100 || Number(v) > 60_000) {
    throw new InvalidArgumentError(`expected milliseconds from 100 to 60000, got '${v}'`);
  }
  return Number(v);
}

/**
 * `sporeprint scheduler [--poll-ms N]`: starts the configured schedules' runs on time, the watched
 * folder's runs as files arrive, and keeps active runs moving, until SIGTERM/SIGINT.
 */
export function registerSchedulerCommand(program: Command, ctx: CliContext): void {
  program
    .command('scheduler')
    .description(
      'Start pipeline runs on their schedules (SPOREPRINT_PIPELINE_SCHEDULES) and for new files in SPOREPRINT_WATCH_DIR, until SIGTERM; several schedulers start each run once',
    )
    .option('--poll-ms <ms>', 'how often schedules and the folder are looked at', parsePoll, 1000)
    .action(async (opts: { pollMs: number }) => {
      // listen for the stop signal first: a SIGTERM right after the start line must stop cleanly
      const stopSignal = ctx.untilSignal();
      const s = await ctx.scheduler({ pollMs: opts.pollMs });
      const list = s.schedules.map((x) => `${x.name} (${x.pipeline}, "${x.cron}" ${x.timezone ?? 'UTC'})`);
      ctx.stdout.write(
        `sporeprint scheduler started: ${list.length === 0 ? 'no schedules' : list.join(', ')}; ` +
          `watched folder: ${s.watchDir ?? 'none'}; runs execute ${s.executor === 'local' ? 'in this process' : 'on the BullMQ workers'}\n`,
      );
      const signal = await stopSignal;
      ctx.stderr.write(`${signal}: stopping the scheduler…\n`);
      await s.close(2000);
      ctx.stderr.write('stopped\n');
    });
}
