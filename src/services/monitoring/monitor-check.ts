/**
 * One monitoring check: drift and performance of a window, turned into the alert rules' samples and
 * evaluated by the alert service (which notifies and acts). Run by `sporeprint monitor check` (cron)
 * and by the server's schedule (one process at a time, under a database lease).
 */
import type { ReportAlert } from '../../reports/index.js';
import {
  ALERT_METRICS,
  type AlertCheckResult,
  type AlertListing,
  type AlertSamples,
  type AlertService,
} from './alerts/index.js';
import type { MonitoringService } from './monitoring-service.js';
import type { DriftReport, DriftSettings, MonitorQuery, PerformanceReport } from './monitoring-types.js';

/** The samples of the default alert rules (undefined: no data, which resolves a firing alert). */
export function alertSamples(
  drift: DriftReport,
  perf: PerformanceReport,
  extra: { readonly predictionLogBacklog?: number } = {},
): AlertSamples {
  return {
    [ALERT_METRICS.datasetDriftShare]: drift.dataset?.share,
    [ALERT_METRICS.falseEdibleLabelled]: perf.labelled.n === 0 ? undefined : perf.labelled.falseEdible,
    [ALERT_METRICS.noveltyShareRise]: drift.window.rows === 0 ? undefined : drift.prediction.noveltyRise,
    [ALERT_METRICS.estimatedRecallDrop]:
      perf.estimated?.poisonousRecall == null || perf.reference.poisonousRecall === null
        ? undefined
        : perf.reference.poisonousRecall - perf.estimated.poisonousRecall,
    [ALERT_METRICS.predictionLogBacklog]: extra.predictionLogBacklog,
  };
}

export interface MonitorCheckResult {
  readonly drift: DriftReport;
  readonly performance: PerformanceReport;
  readonly samples: AlertSamples;
  readonly alerts: AlertCheckResult;
}

/**
 * Computes the window's figures and evaluates the alert rules on them. The figures may come from a
 * {@link MonitoringService} or from anything computing them the same way (the server's check thread).
 */
export async function runMonitorCheck(
  services: {
    readonly monitoring: Pick<MonitoringService, 'figures'>;
    readonly alerts: Pick<AlertService, 'check'>;
  },
  q: MonitorQuery,
  options: {
    readonly settings?: DriftSettings;
    readonly predictionLogBacklog?: number;
    readonly now?: Date;
  } = {},
): Promise<MonitorCheckResult> {
  const { drift, performance } = await services.monitoring.figures(q, options.settings);
  const samples = alertSamples(drift, performance, { predictionLogBacklog: options.predictionLogBacklog });
  const alerts = await services.alerts.check(samples, options.now);
  return { drift, performance, samples, alerts };
}

/** The alerts a report shows: every current alert (pending, firing, recently resolved). */
export function reportAlerts(listing: AlertListing): ReportAlert[] {
  return listing.alerts.map((a) => ({
    name: a.ruleName,
    severity:
      a.labels.severity === 'critical' || a.labels.severity === 'info' ? a.labels.severity : 'warning',
    state: a.state,
    since: (a.state === 'firing' && a.firedAt !== null
      ? a.firedAt
      : a.state === 'resolved' && a.resolvedAt !== null
        ? a.resolvedAt
        : a.activeAt
    ).toISOString(),
    summary: a.annotations.summary ?? a.ruleName,
    silenced: a.silencedBy.length > 0,
  }));
}
