import { Counter, Gauge, type Registry } from 'prom-client';
import type { MonitorCheckResult, MonitorScheduleStatus } from '../../services/index.js';

type Read = () => MonitorCheckResult | null;

/** A gauge set at scrape time from the last check; no series while the value is unknown. */
function checkGauge(
  registry: Registry,
  name: string,
  help: string,
  value: (r: MonitorCheckResult) => number | null | undefined,
  read: Read,
): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      const last = read();
      const v = last === null ? null : value(last);
      if (v !== null && v !== undefined && Number.isFinite(v)) this.set(v);
    },
  });
}

/** A gauge with one series per feature of the last check's tested features. */
function featureGauge(
  registry: Registry,
  name: string,
  help: string,
  value: (f: { score: number; drifted: boolean }) => number,
  read: Read,
): void {
  new Gauge({
    name,
    help,
    labelNames: ['feature'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const f of read()?.drift.features ?? []) {
        if (f.status === 'tested' && Number.isFinite(value(f))) this.set({ feature: f.feature }, value(f));
      }
    },
  });
}

/**
 * The monitoring gauges of `/metrics`, from the last scheduled check this process ran (another
 * replica's checks are not seen: scrape every replica, or the one holding the lease). A value the
 * check could not compute (no predictions, no labels) has no series.
 */
export function registerMonitorGauges(registry: Registry, status: () => MonitorScheduleStatus): void {
  const read: Read = () => status().last;
  checkGauge(
    registry,
    'sporeprint_monitor_dataset_drift_share',
    'Share of features drifting in the last check (dataset drift at 0.5)',
    (r) => r.drift.dataset?.share,
    read,
  );
  featureGauge(
    registry,
    'sporeprint_monitor_feature_drift_score',
    "Drift score per feature in the last check (Evidently's drift_score: a p-value or a distance)",
    (f) => f.score,
    read,
  );
  featureGauge(
    registry,
    'sporeprint_monitor_feature_drifted',
    'Whether a feature drifted in the last check (1) or not (0)',
    (f) => (f.drifted ? 1 : 0),
    read,
  );
  checkGauge(
    registry,
    'sporeprint_monitor_novelty_share',
    'Share of unknown-species answers in the last check’s window',
    (r) => (r.drift.window.rows === 0 ? null : r.drift.prediction.current.novel),
    read,
  );
  checkGauge(
    registry,
    'sporeprint_monitor_labelled_poisonous_recall',
    'Poisonous recall of the labelled predictions in the last check’s window',
    (r) => r.performance.labelled.poisonousRecall,
    read,
  );
  checkGauge(
    registry,
    'sporeprint_monitor_false_edible_labelled',
    'Poisonous mushrooms called edible among the labelled predictions of the last check’s window',
    (r) => (r.performance.labelled.n === 0 ? null : r.performance.labelled.falseEdible),
    read,
  );
  checkGauge(
    registry,
    'sporeprint_monitor_estimated_poisonous_recall',
    'Poisonous recall estimated without labels (CBPE) over the last check’s window',
    (r) => r.performance.estimated?.poisonousRecall,
    read,
  );
  checkGauge(
    registry,
    'sporeprint_monitor_estimated_accuracy',
    'Accuracy estimated without labels (CBPE) over the last check’s window',
    (r) => r.performance.estimated?.accuracy,
    read,
  );
  checkGauge(
    registry,
    'sporeprint_monitor_last_check_timestamp_seconds',
    'When this process last ran a monitoring check (Unix time)',
    () => {
      const at = status().lastAt;
      return at === null ? null : at.getTime() / 1000;
    },
    read,
  );
  checkGauge(
    registry,
    'sporeprint_monitor_last_check_duration_seconds',
    'How long the last monitoring check of this process took',
    () => {
      const ms = status().lastDurationMs;
      return ms === null ? null : ms / 1000;
    },
    read,
  );
  new Gauge({
    name: 'sporeprint_alerts',
    help: 'Current alerts after the last check, by alert name and state (pending, firing, resolved)',
    labelNames: ['alertname', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const a of read()?.alerts.alerts ?? []) this.inc({ alertname: a.ruleName, state: a.state });
    },
  });
  let seen = { ran: 0, skipped: 0, failed: 0 };
  new Counter({
    name: 'sporeprint_monitor_rounds_total',
    help: 'Scheduled monitoring rounds of this process: ran (it held the lease), skipped (another process did), failed',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      const now = status().rounds;
      for (const k of ['ran', 'skipped', 'failed'] as const) {
        if (now[k] > seen[k]) this.inc({ outcome: k }, now[k] - seen[k]);
        else this.inc({ outcome: k }, 0);
      }
      seen = { ...now };
    },
  });
}
