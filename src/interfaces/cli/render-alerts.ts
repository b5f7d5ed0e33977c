import { type AlertListing, formatValue } from '../../services/index.js';
import { table } from './format.js';

const since = (d: Date | null): string => (d === null ? '-' : d.toISOString());

/** `alerts list` for people: the alerts, the silences, and the rules in force. */
export function renderAlertListing(l: AlertListing): string {
  const parts: string[] = [];
  parts.push(
    l.alerts.length === 0
      ? 'No alerts (every rule inactive).'
      : table([
          [
            'alert',
            'state',
            'severity',
            'value',
            'active since',
            'fired',
            'resolved',
            'silenced by',
            'summary',
          ],
          ...l.alerts.map((a) => [
            a.labels.alertname ?? a.ruleName,
            a.state,
            a.labels.severity ?? '-',
            a.value === null ? '-' : formatValue(a.value),
            a.activeAt.toISOString(),
            since(a.firedAt),
            since(a.resolvedAt),
            a.silencedBy.join(',') || '-',
            a.annotations.summary ?? '',
          ]),
        ]),
  );
  if (l.silences.length > 0) {
    parts.push(
      table([
        ['silence', 'status', 'matchers', 'starts', 'ends', 'by', 'comment'],
        ...l.silences.map((s) => [
          s.id,
          s.status,
          s.matchersText.join(', '),
          s.startsAt.toISOString(),
          s.endsAt.toISOString(),
          s.createdBy,
          s.comment,
        ]),
      ]),
    );
  }
  parts.push(
    table([
      ['rule', 'condition', 'for', 'window', 'severity', 'action'],
      ...l.rules.map((r) => [
        r.name,
        `${r.metric} ${r.comparison} ${r.threshold}`,
        r.for,
        r.window,
        r.severity,
        r.action ?? '-',
      ]),
    ]),
  );
  return `${parts.join('\n\n')}\n`;
}
