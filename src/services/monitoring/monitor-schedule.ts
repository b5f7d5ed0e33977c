/**
 * The server's monitoring schedule: a monitoring check every interval, by one process at a time across
 * replicas — each round first takes (or keeps) the database lease `monitor-check`; a round whose lease
 * another live process holds is skipped. Runs on a timer, off the request path.
 */
import type { LeaseRecord, LeaseRepository } from '../../storage/index.js';
import type { MonitorCheckResult } from './monitor-check.js';

/** The lease the schedule holds while this process is the one that checks. */
export const MONITOR_CHECK_LEASE = 'monitor-check';

/** What one round did: checked, left to the lease's holder, or failed (the error went to `onError`). */
export type MonitorRoundOutcome = 'ran' | 'skipped' | 'failed';

/** What the schedule has done so far in this process (for `/metrics`). */
export interface MonitorScheduleStatus {
  /** The last check this process ran (null before its first). */
  readonly last: MonitorCheckResult | null;
  /** When the last check finished, and how long it took (null before the first). */
  readonly lastAt: Date | null;
  readonly lastDurationMs: number | null;
  readonly rounds: Readonly<Record<MonitorRoundOutcome, number>>;
  /** Whether this process held the lease after its last round. */
  readonly holdsLease: boolean;
}

export interface MonitorScheduleOptions {
  readonly leases: Pick<LeaseRepository, 'acquire' | 'release'>;
  /** This process's name as the lease's owner (unique per process). */
  readonly owner: string;
  /** Between rounds; 0 = no schedule. */
  readonly intervalMs: number;
  /** One check (the caller builds the window and the backlog sample). */
  readonly check: () => Promise<MonitorCheckResult>;
  /** A round's failure (a check that threw, a lease the database refused); never stops the schedule. */
  readonly onError?: (error: Error) => void;
  /** This process took the lease over (first round, or after another holder let it go or died). */
  readonly onLease?: (lease: LeaseRecord) => void;
}

/** A running schedule. */
export interface MonitorSchedule {
  status(): MonitorScheduleStatus;
  /** One round now (what the timer runs); a round already running is awaited instead. */
  round(): Promise<MonitorRoundOutcome>;
  /** Stops the timer, waits for a round in progress and lets the lease go. */
  stop(): Promise<void>;
}

/**
 * The lease's TTL: a little longer than the interval (half as long again, at least 5 s more), so the
 * holder renews it every round and another process takes over only after the holder stopped or died.
 */
export const leaseTtlMs = (intervalMs: number): number =>
  Math.round(intervalMs + Math.max(intervalMs / 2, 5000));

/**
 * Starts the schedule (0 ms: a schedule that never runs). The timer does not keep the process alive;
 * rounds never overlap within a process, and the lease keeps other processes out.
 */
export function startMonitorSchedule(o: MonitorScheduleOptions): MonitorSchedule {
  const rounds: Record<MonitorRoundOutcome, number> = { ran: 0, skipped: 0, failed: 0 };
  let last: MonitorCheckResult | null = null;
  let lastAt: Date | null = null;
  let lastDurationMs: number | null = null;
  let token: number | null = null;
  let running: Promise<MonitorRoundOutcome> | null = null;
  const ttl = leaseTtlMs(o.intervalMs);

  const once = async (): Promise<MonitorRoundOutcome> => {
    try {
      const lease = await o.leases.acquire(MONITOR_CHECK_LEASE, o.owner, ttl);
      if (lease === null) {
        token = null;
        return 'skipped';
      }
      if (lease.token !== token) o.onLease?.(lease);
      token = lease.token;
      const started = performance.now();
      last = await o.check();
      lastAt = new Date();
      lastDurationMs = performance.now() - started;
      return 'ran';
    } catch (e) {
      o.onError?.(e instanceof Error ? e : new Error(String(e)));
      return 'failed';
    }
  };
  const round = (): Promise<MonitorRoundOutcome> => {
    running ??= once().then((outcome) => {
      rounds[outcome]++;
      running = null;
      return outcome;
    });
    return running;
  };
  const timer = o.intervalMs > 0 ? setInterval(() => void round(), o.intervalMs) : null;
  timer?.unref();
  return {
    status: () => ({ last, lastAt, lastDurationMs, rounds: { ...rounds }, holdsLease: token !== null }),
    round,
    async stop() {
      if (timer !== null) clearInterval(timer);
      await running;
      if (token === null) return;
      token = null;
      await o.leases.release(MONITOR_CHECK_LEASE, o.owner).catch((e: unknown) => {
        o.onError?.(e instanceof Error ? e : new Error(String(e)));
      });
    },
  };
}
