/**
 * The records of the alerts aggregate: the current state of each alert (one per rule and label set,
 * keyed by its fingerprint), silences, and the append-only history of transitions, notifications and
 * actions. Plain values: the alerting logic lives in `services/monitoring/alerts`.
 */

/** Labels of an alert: name → value (Prometheus: a missing label and an empty value are the same). */
export type AlertLabels = Readonly<Record<string, string>>;

/**
 * The stored states of an alert. `inactive` is not stored: an alert whose condition is false (and
 * whose resolution has been dealt with) has no row, as a Prometheus alerting rule keeps no alert for it.
 */
export type AlertStatus = 'pending' | 'firing' | 'resolved';

/** What the receivers were last told of an alert: firing, resolved, or nothing yet. */
export type NotifiedStatus = 'firing' | 'resolved' | null;

/** The current state of one alert. */
export interface AlertStateRecord {
  /** 16 hex digits identifying the rule's label set (the alert's identity). */
  readonly fingerprint: string;
  readonly ruleName: string;
  /** Every label, `alertname` and `severity` included. */
  readonly labels: AlertLabels;
  readonly annotations: AlertLabels;
  readonly state: AlertStatus;
  /** The value of the last evaluation in which the series was present; null when never. */
  readonly value: number | null;
  /** When the condition became true (Prometheus `activeAt`). */
  readonly activeAt: Date;
  readonly firedAt: Date | null;
  readonly resolvedAt: Date | null;
  readonly lastEvalAt: Date;
  readonly lastNotifiedAt: Date | null;
  readonly notifiedStatus: NotifiedStatus;
}

/** One condition on a label (Alertmanager matcher): `=`, `!=`, `=~`, `!~`. */
export interface SilenceMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  readonly isEqual: boolean;
}

/** A silence: alerts whose labels match every matcher send no notification between its start and end. */
export interface SilenceRecord {
  /** A UUID. */
  readonly id: string;
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly createdBy: string;
  readonly comment: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Kinds of alert history entries. */
export type AlertHistoryKind = 'transition' | 'notification' | 'action' | 'silence';

/** An entry to append to the alert history. */
export interface AlertHistoryInput {
  readonly at: Date;
  readonly kind: AlertHistoryKind;
  /** The alert (transitions and actions); null for notifications of a group and silences. */
  readonly fingerprint: string | null;
  readonly ruleName: string | null;
  /** Transitions: the state before (`inactive` included). */
  readonly fromState: string | null;
  /** Transitions: the state after. */
  readonly toState: string | null;
  /** Notifications: the channel (`stored`, `log`, `webhook`); actions: the action's name. */
  readonly channel: string | null;
  /** What happened: `sent`, `queued`, `delivered`, `failed`, `dropped`, `ok`, `skipped`, … */
  readonly outcome: string | null;
  /** Figures and payload, JSON-safe. */
  readonly details: unknown;
}

/** A stored history entry. */
export interface AlertHistoryRecord extends AlertHistoryInput {
  /** Grows with every entry. */
  readonly seq: number;
}

/** Filters of {@link AlertRepository.history}. */
export interface AlertHistoryOptions {
  readonly kind?: AlertHistoryKind;
  readonly fingerprint?: string;
  /** Default 100, at most 10,000. */
  readonly limit?: number;
}

/** What one alert check writes, in one transaction. */
export interface AlertCheckWrite {
  /** States to insert or replace (by fingerprint). */
  readonly upserts: readonly AlertStateRecord[];
  /** Fingerprints whose alerts became inactive. */
  readonly removals: readonly string[];
  readonly history: readonly AlertHistoryInput[];
}

/**
 * The alerts aggregate. Alert states are written by one checker at a time (the monitoring schedule
 * holds a lease); silences may be created and expired by anyone at any time.
 */
export interface AlertRepository {
  /** Every stored alert state, by rule name then fingerprint. */
  states(): Promise<AlertStateRecord[]>;
  /** Writes a check's states and history together. */
  saveCheck(write: AlertCheckWrite): Promise<void>;
  /** Appends entries to the history (e.g. a webhook's delivery outcome). */
  appendHistory(entries: readonly AlertHistoryInput[]): Promise<void>;
  /** History entries, newest first. */
  history(options?: AlertHistoryOptions): Promise<AlertHistoryRecord[]>;
  /** Stores a silence and its `silence` history entry. `SP_ERR_CONFLICT` for a taken id. */
  createSilence(silence: SilenceRecord): Promise<SilenceRecord>;
  /** `SP_ERR_NOT_FOUND` when unknown. */
  getSilence(id: string): Promise<SilenceRecord>;
  /** Silences, newest first (default 100). */
  silences(options?: { readonly limit?: number }): Promise<SilenceRecord[]>;
  /**
   * Ends a silence at `at` (Alertmanager's expire: `endsAt` becomes `at`, and `startsAt` too when it
   * had not started), recorded in the history with `actor`. `SP_ERR_NOT_FOUND` when unknown,
   * `SP_ERR_CONFLICT` when it has already expired.
   */
  expireSilence(id: string, at: Date, actor: string): Promise<SilenceRecord>;
}
