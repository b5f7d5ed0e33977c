import { SporeprintError } from '../core/index.js';
import type { MonitoringReport, NumericDistribution, PerformanceSection } from './monitoring-report-types.js';

function bad(where: string, message: string): never {
  throw new SporeprintError('SP_ERR_BAD_PARAM', `monitoring report: ${where} ${message}`);
}

function checkHistogram(d: NumericDistribution, where: string): void {
  const { edges } = d;
  if (!Array.isArray(edges) || edges.length < 2) bad(where, 'needs at least 2 bin edges');
  for (let i = 0; i < edges.length; i++) {
    if (!Number.isFinite(edges[i])) bad(where, `edge ${i} is not a finite number (${String(edges[i])})`);
    if (i > 0 && edges[i] < edges[i - 1]) bad(where, `edges must increase, edge ${i} is below edge ${i - 1}`);
  }
  const bins = edges.length - 1;
  for (const side of ['reference', 'current'] as const) {
    const shares = d[side];
    if (!Array.isArray(shares) || shares.length !== bins) {
      bad(
        where,
        `has ${edges.length} edges so needs ${bins} ${side} shares, got ${Array.isArray(shares) ? shares.length : 'none'}`,
      );
    }
  }
}

function checkBuckets(p: PerformanceSection, where: string): void {
  p.buckets.forEach((b, i) => {
    if (!Number.isFinite(Date.parse(b.from)))
      bad(`${where}.buckets[${i}].from`, `is not an ISO 8601 time (${String(b.from)})`);
  });
}

/**
 * Checks what the renderer relies on and the types cannot say (histogram shapes, parseable times,
 * counts). Throws SporeprintError SP_ERR_BAD_PARAM naming the field, so a wrong report fails loudly
 * instead of drawing a wrong chart.
 */
export function checkReport(report: MonitoringReport): void {
  if (report === null || typeof report !== 'object') bad('report', 'must be an object');
  if (report.formatVersion !== 1) bad('formatVersion', `must be 1, got ${String(report.formatVersion)}`);
  const rows = report.window?.rows;
  if (!Number.isSafeInteger(rows) || rows < 0)
    bad('window.rows', `must be an integer ≥ 0, got ${String(rows)}`);
  if (!Array.isArray(report.distributions)) bad('distributions', 'must be an array');
  report.distributions.forEach((d, i) => {
    if (d.kind === 'numeric') checkHistogram(d, `distributions[${i}] (${d.feature})`);
    else if (d.kind !== 'categorical')
      bad(
        `distributions[${i}].kind`,
        `must be "numeric" or "categorical", got ${String((d as { kind: unknown }).kind)}`,
      );
  });
  checkBuckets(report.performance, 'performance');
  (report.arms ?? []).forEach((a, i) => {
    if (a.performance !== null) checkBuckets(a.performance, `arms[${i}].performance`);
  });
}
