/**
 * What the server's monitoring-check thread (`monitor-check-thread.ts`) and its owner on the main
 * thread (`MonitorCheckWorker`, `monitor-check-worker.ts`) send each other: one set of types for both
 * sides. Every message is structured-cloned (dates stay dates).
 */
import type { Config } from '../config/index.js';
import type { DriftSettings, MonitorQuery, WindowFigures } from '../services/index.js';

/** The thread's `workerData`: the server's config (the database, the artifact store, the gate). */
export interface CheckThreadData {
  readonly config: Config;
}

/** What the thread is asked to do. */
export type CheckCall = {
  readonly kind: 'figures';
  readonly query: MonitorQuery;
  readonly settings?: DriftSettings;
};

/** A call as sent; `id` pairs it with its reply. */
export type CheckRequest = CheckCall & { readonly id: number };

/** What each kind of call answers. */
export interface CheckAnswers {
  readonly figures: WindowFigures;
}

/** An error as it crosses threads: a `SporeprintError`'s code and details survive. */
export interface ThreadError {
  readonly message: string;
  readonly code?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The thread's reply to the request `id`. */
export type CheckReply =
  | { readonly id: number; readonly ok: true; readonly value: CheckAnswers[keyof CheckAnswers] }
  | { readonly id: number; readonly ok: false; readonly error: ThreadError };

/** Sent instead of a request: close the storage and stop. */
export const CLOSE_THREAD = 'close';
