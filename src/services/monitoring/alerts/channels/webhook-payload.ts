import type { AlertLabels } from '../../../../storage/index.js';
import type { AlertNotification } from '../notification-plan.js';

/** Alertmanager's zero time, its `endsAt` of a firing alert. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** An alert in the webhook payload. */
export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: AlertLabels;
  readonly annotations: AlertLabels;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
  /** Beyond Alertmanager: the metric's value at the last evaluation. */
  readonly value: number | null;
}

/**
 * The webhook body, in Alertmanager's webhook format version 4 (`receiver`, `status`, `alerts`,
 * `groupLabels`, `commonLabels`, `commonAnnotations`, `externalURL`, `version`, `groupKey`,
 * `truncatedAlerts`), so receivers written for Alertmanager read it unchanged.
 */
export interface WebhookPayload {
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: number;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly groupLabels: AlertLabels;
  readonly commonLabels: AlertLabels;
  readonly commonAnnotations: AlertLabels;
  readonly externalURL: string;
  readonly alerts: readonly WebhookAlert[];
}

/** The payload of a notification, at most `maxAlerts` alerts (the rest counted in `truncatedAlerts`). */
export function webhookPayload(
  n: AlertNotification,
  opts: { receiver?: string; externalURL?: string; maxAlerts?: number } = {},
): WebhookPayload {
  const max = opts.maxAlerts ?? 0;
  const kept = max > 0 ? n.alerts.slice(0, max) : n.alerts;
  return {
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: n.alerts.length - kept.length,
    status: n.status,
    receiver: opts.receiver ?? 'sporeprint',
    groupLabels: n.groupLabels,
    commonLabels: n.commonLabels,
    commonAnnotations: n.commonAnnotations,
    externalURL: opts.externalURL ?? '',
    alerts: kept.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt.toISOString(),
      endsAt: a.endsAt === null ? ZERO_TIME : a.endsAt.toISOString(),
      generatorURL: '',
      fingerprint: a.fingerprint,
      value: a.value,
    })),
  };
}
