/**
 * The server's monitoring checks off the thread that answers requests: a worker thread with its own
 * storage connection (`monitor-check-thread.ts`) computes each check's drift and performance, so
 * neither the queries (synchronous on SQLite) nor the drift tests hold up predictions. It only reads
 * (but for a version's reference profile built on first use, once), so at its lower priority it never
 * holds a write lock the prediction log waits for. The schedule's lease (a short write) and the alert
 * rules (about a millisecond: the rollback action and the webhook channel belong to this thread's
 * registry and queue) stay on this thread.
 *
 * The thread's code is `monitor-check-thread.ts`, started from the build or from source as storage's
 * `threadEntry` says; the messages both sides exchange are typed in `monitor-check-messages.ts`.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/index.js';
import { ERROR_CATALOGUE, type ErrorCode, SporeprintError } from '../core/index.js';
import type { DriftSettings, MonitorQuery, WindowFigures } from '../services/index.js';
import { threadEntry } from '../storage/index.js';
import {
  type CheckAnswers,
  type CheckCall,
  type CheckReply,
  type CheckRequest,
  type CheckThreadData,
  CLOSE_THREAD,
  type ThreadError,
} from './monitor-check-messages.js';

/** How long {@link MonitorCheckWorker.close} waits for the thread to close its storage and stop. */
const CLOSE_TIMEOUT_MS = 10_000;

/** The error a reply carries, as this thread knows it (a `SporeprintError` keeps its code). */
function fromThread(e: ThreadError): Error {
  if (e.code !== undefined && Object.hasOwn(ERROR_CATALOGUE, e.code)) {
    return new SporeprintError(
      e.code as ErrorCode,
      e.message,
      e.details === undefined ? undefined : { ...e.details },
    );
  }
  return new Error(e.message);
}

interface Pending {
  readonly resolve: (value: CheckAnswers[keyof CheckAnswers]) => void;
  readonly reject: (e: Error) => void;
}

/**
 * The check thread, started with the first request and started again after it stopped (the requests
 * in flight then fail). Idle, it does not keep the process alive.
 */
export class MonitorCheckWorker {
  readonly #data: CheckThreadData;
  #worker: Worker | null = null;
  readonly #pending = new Map<number, Pending>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #seq = 0;
  #closed: Promise<void> | undefined;

  constructor(config: Config) {
    this.#data = { config };
  }

  /** The running thread's id (null before the first call, after `close` and after a crash). */
  get threadId(): number | null {
    return this.#worker?.threadId ?? null;
  }

  /** Drift and performance of a window, as `MonitoringService.figures` computes them, on the thread. */
  figures(query: MonitorQuery, settings?: DriftSettings): Promise<WindowFigures> {
    return this.#request<'figures'>({ kind: 'figures', query, settings });
  }

  /** Waits for the requests in flight, closes the thread's storage and stops it. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.allSettled(this.#inFlight);
      const worker = this.#worker;
      this.#worker = null;
      if (worker === null) return;
      const exited = new Promise<void>((r) => worker.once('exit', () => r()));
      worker.ref();
      worker.postMessage(CLOSE_THREAD);
      const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    })();
    return this.#closed;
  }

  #request<K extends CheckCall['kind']>(call: Extract<CheckCall, { kind: K }>): Promise<CheckAnswers[K]> {
    if (this.#closed !== undefined) {
      return Promise.reject(new Error('the monitoring check thread is closed'));
    }
    const worker = this.#start();
    const id = ++this.#seq;
    const answered = new Promise<CheckAnswers[K]>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as Pending['resolve'], reject });
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage({ ...call, id } satisfies CheckRequest);
    });
    this.#inFlight.add(answered);
    const forget = () => this.#inFlight.delete(answered);
    answered.then(forget, forget);
    return answered;
  }

  #start(): Worker {
    if (this.#worker !== null) return this.#worker;
    const { entry, eval: isScript } = threadEntry(import.meta.url, 'monitor-check-thread');
    const worker = new Worker(entry, {
      eval: isScript,
      workerData: this.#data,
      // Bounded heaps keep the thread small: V8 sizes its heap growth by the limit, and by default lets
      // the old generation grow far before collecting (process RSS after 60 checks of a window of 5,000
      // roll-up rows: 164-181 MB with V8's defaults, 131-133 MB with these limits, 72 MB before the
      // thread started). A window whose figures outgrow 256 MB fails its check (the thread stops and
      // is started again at the next), never the server.
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 },
    });
    worker.unref();
    worker.on('message', (m: CheckReply) => {
      const p = this.#pending.get(m.id);
      if (p === undefined) return;
      this.#pending.delete(m.id);
      if (this.#pending.size === 0) worker.unref();
      if (m.ok) p.resolve(m.value);
      else p.reject(fromThread(m.error));
    });
    // A thread that stops fails the requests in flight on it; events of a thread already replaced
    // (or shut down by close) are ignored.
    const gone = (reason: string) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      const pending = [...this.#pending.values()];
      this.#pending.clear();
      for (const p of pending) p.reject(new Error(`the monitoring check thread stopped: ${reason}`));
    };
    worker.on('error', (e) => gone(e.message));
    worker.on('exit', (code) => gone(`exit code ${code}`));
    this.#worker = worker;
    return worker;
  }
}
