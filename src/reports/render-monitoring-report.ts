import { SporeprintError } from '../core/index.js';
import { checkReport } from './check-report.js';
import { formatCount } from './format-figures.js';
import { escapeHtml as e } from './html-escape.js';
import type { MonitoringReport } from './monitoring-report-types.js';
import { renderAlerts } from './render-alerts.js';
import { renderArms } from './render-arms.js';
import { renderDistributions } from './render-distributions.js';
import { referenceSentence, renderDriftTable } from './render-drift-table.js';
import { renderPerformance } from './render-performance.js';
import { renderPredictionDrift } from './render-predictions.js';
import { renderSummary } from './render-summary.js';
import { REPORT_CSS } from './report-styles.js';

/** Options of {@link renderMonitoringReport}. */
export interface RenderReportOptions {
  /** Categories drawn as their own bar per feature; the rest are summed into “other” (default 12). */
  readonly topCategories?: number;
  /** Page title (default: `Monitoring report — <model>`). */
  readonly title?: string;
}

/**
 * The report's Content-Security-Policy (its `<meta>`, and the header of `GET /v1/monitoring/report`):
 * nothing may be fetched — no script, no external style, font or image. Inline styles are allowed;
 * inline SVG needs no source.
 */
export const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

function header(report: MonitoringReport, title: string): string {
  const versions = report.model.versions
    .map(
      (v) => `v${e(String(v.version))}${v.stage ? ` (${e(v.stage)})` : ''}: ${e(formatCount(v.rows))} rows`,
    )
    .join(', ');
  const w = report.window;
  const how = w.description ? ` (${e(w.description)})` : '';
  return (
    `<header><h1>${e(title)}</h1><p class="meta">Model <strong>${e(report.model.name)}</strong>` +
    `${versions === '' ? '' : ` — ${versions}`}. Window ${e(w.from)} → ${e(w.to)}${how}: ` +
    `${e(formatCount(w.rows))} predictions, ${e(formatCount(w.labelledRows))} labelled. ` +
    `Generated ${e(report.generatedAt)}.</p></header>`
  );
}

function section(id: string, heading: string, body: string): string {
  return `<section id="${id}" aria-labelledby="${id}-heading"><h2 id="${id}-heading">${e(heading)}</h2>${body}</section>`;
}

/**
 * Renders a monitoring report as one self-contained HTML document: inline CSS, inline SVG charts with
 * titles, axis labels and legends, no script and no external reference (a Content-Security-Policy
 * forbids fetching anything), every string from the data escaped. Order: the verdict first (safety
 * reasons first), the data drift table, reference-vs-current charts per feature, prediction drift,
 * performance over time (labelled solid, estimated dashed), alerts, then the experiment arms.
 * An empty window says so in each section instead of drawing empty charts.
 *
 * Throws SporeprintError SP_ERR_BAD_PARAM when the report is malformed (see the checks in check-report).
 *
 * @example
 * const html = renderMonitoringReport(report); // write it to report.html
 */
export function renderMonitoringReport(report: MonitoringReport, options: RenderReportOptions = {}): string {
  checkReport(report);
  const k = options.topCategories ?? 12;
  if (!Number.isSafeInteger(k) || k < 1) {
    throw new SporeprintError('SP_ERR_BAD_PARAM', `topCategories must be an integer ≥ 1, got ${String(k)}`);
  }
  const title = options.title ?? `Monitoring report — ${report.model.name}`;
  const rows = report.window.rows;
  const drift = report.dataDrift?.features ?? [];
  const chartIds = new Map(report.distributions.map((d, i) => [d.feature, `feature-${i}`]));
  const empty =
    rows === 0
      ? '<p class="note empty window-empty"><strong>The window has no predictions</strong>: there is nothing ' +
        'to compare with the reference, so no chart is drawn.</p>'
      : '';
  const body = [
    header(report, title),
    '<main>',
    renderSummary(report.summary, 'verdict', 2),
    empty,
    section(
      'data-drift',
      'Data drift',
      referenceSentence(report.reference) +
        renderDriftTable(report.dataDrift, rows, chartIds, 'Drift per feature, reference vs current window'),
    ),
    section(
      'distributions',
      'Reference vs current, per feature',
      renderDistributions(report.distributions, drift, rows, 'feature', k),
    ),
    section(
      'prediction-drift',
      'Prediction drift',
      renderPredictionDrift(report.predictionDrift, rows, 'predictions-chart'),
    ),
    section(
      'performance',
      'Performance over time',
      renderPerformance(report.performance, rows, 'performance-chart'),
    ),
    section('alerts', 'Alerts in the window', renderAlerts(report.alerts)),
    report.arms && report.arms.length > 0 ? section('arms', 'Experiment arms', renderArms(report.arms)) : '',
    '</main>',
    '<footer class="note">Made by sporeprint. Self-contained: no script, nothing fetched.</footer>',
  ];
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${e(title)}</title><style>${REPORT_CSS}</style></head><body>${body.join('')}</body></html>\n`
  );
}
