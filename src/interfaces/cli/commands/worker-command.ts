import { type Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exit-code.js';

function parseConcurrency(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 64) {
    throw new InvalidArgumentError(`expected a whole number of tasks from 1 to 64, got '${v}'`);
  }
  return Number(v);
}

function parseGrace(v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > 3600) {
    throw new InvalidArgumentError(`expected seconds from 0 to 3600, got '${v}'`);
  }
  return Number(v);
}

/** `sporeprint worker --health`: one line a dependency; exit 0 when both answer, else 1. */
async function printHealth(ctx: CliContext): Promise<void> {
  const health = await ctx.workerHealth();
  for (const [name, h] of Object.entries(health)) {
    const line = h.ok ? `ok (${h.ms} ms)` : `unreachable: ${h.error}`;
    ctx.stdout.write(`${name.padEnd(8)} ${line}\n`);
  }
  if (!health.database.ok || !health.redis.ok) throw new ExitCode(1);
}

/**
 * Runs pipeline tasks from the BullMQ queue until SIGTERM/SIGINT, then stops gracefully: no new
 * tasks, running ones get the grace period, then are aborted and go back to the queue.
 */
async function workUntilSignal(
  ctx: CliContext,
  opts: { concurrency?: number; grace: number },
): Promise<void> {
  // listen for the stop signal first: a SIGTERM right after the start line must stop gracefully
  const stopSignal = ctx.untilSignal();
  const worker = await ctx.worker({ concurrency: opts.concurrency });
  ctx.stdout.write(
    `sporeprint worker ${worker.name} started: queue ${worker.queue} on ${worker.redis}, concurrency ${worker.concurrency}\n`,
  );
  const signal = await stopSignal;
  ctx.stderr.write(`${signal}: stopping (running tasks get ${opts.grace} s)…\n`);
  await worker.close(Math.round(opts.grace * 1000));
  ctx.stderr.write('stopped\n');
}

/** `sporeprint worker [--concurrency N] [--grace S] [--health]`. */
export function registerWorkerCommand(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description(
      'Run pipeline tasks queued on Redis (SPOREPRINT_EXECUTOR=bullmq), reconciling active runs, until SIGTERM',
    )
    .option(
      '--concurrency <n>',
      'tasks run at once (default from config: SPOREPRINT_WORKER_CONCURRENCY)',
      parseConcurrency,
    )
    .option(
      '--grace <seconds>',
      'on SIGTERM, how long running tasks may finish before they are requeued',
      parseGrace,
      20,
    )
    .option('--health', 'check that the database and Redis answer (exit 0), then exit')
    .action(async (opts: { concurrency?: number; grace: number; health?: boolean }) => {
      if (opts.health) await printHealth(ctx);
      else await workUntilSignal(ctx, opts);
    });
}
