import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { MonitorScheduleStatus } from '../../services/index.js';
import { registerMonitorGauges } from './monitor-metrics.js';

/** The Prometheus metrics of one server. */
export interface HttpMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly latency: Histogram<'route'>;
  readonly predictions: Counter<'decision' | 'model' | 'version'>;
  readonly dbErrors: Counter<'operation'>;
}

/** What the prediction log has committed so far (for its Prometheus counters). */
export interface LogCommitStats {
  /** Transactions committed. */
  readonly commits: number;
  /** Predictions in them. */
  readonly rows: number;
}

/** A counter that reads a running total at scrape time (it only ever grows). */
function totalCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let seen = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > seen) this.inc(now - seen);
      seen = Math.max(seen, now);
    },
  });
}

/**
 * Creates a fresh registry (one per app, so tests never share counters). `logStats`: the log's commit
 * counts, exported as `sporeprint_prediction_log_commits_total` and `…_rows_total` (their ratio is
 * the group commit's batch size). `monitorStatus`: the monitoring schedule, whose last check's figures
 * are gauges (`sporeprint_monitor_…`, `sporeprint_alerts`).
 */
export function createMetrics(
  logQueueDepth: () => number,
  logStats?: () => LogCommitStats,
  monitorStatus?: () => MonitorScheduleStatus,
): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sporeprint_' });
  const requests = new Counter({
    name: 'sporeprint_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'sporeprint_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const predictions = new Counter({
    name: 'sporeprint_predictions_total',
    help: 'Predictions by decision and model version',
    labelNames: ['decision', 'model', 'version'] as const,
    registers: [registry],
  });
  const dbErrors = new Counter({
    name: 'sporeprint_db_errors_total',
    help: 'Database errors by operation',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'sporeprint_prediction_log_queue_depth',
    help: 'Predictions waiting to be written to the log',
    registers: [registry],
    collect() {
      this.set(logQueueDepth());
    },
  });
  if (logStats !== undefined) {
    totalCounter(
      registry,
      'sporeprint_prediction_log_commits_total',
      'Transactions the prediction log committed',
      () => logStats().commits,
    );
    totalCounter(
      registry,
      'sporeprint_prediction_log_rows_total',
      'Predictions the prediction log committed',
      () => logStats().rows,
    );
  }
  if (monitorStatus !== undefined) registerMonitorGauges(registry, monitorStatus);
  return { registry, requests, latency, predictions, dbErrors };
}
