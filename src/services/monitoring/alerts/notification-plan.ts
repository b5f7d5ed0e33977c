/**
 * Which notifications a check sends, with Alertmanager's grouping and timing, simplified to checks
 * that run at discrete instants (no timers between them):
 *
 * - firing and resolved alerts are grouped by the values of `groupBy` labels (default `alertname`;
 *   `...` groups by every label); pending alerts are never sent (Prometheus sends only firing ones);
 * - a group that has notified nothing yet sends at the first check at which its oldest unsent firing
 *   alert has fired at least `groupWait` ago (default 0: one check's alerts arrive together anyway);
 * - afterwards a group sends when something changed (a new firing alert, or a resolved one whose firing
 *   was sent) and its last notification is at least `groupInterval` old (default 5m, Alertmanager's);
 * - with nothing changed, a group with firing alerts sends again once `repeatInterval` (default 4h)
 *   has passed since its last notification;
 * - a notification holds every firing alert of the group and its resolved ones whose firing was sent
 *   (each resolution is sent once, when `sendResolved`), like Alertmanager's webhook payload;
 * - silenced alerts are left out and their state of notification is left alone: when the silence ends
 *   while they still fire, they are sent then. A resolution whose firing was never sent is not sent.
 */
import type { AlertLabels, AlertStateRecord, SilenceRecord } from '../../../storage/index.js';
import { commonLabels } from './alert-labels.js';
import { silencedBy } from './silence-matchers.js';

/** Alertmanager's route timing, in milliseconds. */
export interface RouteSettings {
  /** Labels alerts are grouped by; `['...']`: every label. */
  readonly groupBy: readonly string[];
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly sendResolved: boolean;
}

/** Alertmanager's defaults, except group_wait (see the module comment). */
export const DEFAULT_ROUTE: RouteSettings = {
  groupBy: ['alertname'],
  groupWaitMs: 0,
  groupIntervalMs: 5 * 60_000,
  repeatIntervalMs: 4 * 3_600_000,
  sendResolved: true,
};

/** One alert in a notification. */
export interface NotifiedAlert {
  readonly fingerprint: string;
  readonly status: 'firing' | 'resolved';
  readonly labels: AlertLabels;
  readonly annotations: AlertLabels;
  readonly value: number | null;
  /** When it fired (Alertmanager `startsAt`). */
  readonly startsAt: Date;
  /** When it resolved; null while firing. */
  readonly endsAt: Date | null;
}

/** Why a group is sent. */
export type NotificationReason = 'first' | 'changed' | 'repeat';

/** A notification of one group of alerts. */
export interface AlertNotification {
  readonly groupKey: string;
  readonly groupLabels: AlertLabels;
  /** `firing` when any alert in it fires, else `resolved`. */
  readonly status: 'firing' | 'resolved';
  readonly reason: NotificationReason;
  readonly alerts: readonly NotifiedAlert[];
  readonly commonLabels: AlertLabels;
  readonly commonAnnotations: AlertLabels;
  readonly at: Date;
}

/** What {@link planNotifications} returns. */
export interface NotificationPlan {
  readonly notifications: AlertNotification[];
  /** The states with what was sent recorded (`lastNotifiedAt`, `notifiedStatus`). */
  readonly states: AlertStateRecord[];
  /** Fingerprint → ids of the active silences that mute it. */
  readonly silenced: ReadonlyMap<string, readonly string[]>;
}

function groupLabelsOf(labels: AlertLabels, groupBy: readonly string[]): Record<string, string> {
  if (groupBy.includes('...')) return { ...labels };
  const out: Record<string, string> = {};
  for (const name of groupBy) if (labels[name] !== undefined) out[name] = labels[name];
  return out;
}

function groupKeyOf(groupLabels: AlertLabels): string {
  const parts = Object.keys(groupLabels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(groupLabels[k])}`);
  return `{}:{${parts.join(', ')}}`;
}

const unsent = (s: AlertStateRecord, sendResolved: boolean): boolean =>
  (s.state === 'firing' && s.notifiedStatus !== 'firing') ||
  (s.state === 'resolved' && s.notifiedStatus === 'firing' && sendResolved);

/** Why `members` (one group) should be sent at `now`, or null. */
function reasonToSend(
  members: readonly AlertStateRecord[],
  route: RouteSettings,
  now: number,
): NotificationReason | null {
  const changed = members.filter((s) => unsent(s, route.sendResolved));
  const sent = members.map((s) => s.lastNotifiedAt?.getTime() ?? Number.NEGATIVE_INFINITY);
  const last = Math.max(...sent);
  if (last === Number.NEGATIVE_INFINITY) {
    const firing = changed.filter((s) => s.state === 'firing');
    if (firing.length === 0) return null;
    const oldest = Math.min(...firing.map((s) => (s.firedAt ?? s.activeAt).getTime()));
    return now - oldest >= route.groupWaitMs ? 'first' : null;
  }
  if (changed.length > 0) return now - last >= route.groupIntervalMs ? 'changed' : null;
  const firing = members.some((s) => s.state === 'firing');
  return firing && now - last >= route.repeatIntervalMs ? 'repeat' : null;
}

function notifiedAlert(s: AlertStateRecord): NotifiedAlert {
  return {
    fingerprint: s.fingerprint,
    status: s.state === 'firing' ? 'firing' : 'resolved',
    labels: s.labels,
    annotations: s.annotations,
    value: s.value,
    startsAt: s.firedAt ?? s.activeAt,
    endsAt: s.state === 'resolved' ? s.resolvedAt : null,
  };
}

/**
 * Plans the notifications of one check from the alerts' states (after evaluation), the silences and
 * the route. Pure.
 */
export function planNotifications(
  states: readonly AlertStateRecord[],
  silences: readonly SilenceRecord[],
  route: RouteSettings,
  now: Date,
): NotificationPlan {
  const t = now.getTime();
  const silenced = new Map<string, string[]>();
  const groups = new Map<string, { labels: Record<string, string>; members: AlertStateRecord[] }>();
  for (const s of states) {
    const ids = silencedBy(silences, s.labels, now);
    if (ids.length > 0) silenced.set(s.fingerprint, ids);
    if (ids.length > 0 || s.state === 'pending') continue;
    const labels = groupLabelsOf(s.labels, route.groupBy);
    const key = groupKeyOf(labels);
    const group = groups.get(key) ?? { labels, members: [] };
    group.members.push(s);
    groups.set(key, group);
  }
  const updated = new Map<string, AlertStateRecord>();
  const notifications: AlertNotification[] = [];
  for (const [key, { labels, members }] of groups) {
    // resolutions are not sent without send_resolved: count them as dealt with
    if (!route.sendResolved) {
      for (const s of members)
        if (s.state === 'resolved' && s.notifiedStatus === 'firing')
          updated.set(s.fingerprint, { ...s, notifiedStatus: 'resolved' });
    }
    const reason = reasonToSend(members, route, t);
    if (reason === null) continue;
    const included = members.filter(
      (s) =>
        s.state === 'firing' ||
        (route.sendResolved && s.state === 'resolved' && s.notifiedStatus === 'firing'),
    );
    if (included.length === 0) continue;
    const alerts = included.map(notifiedAlert);
    notifications.push({
      groupKey: key,
      groupLabels: labels,
      status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
      reason,
      alerts,
      commonLabels: commonLabels(alerts.map((a) => a.labels)),
      commonAnnotations: commonLabels(alerts.map((a) => a.annotations)),
      at: now,
    });
    for (const s of included) {
      updated.set(s.fingerprint, {
        ...s,
        lastNotifiedAt: now,
        notifiedStatus: s.state === 'firing' ? 'firing' : 'resolved',
      });
    }
  }
  return { notifications, states: states.map((s) => updated.get(s.fingerprint) ?? s), silenced };
}
