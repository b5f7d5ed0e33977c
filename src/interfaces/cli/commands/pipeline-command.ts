import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { isSporeprintError, SporeprintError } from '../../../core/index.js';
import { airflowDag, type PipelineSpec, RUN_STATES, type RunState } from '../../../pipeline/index.js';
import type { PipelineRunView, PipelineService } from '../../../services/index.js';
import type { CliContext, CliServices } from '../context.js';
import { ExitCode } from '../exit-code.js';
import { toJson } from '../format.js';
import { createLiveView } from '../pipeline-live-view.js';
import {
  renderLogs,
  renderPipelineList,
  renderPlan,
  renderRunList,
  renderRunView,
} from '../render-pipelines.js';

/** `--param name=value`, collected (a name given twice is refused). */
function collectParam(value: string, acc: Record<string, string> = {}): Record<string, string> {
  const m = /^([A-Za-z_][A-Za-z0-9_-]*)=(.*)$/s.exec(value);
  if (m === null) throw new InvalidArgumentError(`expected name=value, e.g. deploy=promote, got '${value}'`);
  if (Object.hasOwn(acc, m[1])) throw new InvalidArgumentError(`parameter ${m[1]} is given twice`);
  return { ...acc, [m[1]]: m[2] };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1000) {
    throw new InvalidArgumentError(`expected an integer from 1 to 1000, got '${value}'`);
  }
  return n;
}

function runState(value: string): RunState {
  if (!(RUN_STATES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${RUN_STATES.join(', ')}, got '${value}'`);
  }
  return value as RunState;
}

/** Opens the services and the pipelines, runs `fn` (it writes its own output), closes them. */
async function withPipelines(
  ctx: CliContext,
  fn: (p: PipelineService, s: CliServices) => Promise<string>,
): Promise<void> {
  const services = await ctx.openServices();
  try {
    ctx.stdout.write(await fn(await services.pipelines(), services));
  } finally {
    await services.close();
  }
}

/**
 * Waits for the run with a live view on stderr, then prints it; exit code 1 unless it succeeded.
 * `--detach` returns at once, which the local executor cannot do (its tasks run in this process).
 */
async function follow(
  ctx: CliContext,
  p: PipelineService,
  runId: string,
  opts: { detach?: boolean; json?: boolean; fromOwner?: string },
): Promise<string> {
  if (opts.detach) {
    const run = (await p.show(runId)).run;
    return opts.json ? toJson(run) : `Pipeline run ${run.id} (${run.pipeline}): ${run.state}\n`;
  }
  const live = createLiveView(ctx.stderr, ctx.progress);
  // a runner process (--from-owner) stops once another process took its local run
  const lost = (v: PipelineRunView) =>
    opts.fromOwner !== undefined && v.run.executor === 'local' && v.run.runnerOwner !== p.owner;
  const view = await p.waitFor(
    runId,
    (v) => {
      live.update(v);
      return lost(v);
    },
    250,
  );
  live.stop();
  if (lost(view)) {
    ctx.stderr.write(
      `Pipeline run ${runId} is run by process ${view.run.runnerOwner ?? '(none)'} now: this process stops\n`,
    );
    throw new ExitCode(1);
  }
  ctx.stdout.write(opts.json ? toJson(view) : renderRunView(view));
  if (view.run.state !== 'succeeded') throw new ExitCode(1);
  return '';
}

function refuseLocalDetach(p: PipelineService, detach: boolean | undefined): void {
  if (detach && p.executor === 'local') {
    throw new SporeprintError(
      'SP_ERR_USAGE',
      '--detach needs SPOREPRINT_EXECUTOR=bullmq: the local executor runs the tasks in this process, which must stay until the run ends',
    );
  }
}

type RunOptions = { param?: Record<string, string>; detach?: boolean; json?: boolean; fromOwner?: string };

function addRun(pipeline: Command, ctx: CliContext): void {
  pipeline
    .command('run')
    .description('Start a run of a pipeline and show it live until it ends (exit 1 unless it succeeded)')
    .argument('<name>', 'pipeline name (see `sporeprint pipeline pipelines`)')
    .option('--param <name=value>', 'a pipeline parameter (repeatable)', collectParam)
    .option('--detach', 'return once the run is started (bullmq executor)')
    .option('--json', 'print the run as JSON')
    .action((name: string, opts: RunOptions) =>
      withPipelines(ctx, async (p) => {
        refuseLocalDetach(p, opts.detach);
        await p.resumeOrphans();
        const run = await p.start(name, opts.param ?? {}, { kind: 'manual', createdBy: ctx.defaultActor() });
        if (!opts.json) ctx.stderr.write(`Pipeline run ${run.id} (${name}) started\n`);
        return follow(ctx, p, run.id, opts);
      }),
    );
}

function addRunAction(action: 'retry' | 'resume', description: string) {
  return (pipeline: Command, ctx: CliContext): void => {
    const command = pipeline
      .command(action)
      .description(description)
      .argument('<id>', 'run id')
      .option('--detach', 'return at once (bullmq executor)')
      .option('--json', 'print the run as JSON');
    if (action === 'resume') {
      command.option(
        '--from-owner <owner>',
        'take the run over from this live owner (how `sporeprint serve` hands a run to its runner process)',
      );
    }
    command.action((id: string, opts: RunOptions) =>
      withPipelines(ctx, async (p) => {
        refuseLocalDetach(p, opts.detach);
        if (action === 'resume') await p.resume(id, { from: opts.fromOwner });
        else await p.retry(id);
        return follow(ctx, p, id, opts);
      }),
    );
  };
}

function addCancel(pipeline: Command, ctx: CliContext): void {
  pipeline
    .command('cancel')
    .description('Cancel a running or paused run (running tasks are aborted)')
    .argument('<id>', 'run id')
    .option('--json', 'print the run as JSON')
    .action((id: string, opts: { json?: boolean }) =>
      withPipelines(ctx, async (p) => {
        const run = await p.cancel(id, ctx.defaultActor());
        return opts.json ? toJson(run) : `Cancelled pipeline run ${run.id} (${run.pipeline})\n`;
      }),
    );
}

function addList(pipeline: Command, ctx: CliContext): void {
  pipeline
    .command('list')
    .description('Pipeline runs, newest first')
    .option('--pipeline <name>', 'only runs of this pipeline')
    .option('--state <state>', `only runs in this state (${RUN_STATES.join(', ')})`, runState)
    .option('--limit <n>', 'at most n runs (default 20)', positiveInt)
    .option('--json', 'print JSON')
    .action((opts: { pipeline?: string; state?: RunState; limit?: number; json?: boolean }) =>
      withPipelines(ctx, async (p) => {
        const runs = await p.list({
          pipeline: opts.pipeline,
          states: opts.state === undefined ? undefined : [opts.state],
          limit: opts.limit ?? 20,
        });
        return opts.json ? toJson(runs) : renderRunList(runs);
      }),
    );
}

function addShow(pipeline: Command, ctx: CliContext): void {
  pipeline
    .command('show')
    .description('A run with its tasks (state, attempts, durations, errors), attempts and what it made')
    .argument('<id>', 'run id')
    .option('--json', 'print JSON')
    .action((id: string, opts: { json?: boolean }) =>
      withPipelines(ctx, async (p) => {
        const view = await p.show(id);
        return opts.json ? toJson(view) : renderRunView(view);
      }),
    );
}

function addLogs(pipeline: Command, ctx: CliContext): void {
  pipeline
    .command('logs')
    .description("A run's log lines (all tasks, or one)")
    .argument('<id>', 'run id')
    .option('--task <id>', 'only this task')
    .option('--follow', 'keep printing new lines until the run ends')
    .action((id: string, opts: { task?: string; follow?: boolean }) =>
      withPipelines(ctx, async (p) => {
        let afterId: number | undefined;
        for (;;) {
          const done = opts.follow ? !['running', 'paused'].includes((await p.show(id)).run.state) : true;
          for (;;) {
            const logs = await p.logs(id, { taskId: opts.task, afterId, limit: 1000 });
            if (logs.length === 0) break;
            ctx.stdout.write(renderLogs(logs));
            afterId = logs[logs.length - 1].id;
          }
          if (done) return '';
          await new Promise((r) => setTimeout(r, 500));
        }
      }),
    );
}

function addPipelines(pipeline: Command, ctx: CliContext): void {
  pipeline
    .command('pipelines')
    .alias('list-pipelines')
    .description('The pipelines this installation knows, with their parameters and tasks')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withPipelines(ctx, async (p) => {
        const list = p.catalogue.list();
        return opts.json ? toJson(list) : renderPipelineList(list);
      }),
    );
}

function addTask(pipeline: Command, ctx: CliContext): void {
  pipeline
    .command('task')
    .description(
      "Run one task of a pipeline in this process (Airflow's entry point): the run of --run-key is created or found; refused while upstream tasks have not succeeded; exit 1 if it fails",
    )
    .argument('<pipeline>', 'pipeline name')
    .argument('<task>', 'task id')
    .requiredOption('--run-key <key>', 'the external run id (Airflow: {{ run_id }})')
    .option(
      '--param <name=value>',
      'a pipeline parameter, used when the run is created (repeatable)',
      collectParam,
    )
    .option('--json', 'print the task as JSON')
    .action(
      (
        name: string,
        taskId: string,
        opts: { runKey: string; param?: Record<string, string>; json?: boolean },
      ) =>
        withPipelines(ctx, async (p) => {
          const r = await p.runSingleTask(name, taskId, opts.runKey, opts.param ?? {});
          const t = r.task;
          const text = r.ran
            ? `Task ${t.taskId} of pipeline run ${r.run.id}: ${t.state} (attempt ${t.attempt})${t.error ? `: ${t.error}` : ''}\n`
            : `Task ${t.taskId} of pipeline run ${r.run.id} already succeeded: nothing to do\n`;
          ctx.stdout.write(opts.json ? toJson(t) : text);
          if (t.state !== 'succeeded') throw new ExitCode(1);
          return '';
        }),
    );
}

function addExport(pipeline: Command, ctx: CliContext): void {
  pipeline
    .command('export')
    .description(
      'Write an Airflow DAG file that runs a pipeline task by task through `sporeprint pipeline task`',
    )
    .argument('<format>', 'airflow')
    .argument('[pipeline]', 'pipeline name (default retrain)')
    .requiredOption('--out <file>', 'the DAG file to write')
    .option('--pipeline <name>', 'pipeline name (default retrain)')
    .option('--schedule <name>', 'a configured schedule (SPOREPRINT_PIPELINE_SCHEDULES) to run it on')
    .action(
      (
        format: string,
        positional: string | undefined,
        opts: { out: string; pipeline?: string; schedule?: string },
      ) =>
        withPipelines(ctx, async (p) => {
          if (format !== 'airflow')
            throw new SporeprintError('SP_ERR_USAGE', `unknown export format '${format}' (known: airflow)`);
          const name = opts.pipeline ?? positional ?? 'retrain';
          const spec = p.catalogue.get(name);
          let schedule: { cron: string; timezone: string } | null = null;
          if (opts.schedule !== undefined) {
            const all = ctx.pipelineSchedules();
            const s = all.find((x) => x.name === opts.schedule);
            if (s === undefined) {
              throw new SporeprintError(
                'SP_ERR_USAGE',
                `unknown schedule '${opts.schedule}' (configured: ${all.map((x) => x.name).join(', ') || 'none; see SPOREPRINT_PIPELINE_SCHEDULES'})`,
              );
            }
            schedule = { cron: s.cron, timezone: s.timezone ?? 'UTC' };
          }
          const text = airflowDag({ spec, schedule, command: 'sporeprint' });
          const out = resolve(opts.out);
          await mkdir(dirname(out), { recursive: true });
          await writeFile(out, text);
          return `Wrote ${out}: Airflow DAG of pipeline ${name} (${spec.tasks.length} tasks)\n`;
        }),
    );
}

function addValidate(pipeline: Command, ctx: CliContext): void {
  pipeline
    .command('validate')
    .description(
      'Check a pipeline spec (JSON) against the task kinds and print its plan or its problems (exit 2)',
    )
    .requiredOption('--file <spec.json>', 'a JSON PipelineSpec')
    .option('--param <name=value>', 'a run parameter to plan with (repeatable)', collectParam)
    .option('--json', 'print the plan as JSON')
    .action((opts: { file: string; param?: Record<string, string>; json?: boolean }) =>
      withPipelines(ctx, async (p) => {
        let spec: PipelineSpec;
        try {
          spec = JSON.parse(await readFile(opts.file, 'utf8')) as PipelineSpec;
        } catch (e) {
          throw new SporeprintError(
            'SP_ERR_USAGE',
            `cannot read ${opts.file} as JSON: ${(e as Error).message}`,
          );
        }
        try {
          const plan = p.catalogue.plan(spec, opts.param ?? {});
          return opts.json ? toJson(plan) : renderPlan(plan);
        } catch (e) {
          if (!isSporeprintError(e) || e.code !== 'SP_ERR_PIPELINE_SPEC') throw e;
          const problems = (e.details?.specProblems as string[] | undefined) ?? [e.message];
          ctx.stderr.write(
            `${opts.file} is not a valid pipeline:\n${problems.map((x) => `  - ${x}\n`).join('')}`,
          );
          throw new ExitCode(2);
        }
      }),
    );
}

/** `sporeprint pipeline …`: pipelines of tasks (the standard `retrain`, user modules), run and inspected. */
export function registerPipelineCommand(program: Command, ctx: CliContext): void {
  const pipeline = program
    .command('pipeline')
    .description(
      'Pipelines: DAGs of tasks run locally or on BullMQ workers, with retries, history and an Airflow export',
    );
  for (const add of [
    addPipelines,
    addRun,
    addList,
    addShow,
    addLogs,
    addRunAction('retry', 'Rerun the failed tasks of a failed or cancelled run and what depends on them'),
    addCancel,
    addRunAction('resume', 'Resume a run whose process stopped, from its last finished tasks'),
    addTask,
    addExport,
    addValidate,
  ]) {
    add(pipeline, ctx);
  }
}
