import { Command, CommanderError } from 'commander';
import { isSporeprintError } from '../../core/index.js';
import { registerAlertsCommand } from './commands/alerts-command.js';
import { registerDatasetsCommand } from './commands/datasets-command.js';
import { registerDbCommand } from './commands/db-command.js';
import { registerEtlCommand } from './commands/etl-command.js';
import { registerExperimentsCommand } from './commands/experiments-command.js';
import { registerKeysCommand } from './commands/keys-command.js';
import { registerModelsCommand } from './commands/models-command.js';
import { registerMonitorCommand } from './commands/monitor-command.js';
import { registerPipelineCommand } from './commands/pipeline-command.js';
import { registerRunsCommand } from './commands/runs-command.js';
import { registerSchedulerCommand } from './commands/scheduler-command.js';
import { registerServeCommand } from './commands/serve-command.js';
import { registerSimulateCommand } from './commands/simulate-command.js';
import { registerStartCommand } from './commands/start-command.js';
import { registerTrainCommand } from './commands/train-command.js';
import { registerWorkerCommand } from './commands/worker-command.js';
import type { CliContext } from './context.js';
import { ExitCode } from './exit-code.js';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Builds the `sporeprint` command tree. */
export function buildProgram(ctx: CliContext, version: string): Command {
  const program = new Command('sporeprint')
    .description(
      'Mushroom classification as MLOps software: ETL, training, a model registry with a quality gate, ' +
        'an HTTP API that logs every prediction, A/B experiments, monitoring (drift, performance, alerts), ' +
        'and pipelines (the retraining loop as a DAG of tasks, retried and resumable)',
    )
    .version(version)
    // `sporeprint --version` only before a command, so that `models show <name> --version N` works
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride();
  registerStartCommand(program, ctx);
  registerEtlCommand(program, ctx);
  registerDatasetsCommand(program, ctx);
  registerDbCommand(program, ctx);
  registerTrainCommand(program, ctx);
  registerRunsCommand(program, ctx);
  registerServeCommand(program, ctx);
  registerKeysCommand(program, ctx);
  registerModelsCommand(program, ctx);
  registerExperimentsCommand(program, ctx);
  registerSimulateCommand(program, ctx);
  registerAlertsCommand(program, ctx);
  registerMonitorCommand(program, ctx);
  registerPipelineCommand(program, ctx);
  registerWorkerCommand(program, ctx);
  registerSchedulerCommand(program, ctx);
  for (const c of program.commands) {
    c.exitOverride();
    for (const sub of c.commands) sub.exitOverride();
  }
  return program;
}

/**
 * Runs the CLI with `argv` (without the node and script entries) and returns the exit code.
 * Domain errors print `error [SP_ERR_…]: message` on stderr; usage errors exit with 2.
 */
export async function runCli(ctx: CliContext, argv: readonly string[], version: string): Promise<number> {
  const program = buildProgram(ctx, version);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0)
        return EXIT.ok;
      return EXIT.usage;
    }
    if (e instanceof ExitCode) return e.code;
    if (isSporeprintError(e)) {
      ctx.stderr.write(`error [${e.code}]: ${e.message}\n`);
      const usage =
        e.code === 'SP_ERR_USAGE' ||
        e.code === 'SP_ERR_BAD_PARAM' ||
        e.code === 'SP_ERR_CONFIG' ||
        e.code === 'SP_ERR_PIPELINE_SPEC';
      return usage ? EXIT.usage : EXIT.failure;
    }
    ctx.stderr.write(`error [SP_ERR_INTERNAL]: ${(e as Error).message ?? String(e)}\n`);
    return EXIT.failure;
  }
}
