import type { AlertNotification } from '../notification-plan.js';
import type { AlertChannel, DeliveryOutcome } from './alert-channel.js';
import { webhookPayload } from './webhook-payload.js';

/** Options of {@link WebhookChannel}. */
export interface WebhookOptions {
  /** Where notifications are POSTed (http:// or https://). */
  readonly url: string;
  /** Attempts per notification, the first included (default 5). */
  readonly maxAttempts?: number;
  /** Wait before the first retry; doubled each retry (default 500 ms). */
  readonly initialBackoffMs?: number;
  /** Longest wait between attempts (default 30 s). */
  readonly maxBackoffMs?: number;
  /** One request's timeout (default 5 s). */
  readonly timeoutMs?: number;
  /** Notifications waiting at most; beyond, the oldest is dropped (default 1,000). */
  readonly queueSize?: number;
  /** `receiver` of the payload (default `sporeprint`). */
  readonly receiver?: string;
  readonly externalURL?: string;
  /** What became of each notification. */
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
  /** A line to log (a dropped notification). */
  readonly onWarning?: (line: string) => void;
  /** The HTTP client (default the global `fetch`). */
  readonly fetch?: typeof fetch;
}

interface Queued {
  readonly notification: AlertNotification;
  readonly body: string;
}

/** Network errors, 5xx and 429 are retried; other 4xx answers are final (Alertmanager does the same). */
const retryable = (status: number): boolean => status >= 500 || status === 429;

/**
 * The webhook channel: POSTs each notification as Alertmanager's webhook JSON (version 4), in order,
 * retrying failures with exponential backoff (500 ms, 1 s, 2 s, … up to 30 s, with ±20% jitter) for a
 * bounded number of attempts. `deliver` only queues: the caller (a check, and so never the serving
 * path) does not wait for the receiver. The queue is bounded; when full, the oldest waiting
 * notification is dropped, counted in {@link dropped} and reported with a warning.
 */
export class WebhookChannel implements AlertChannel {
  readonly name = 'webhook';
  readonly #o: Required<Omit<WebhookOptions, 'onOutcome' | 'onWarning' | 'externalURL'>> &
    Pick<WebhookOptions, 'onOutcome' | 'onWarning' | 'externalURL'>;
  readonly #queue: Queued[] = [];
  #running: Promise<void> | null = null;
  #closed = false;
  /** Aborts the request in flight on close. */
  readonly #abort = new AbortController();
  #wake: (() => void) | null = null;
  #dropped = 0;
  #delivered = 0;

  constructor(options: WebhookOptions) {
    this.#o = {
      maxAttempts: 5,
      initialBackoffMs: 500,
      maxBackoffMs: 30_000,
      timeoutMs: 5000,
      queueSize: 1000,
      receiver: 'sporeprint',
      fetch: globalThis.fetch.bind(globalThis),
      ...options,
    };
  }

  /** Notifications dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Notifications the receiver accepted. */
  get delivered(): number {
    return this.#delivered;
  }

  /** Notifications waiting (the one being sent included). */
  get pending(): number {
    return this.#queue.length;
  }

  deliver(notification: AlertNotification): 'queued' {
    if (this.#closed) return 'queued';
    const body = JSON.stringify(
      webhookPayload(notification, { receiver: this.#o.receiver, externalURL: this.#o.externalURL }),
    );
    if (this.#queue.length >= this.#o.queueSize) {
      // the head may be in flight: drop the oldest one still waiting behind it
      const [old] = this.#queue.splice(this.#queue.length > 1 ? 1 : 0, 1);
      this.#dropped++;
      this.#o.onWarning?.(
        `warning: alert webhook queue full (${this.#o.queueSize}): dropped the oldest notification (${old.notification.groupKey}); ${this.#dropped} dropped so far`,
      );
      this.#o.onOutcome?.({
        channel: this.name,
        notification: old.notification,
        outcome: 'dropped',
        attempts: 0,
      });
    }
    this.#queue.push({ notification, body });
    this.#running ??= this.#drain().finally(() => {
      this.#running = null;
    });
    return 'queued';
  }

  async flush(timeoutMs = 60_000): Promise<void> {
    const running = this.#running;
    if (running === null) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([running, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#abort.abort();
    this.#wake?.();
    await this.#running;
  }

  async #drain(): Promise<void> {
    // let the caller's turn finish before any work (the caller never waits, not even for serialisation)
    await new Promise<void>((r) => setImmediate(r));
    while (this.#queue.length > 0 && !this.#closed) {
      const item = this.#queue[0];
      const outcome = await this.#send(item);
      if (this.#queue[0] === item) this.#queue.shift();
      if (outcome.outcome === 'delivered') this.#delivered++;
      this.#o.onOutcome?.(outcome);
    }
  }

  async #send(item: Queued): Promise<DeliveryOutcome> {
    let error = '';
    let attempt = 0;
    while (attempt < this.#o.maxAttempts && !this.#closed) {
      attempt++;
      const result = await this.#post(item.body);
      if (result === 'ok')
        return {
          channel: this.name,
          notification: item.notification,
          outcome: 'delivered',
          attempts: attempt,
        };
      error = result.error;
      if (!result.retry || attempt >= this.#o.maxAttempts) break;
      const base = Math.min(this.#o.maxBackoffMs, this.#o.initialBackoffMs * 2 ** (attempt - 1));
      await this.#sleep(base * (0.8 + 0.4 * Math.random()));
    }
    return {
      channel: this.name,
      notification: item.notification,
      outcome: 'failed',
      attempts: attempt,
      error,
    };
  }

  async #post(body: string): Promise<'ok' | { error: string; retry: boolean }> {
    try {
      const res = await this.#o.fetch(this.#o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'sporeprint-alerts' },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.#o.timeoutMs), this.#abort.signal]),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) return 'ok';
      return { error: `HTTP ${res.status}`, retry: retryable(res.status) };
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      return { error: cause ?? (e as Error).message, retry: true };
    }
  }

  /** Waits `ms`, or less when closed; the timer does not keep the process alive. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
