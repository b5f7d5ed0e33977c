import { escapeHtml as e } from './html-escape.js';
import type { ReportSummary, Verdict, VerdictReason, VerdictReasonKind } from './monitoring-report-types.js';

const SAFETY: ReadonlySet<VerdictReasonKind> = new Set(['poisonous-recall', 'false-edible']);
const WEIGHT: Readonly<Record<Verdict, number>> = { alert: 0, warning: 1, ok: 2 };

/**
 * Reasons in the order the report lists them: poisonous recall and false-edible first (safety comes
 * first), then by severity (alert, warning, note), otherwise in the order given.
 */
export function orderReasons(reasons: readonly VerdictReason[]): VerdictReason[] {
  return reasons
    .map((reason, i) => ({ reason, i }))
    .sort(
      (a, b) =>
        Number(!SAFETY.has(a.reason.kind)) - Number(!SAFETY.has(b.reason.kind)) ||
        (WEIGHT[a.reason.severity] ?? 3) - (WEIGHT[b.reason.severity] ?? 3) ||
        a.i - b.i,
    )
    .map((x) => x.reason);
}

const HEADLINE: Readonly<Record<Verdict, string>> = {
  ok: 'OK: nothing needs attention',
  warning: 'Warning: needs a look',
  alert: 'Alert: needs action now',
};

/** The verdict box: headline and reasons, safety reasons first. */
export function renderSummary(summary: ReportSummary, id: string, level: 2 | 3 | 4): string {
  const verdict: Verdict = Object.hasOwn(HEADLINE, summary.verdict) ? summary.verdict : 'alert';
  const items = orderReasons(summary.reasons).map(
    (r) =>
      `<li class="reason reason-${e(r.kind)}"><span class="badge badge-${e(r.severity)}">` +
      `${r.severity === 'ok' ? 'note' : e(r.severity)}</span>${e(r.message)}</li>`,
  );
  const body =
    items.length > 0 ? `<ul class="reasons">${items.join('')}</ul>` : '<p class="note">No reasons given.</p>';
  return (
    `<section id="${id}" class="verdict verdict-${verdict}" aria-labelledby="${id}-heading">` +
    `<h${level} id="${id}-heading">Verdict — ${e(HEADLINE[verdict])}</h${level}>${body}</section>`
  );
}
