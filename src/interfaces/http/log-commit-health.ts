import { isSporeprintError } from '../../core/index.js';

/** Options of {@link LogCommitHealth}. */
export interface LogCommitHealthOptions {
  /** Commits (batches) the prediction log has made so far: growing means commits succeed. */
  readonly committed: () => number;
  /**
   * A small real commit through the same writer (e.g. a batch journal entry put and removed): tried
   * while the log is failing and nothing else commits, so readiness recovers without traffic (a load
   * balancer sends none to a replica that is not ready).
   */
  readonly probe?: () => Promise<void>;
  /** Least time between two probes (default 1 s). */
  readonly probeEveryMs?: number;
  readonly now?: () => number;
}

/** What a client may learn of a failed commit: the code and driver code, never the driver's text. */
function describe(e: unknown, at: Date): string {
  const code = isSporeprintError(e) ? e.code : 'SP_ERR_INTERNAL';
  const driver =
    isSporeprintError(e) && typeof e.details?.driverCode === 'string' ? `, ${e.details.driverCode}` : '';
  return `its last commit failed at ${at.toISOString()} (${code}${driver}) and none succeeded since`;
}

/**
 * Whether the prediction log can commit, for readiness: not after a failed commit until a later one
 * succeeds (or a probe commit does). Tell it every failed write with {@link failed}.
 */
export class LogCommitHealth {
  #failure: { readonly why: string; readonly committed: number } | null = null;
  #lastProbe = Number.NEGATIVE_INFINITY;
  #probing: Promise<void> | null = null;

  constructor(private readonly opts: LogCommitHealthOptions) {}

  /** A write of the log failed. */
  failed(error: unknown): void {
    this.#failure = { why: describe(error, new Date(this.#now())), committed: this.opts.committed() };
  }

  /** Null when the log can commit; else why not (no driver text). */
  async problem(): Promise<string | null> {
    const f = this.#failure;
    if (f === null) return null;
    if (this.opts.committed() > f.committed) {
      if (this.#failure === f) this.#failure = null;
      return null;
    }
    const probe = this.opts.probe;
    if (probe !== undefined && this.#now() - this.#lastProbe >= (this.opts.probeEveryMs ?? 1000)) {
      this.#lastProbe = this.#now();
      this.#probing ??= probe().then(
        () => {
          if (this.#failure === f) this.#failure = null;
        },
        (e: unknown) => {
          if (this.#failure === f)
            this.#failure = { why: describe(e, new Date(this.#now())), committed: f.committed };
        },
      );
      await this.#probing.finally(() => {
        this.#probing = null;
      });
    }
    return this.#failure?.why ?? null;
  }

  #now(): number {
    return (this.opts.now ?? Date.now)();
  }
}
