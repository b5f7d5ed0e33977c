import type { AlertNotification } from '../notification-plan.js';

/** What became of a notification on a channel that delivers later (the webhook). */
export interface DeliveryOutcome {
  readonly channel: string;
  readonly notification: AlertNotification;
  /** `delivered`, `failed` (every attempt failed) or `dropped` (the queue was full). */
  readonly outcome: 'delivered' | 'failed' | 'dropped';
  readonly attempts: number;
  readonly error?: string;
}

/**
 * Where notifications go. `deliver` never waits for the receiver: a channel that talks to the network
 * queues and reports what became of each notification through its `onOutcome` option. The database
 * (`stored`) channel is the alert service itself: every notification is written to the alert history.
 */
export interface AlertChannel {
  readonly name: string;
  /** Hands the notification over; returns at once with `sent` (done) or `queued` (later). */
  deliver(notification: AlertNotification): 'sent' | 'queued';
  /** Waits for queued notifications to finish (delivered or failed), up to `timeoutMs`. */
  flush?(timeoutMs?: number): Promise<void>;
  /** Stops: the request in flight is aborted and queued notifications are given up. */
  close?(): Promise<void>;
}
