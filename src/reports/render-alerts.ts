import { escapeHtml as e } from './html-escape.js';
import type { ReportAlert } from './monitoring-report-types.js';

const STATE_ORDER: Readonly<Record<string, number>> = { firing: 0, pending: 1, resolved: 2, inactive: 3 };
const SEVERITY_ORDER: Readonly<Record<string, number>> = { critical: 0, warning: 1, info: 2 };

/** Alerts in the window, firing first, then by severity; a note when there is none. */
export function renderAlerts(alerts: readonly ReportAlert[]): string {
  if (alerts.length === 0) return '<p class="note empty">No alert in the window.</p>';
  const sorted = [...alerts].sort(
    (a, b) =>
      (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9) ||
      (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9),
  );
  const rows = sorted.map(
    (a) =>
      `<tr class="${e(a.state)}"><th scope="row">${e(a.name)}</th>` +
      `<td><span class="badge badge-${e(a.severity)}">${e(a.severity)}</span></td>` +
      `<td><span class="badge badge-${e(a.state)}">${e(a.state)}</span>${a.silenced ? ' (silenced)' : ''}</td>` +
      `<td>${e(a.since)}</td><td>${e(a.summary)}</td></tr>`,
  );
  return (
    '<table class="alerts"><thead><tr><th scope="col">Alert</th><th scope="col">Severity</th>' +
    '<th scope="col">State</th><th scope="col">Since</th><th scope="col">Summary</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}
