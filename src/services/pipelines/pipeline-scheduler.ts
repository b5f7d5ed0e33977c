/**
 * Pipeline triggers that run by themselves: cron schedules (time zone aware, through croner) and a
 * watched data folder. Several schedulers may run at once (replicas, a restarted one beside an old
 * one): each tick's run carries the dedupe key `schedule:<name>:<tick ISO>`, and each file's
 * `folder:<path>:<size>:<mtime>`, so the database creates one run per tick or file whoever asks first.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Cron } from 'croner';
import { SporeprintError } from '../../core/index.js';
import type { PipelineRunRecord } from '../../storage/index.js';
import type { RunTrigger } from './pipeline-service-types.js';

/** One schedule: run `pipeline` with `params` at every tick of `cron` in `timezone`. */
export interface PipelineSchedule {
  /** Unique among schedules; part of each tick's dedupe key. */
  readonly name: string;
  readonly pipeline: string;
  /** 5 fields (minute precision) or 6 (seconds first), croner syntax. */
  readonly cron: string;
  /** IANA time zone (default UTC): `0 3 * * *` in Europe/Berlin is 03:00 Berlin time, DST included. */
  readonly timezone?: string;
  readonly params?: Readonly<Record<string, string | number | boolean>>;
}

/** Starts a run (the pipeline service's `start`); a taken dedupe key returns the existing run. */
export type StartRun = (
  pipeline: string,
  params: Readonly<Record<string, string | number | boolean>>,
  trigger: RunTrigger,
) => Promise<PipelineRunRecord>;

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

function compile(s: PipelineSchedule): Cron {
  let cron: Cron;
  try {
    cron = new Cron(s.cron, { timezone: s.timezone ?? 'UTC', paused: true });
    cron.nextRun(); // an unknown time zone only shows when a date is converted
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new SporeprintError(
      'SP_ERR_CONFIG',
      `Schedule ${s.name}: "${s.cron}"${s.timezone ? ` in ${s.timezone}` : ''} is not a valid schedule: ${why}`,
      { schedule: s.name, cron: s.cron, timezone: s.timezone ?? 'UTC' },
    );
  }
  return cron;
}

/**
 * Checks schedules as configuration (names, pipelines known, cron and time zone parse); throws one
 * `SP_ERR_CONFIG` naming the first bad schedule and what is wrong.
 */
export function validateSchedules(
  schedules: readonly PipelineSchedule[],
  knownPipelines: ReadonlySet<string>,
): void {
  const seen = new Set<string>();
  for (const s of schedules) {
    if (!NAME.test(s.name)) {
      throw new SporeprintError(
        'SP_ERR_CONFIG',
        `Schedule name "${s.name}" is invalid: use lower-case letters, digits, - and _ (up to 63)`,
        { schedule: s.name },
      );
    }
    if (seen.has(s.name)) {
      throw new SporeprintError('SP_ERR_CONFIG', `Schedule ${s.name} is defined twice`, { schedule: s.name });
    }
    seen.add(s.name);
    if (!knownPipelines.has(s.pipeline)) {
      throw new SporeprintError(
        'SP_ERR_CONFIG',
        `Schedule ${s.name} runs pipeline "${s.pipeline}", which does not exist (known: ${[...knownPipelines].join(', ')})`,
        { schedule: s.name, pipeline: s.pipeline },
      );
    }
    compile(s);
  }
}

/** The dedupe key of one tick of a schedule. */
export const scheduleDedupeKey = (name: string, tick: Date): string =>
  `schedule:${name}:${tick.toISOString()}`;

/**
 * The tick a scheduler should start at `now`: the latest tick at or before `now`, if it is later
 * than `after` and no older than `catchUpMs` (a scheduler that was down starts only the latest
 * missed tick, like Airflow's `catchup=False`); otherwise null.
 */
export function dueTick(cron: Cron, now: Date, after: Date | null, catchUpMs: number): Date | null {
  const [latest] = cron.previousRuns(1, new Date(now.getTime() + 1));
  if (latest === undefined) return null;
  if (after !== null && latest.getTime() <= after.getTime()) return null;
  if (now.getTime() - latest.getTime() > catchUpMs) return null;
  return latest;
}

export interface SchedulerOptions {
  readonly schedules: readonly PipelineSchedule[];
  readonly start: StartRun;
  /** How often ticks are looked for (default 1000 ms). */
  readonly pollMs?: number;
  /** How late a tick may still be started (default 10 minutes). */
  readonly catchUpMs?: number;
  /** A watched folder: each new CSV file (size and mtime steady over two polls) starts `pipeline`. */
  readonly watch?: {
    readonly dir: string;
    /** Default `retrain`. */
    readonly pipeline?: string;
    /** The parameter the file's path goes into (default `source`). */
    readonly param?: string;
  };
  readonly now?: () => Date;
  /** A run this scheduler asked for (also when another scheduler had created it first). */
  readonly onRun?: (run: PipelineRunRecord, why: string) => void;
  /** A failed round (database down, folder unreadable): reported, retried on the next poll. */
  readonly onError?: (error: Error) => void;
}

export interface PipelineScheduler {
  /** One round now (what the timer runs); resolves when its starts are done. */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

interface SeenFile {
  readonly size: number;
  readonly mtimeMs: number;
  started: boolean;
}

/** Starts the scheduler's timer (the timer keeps the process alive: a scheduler process runs it). */
export function startPipelineScheduler(o: SchedulerOptions): PipelineScheduler {
  const now = o.now ?? (() => new Date());
  const catchUpMs = o.catchUpMs ?? 10 * 60_000;
  const crons = o.schedules.map((s) => ({ s, cron: compile(s), last: null as Date | null }));
  const files = new Map<string, SeenFile>();
  const report = (e: unknown) => o.onError?.(e instanceof Error ? e : new Error(String(e)));

  const scheduleRound = async (at: Date) => {
    for (const c of crons) {
      const tick = dueTick(c.cron, at, c.last, catchUpMs);
      if (tick === null) continue;
      const run = await o.start(c.s.pipeline, c.s.params ?? {}, {
        kind: 'schedule',
        ref: c.s.name,
        dedupeKey: scheduleDedupeKey(c.s.name, tick),
        createdBy: `schedule ${c.s.name}`,
      });
      c.last = tick; // only once the run exists: a failed start is tried again next poll
      o.onRun?.(run, `schedule ${c.s.name} at ${tick.toISOString()}`);
    }
  };

  const watchRound = async () => {
    if (o.watch === undefined) return;
    const dir = resolve(o.watch.dir);
    const names = (await readdir(dir)).filter((n) => n.toLowerCase().endsWith('.csv')).sort();
    for (const name of names) {
      const path = join(dir, name);
      const st = await stat(path).catch(() => null);
      if (st === null || !st.isFile()) continue;
      const prev = files.get(path);
      if (prev === undefined || prev.size !== st.size || prev.mtimeMs !== st.mtimeMs) {
        files.set(path, { size: st.size, mtimeMs: st.mtimeMs, started: false });
        continue; // still being written, or new: wait one poll for it to settle
      }
      if (prev.started) continue;
      const pipeline = o.watch.pipeline ?? 'retrain';
      const run = await o.start(
        pipeline,
        { [o.watch.param ?? 'source']: path },
        {
          kind: 'folder',
          ref: path,
          dedupeKey: `folder:${path}:${st.size}:${Math.round(st.mtimeMs)}`,
          createdBy: `watched folder ${dir}`,
        },
      );
      prev.started = true;
      o.onRun?.(run, `new file ${name}`);
    }
  };

  let running: Promise<void> | null = null;
  const poll = (): Promise<void> => {
    running ??= (async () => {
      try {
        await scheduleRound(now());
      } catch (e) {
        report(e);
      }
      try {
        await watchRound();
      } catch (e) {
        report(e);
      }
    })().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => void poll(), o.pollMs ?? 1000);
  void poll();
  return {
    poll,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
