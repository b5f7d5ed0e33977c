/**
 * A BullMQ task worker process for the runner tests. Settings come as JSON in BULLMQ_CHILD:
 * { redisUrl, queueName, prefix, concurrency, lockDurationMs, log, graceMs }. The handler reads what
 * to do from the task id: `sleep-<ms>[-…]` sleeps (aborted by the shutdown), `fail[-…]` throws, and
 * anything else returns at once. Each start and end is appended to `log` as one JSON line
 * ({ event, jobId, pid, at }); the process prints `worker ready` once connected and closes on SIGTERM.
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBullmqWorker, type TaskJob } from '../../src/pipeline/index.js';
import type { WorkerSettings } from './bullmq-workers.js';

const settings = JSON.parse(process.env.BULLMQ_CHILD ?? '{}') as WorkerSettings;

const record = (event: string, job: TaskJob, extra: Record<string, unknown> = {}): void => {
  const jobId = `${job.runId}.${job.taskId}.${job.attempt}`;
  appendFileSync(
    settings.log,
    `${JSON.stringify({ event, jobId, pid: process.pid, at: Date.now(), ...extra })}\n`,
  );
};

async function handle(job: TaskJob, signal: AbortSignal): Promise<void> {
  record('start', job);
  const sleepMs = /^sleep-(\d+)/.exec(job.taskId);
  try {
    if (sleepMs) await sleep(Number(sleepMs[1]), undefined, { signal });
    if (job.taskId.startsWith('fail')) throw new Error(`task ${job.taskId} failed on purpose`);
  } catch (e) {
    record(signal.aborted ? 'aborted' : 'threw', job);
    throw e;
  }
  record('end', job);
}

const worker = startBullmqWorker({
  redisUrl: settings.redisUrl,
  queueName: settings.queueName,
  prefix: settings.prefix,
  concurrency: settings.concurrency,
  lockDurationMs: settings.lockDurationMs,
  handler: handle,
  onEvent: (e) => {
    if (e.type === 'ready') console.log('worker ready');
    else if (e.type === 'error') console.error(`worker error: ${e.error}`);
    else console.log(`worker event ${JSON.stringify(e)}`);
  },
});

process.on('SIGTERM', () => {
  void worker.close(settings.graceMs).then(() => {
    console.log('worker closed');
    process.exit(0);
  });
});
