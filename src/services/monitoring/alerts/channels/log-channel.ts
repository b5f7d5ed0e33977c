import { formatValue } from '../alert-labels.js';
import type { AlertNotification } from '../notification-plan.js';
import type { AlertChannel } from './alert-channel.js';

/** One line per alert of a notification: `alert firing: dataset_drift severity=warning value=0.6 — summary`. */
export function logLines(n: AlertNotification): string[] {
  return n.alerts.map((a) => {
    const extra = Object.entries(a.labels)
      .filter(([k]) => k !== 'alertname')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const value = a.value === null ? '' : ` value=${formatValue(a.value)}`;
    const summary = a.annotations.summary ? ` — ${a.annotations.summary}` : '';
    return `alert ${a.status}: ${a.labels.alertname}${extra ? ` ${extra}` : ''}${value}${summary}`;
  });
}

/** The log channel: a line per alert to `write` (the logger, or stderr). */
export function logChannel(write: (line: string) => void): AlertChannel {
  return {
    name: 'log',
    deliver(n) {
      for (const line of logLines(n)) write(line);
      return 'sent';
    },
  };
}
