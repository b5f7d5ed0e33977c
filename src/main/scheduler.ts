/**
 * Composition of `sporeprint scheduler`: the configured cron schedules and the watched data folder
 * (`startPipelineScheduler`), beside the pipeline upkeep (runs of dead processes adopted, queued tasks
 * dispatched again, paused runs resumed). With the local executor the scheduler also executes the runs
 * it starts; with BullMQ the workers do. Several schedulers may run at once: each tick's run is created
 * once (its dedupe key), whoever asks first.
 */
import type { Config } from '../config/index.js';
import type { CliServices, SchedulerHandle } from '../interfaces/cli/index.js';
import { startPipelineScheduler, validateSchedules } from '../services/index.js';
import { heartbeatMsOf, readSchedules, startPipelineUpkeep } from './pipeline-deps.js';

/** What {@link startScheduler} needs besides the config. */
export interface SchedulerDeps {
  readonly openServices: () => Promise<CliServices>;
  readonly print: (line: string) => void;
}

/**
 * Starts the scheduler once the schedules are valid (`SP_ERR_CONFIG` naming a bad one: a cron
 * expression or time zone that does not parse, an unknown pipeline, a name used twice).
 */
export async function startScheduler(
  config: Config,
  deps: SchedulerDeps,
  opts: { readonly pollMs?: number },
): Promise<SchedulerHandle> {
  const schedules = readSchedules(config);
  const services = await deps.openServices();
  try {
    const pipelines = await services.pipelines();
    validateSchedules(schedules, new Set(pipelines.catalogue.names()));
    const watchDir = config.pipelines.watchDir;
    const upkeep = startPipelineUpkeep(pipelines, Math.max(1000, heartbeatMsOf(config)), deps.print);
    let lastError = '';
    const scheduler = startPipelineScheduler({
      schedules,
      start: (pipeline, params, trigger) => pipelines.start(pipeline, params, trigger),
      pollMs: opts.pollMs,
      watch: watchDir === undefined ? undefined : { dir: watchDir },
      onRun: (run, why) => deps.print(`scheduler: ${why}: run ${run.id} of ${run.pipeline} (${run.state})`),
      // the same failure every poll (database away) is printed once, until it changes
      onError: (e) => {
        if (e.message !== lastError) deps.print(`error: scheduler: ${e.message}`);
        lastError = e.message;
      },
    });
    let closing: Promise<void> | undefined;
    return {
      schedules: schedules.map((s) => ({ ...s })),
      watchDir: watchDir ?? null,
      executor: pipelines.executor,
      close(graceMs) {
        closing ??= (async () => {
          await scheduler.stop();
          await upkeep.stop();
          void graceMs; // the pipelines give running tasks a moment, then leave them to be resumed
          await services.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await services.close();
    throw e;
  }
}
