import type {
  AlertHistoryInput,
  AlertRepository,
  AlertStateRecord,
  SilenceRecord,
} from '../../../storage/index.js';
import type { AlertActions } from './alert-actions.js';
import type { AlertRule } from './alert-rule.js';
import type { AlertChannel } from './channels/alert-channel.js';
import type { AlertTransition } from './evaluate-rules.js';
import type { NotificationReason, RouteSettings } from './notification-plan.js';
import type { SilenceStatus } from './silence-matchers.js';

/** What the alert service needs of storage. */
export type AlertStore = Pick<
  AlertRepository,
  | 'states'
  | 'saveCheck'
  | 'appendHistory'
  | 'history'
  | 'createSilence'
  | 'getSilence'
  | 'silences'
  | 'expireSilence'
>;

/** Dependencies of {@link AlertService}. */
export interface AlertServiceDeps {
  readonly store: AlertStore;
  /** The rules in force (see `resolveRules`); checked on construction. */
  readonly rules: readonly AlertRule[];
  /** Grouping and timing (default `DEFAULT_ROUTE`: by alertname, group wait 0, interval 5m, repeat 4h). */
  readonly route?: Partial<RouteSettings>;
  /** Channels beyond the database (log, webhook); every notification is also stored in the history. */
  readonly channels?: readonly AlertChannel[];
  readonly actions?: AlertActions;
  /** The clock (default: now). */
  readonly now?: () => Date;
  /** A background failure (recording a delivery outcome). */
  readonly onError?: (error: Error) => void;
}

/** An alert as listed: its state and the silences muting it now. */
export interface AlertView extends AlertStateRecord {
  readonly silencedBy: readonly string[];
}

/** A silence as listed: with its status now and its matchers as text. */
export interface SilenceView extends SilenceRecord {
  readonly status: SilenceStatus;
  readonly matchersText: readonly string[];
}

/** A notification as a check reports it. */
export interface NotificationSummary {
  readonly groupKey: string;
  readonly status: 'firing' | 'resolved';
  readonly reason: NotificationReason;
  readonly alerts: number;
  /** Channel → `sent` or `queued`. */
  readonly channels: Readonly<Record<string, string>>;
}

/** An action a check ran. */
export interface ActionSummary {
  readonly action: string;
  readonly fingerprint: string;
  readonly alertname: string;
  readonly outcome: 'ok' | 'failed' | 'skipped';
  readonly message: string;
}

/** What one check did. */
export interface AlertCheckResult {
  readonly at: Date;
  readonly alerts: readonly AlertView[];
  readonly transitions: readonly AlertTransition[];
  readonly notifications: readonly NotificationSummary[];
  readonly actions: readonly ActionSummary[];
}

/** The rules, alerts and silences (`alerts list`, `GET /v1/alerts`). */
export interface AlertListing {
  readonly rules: readonly AlertRule[];
  readonly alerts: readonly AlertView[];
  readonly silences: readonly SilenceView[];
}

/** A new silence. Give `duration` (from `startsAt`) or `endsAt`. */
export interface SilenceInput {
  /** Alertmanager matchers: `alertname=dataset_drift`, `severity=~"warning|critical"`, … */
  readonly matchers: readonly string[];
  /** Default: now. */
  readonly startsAt?: Date;
  readonly endsAt?: Date;
  /** A Prometheus duration, e.g. `2h`. */
  readonly duration?: string;
  readonly createdBy: string;
  readonly comment: string;
}

/** History entries a check writes (internal). */
export type HistoryEntries = AlertHistoryInput[];
