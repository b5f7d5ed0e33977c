import { SporeprintError } from '../../../core/index.js';
import type { AlertRule } from './alert-rule.js';

/**
 * The metric names the monitoring checks hand to {@link AlertService.check} (the contract between
 * the checks that compute them and the rules that watch them).
 */
export const ALERT_METRICS = {
  /** Share of features that drifted in the window (Evidently's dataset drift share), 0-1. */
  datasetDriftShare: 'dataset_drift_share',
  /** Predicted edible, labelled poisonous, in the window's labelled traffic (a count). */
  falseEdibleLabelled: 'false_edible_labelled_count',
  /** Reference poisonous recall minus the estimated one (CBPE), 0-1; positive = worse. */
  estimatedRecallDrop: 'estimated_poisonous_recall_drop',
  /** Novelty (unknown-species) share in the window minus the reference's, 0-1. */
  noveltyShareRise: 'novelty_share_rise',
  /** Prediction rows waiting to be written to the log. */
  predictionLogBacklog: 'prediction_log_backlog',
} as const;

/** The default prediction-log backlog alert threshold (rows). */
export const DEFAULT_BACKLOG_THRESHOLD = 10_000;

/**
 * The default rules. Thresholds follow the tools users compare with: dataset drift at a drift share of
 * 0.5 (Evidently's DatasetDriftMetric default); any false-edible prediction in labelled traffic is
 * critical (the quality gate's maximum is 0 too).
 */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = [
  {
    name: 'dataset_drift',
    metric: ALERT_METRICS.datasetDriftShare,
    comparison: '>=',
    threshold: 0.5,
    window: 'check window',
    for: '0',
    labels: {},
    severity: 'warning',
    summary: 'Dataset drift: {{ $value }} of the features drifted (threshold 0.5)',
  },
  {
    name: 'false_edible_labelled',
    metric: ALERT_METRICS.falseEdibleLabelled,
    comparison: '>',
    threshold: 0,
    window: 'check window',
    for: '0',
    labels: {},
    severity: 'critical',
    summary: '{{ $value }} poisonous mushroom(s) predicted edible in labelled traffic',
  },
  {
    name: 'estimated_recall_drop',
    metric: ALERT_METRICS.estimatedRecallDrop,
    comparison: '>',
    threshold: 0.05,
    window: 'check window',
    for: '15m',
    labels: {},
    severity: 'warning',
    summary: 'Estimated poisonous recall fell {{ $value }} below the reference',
  },
  {
    name: 'novelty_share_rise',
    metric: ALERT_METRICS.noveltyShareRise,
    comparison: '>',
    threshold: 0.1,
    window: 'check window',
    for: '0',
    labels: {},
    severity: 'warning',
    summary: 'Unknown-species share rose {{ $value }} above the reference',
  },
  {
    name: 'prediction_log_backlog',
    metric: ALERT_METRICS.predictionLogBacklog,
    comparison: '>',
    threshold: DEFAULT_BACKLOG_THRESHOLD,
    window: 'now',
    for: '5m',
    labels: {},
    severity: 'warning',
    summary: '{{ $value }} prediction rows wait to be written to the log',
  },
];

/** A rule as configured: a default's name with the fields to change, or a new rule in full. */
export type AlertRuleOverride = { readonly name: string; readonly enabled?: boolean } & Partial<
  Omit<AlertRule, 'name'>
>;

/**
 * The rules in force: the defaults with the configured overrides applied by name (a field given
 * replaces the default's; `enabled: false` drops the rule), then the new rules, which need at least
 * `metric`, `comparison` and `threshold` (`window` defaults to `check window`, `for` to `0`,
 * `severity` to `warning`, `summary` to the condition). `SP_ERR_CONFIG` naming the override.
 */
export function resolveRules(
  overrides: readonly AlertRuleOverride[],
  defaults: readonly AlertRule[] = DEFAULT_ALERT_RULES,
): AlertRule[] {
  const seen = new Set<string>();
  const rules = new Map(defaults.map((r) => [r.name, r]));
  const disabled = new Set<string>();
  overrides.forEach((o, i) => {
    if (seen.has(o.name)) {
      throw new SporeprintError(
        'SP_ERR_CONFIG',
        `invalid setting alerts.rules.${i}: rule ${o.name} is given twice`,
      );
    }
    seen.add(o.name);
    const { enabled, ...fields } = o;
    if (enabled === false) disabled.add(o.name);
    const base = rules.get(o.name);
    if (base !== undefined) {
      rules.set(o.name, { ...base, ...fields, labels: { ...base.labels, ...(fields.labels ?? {}) } });
      return;
    }
    const missing = (['metric', 'comparison', 'threshold'] as const).filter((k) => fields[k] === undefined);
    if (missing.length > 0 && enabled !== false) {
      throw new SporeprintError(
        'SP_ERR_CONFIG',
        `invalid setting alerts.rules.${i}: ${o.name} is not a default rule (${defaults.map((r) => r.name).join(', ')}), so it needs ${missing.join(', ')}`,
        { path: `alerts.rules.${i}` },
      );
    }
    const { metric = '', comparison = '>', threshold = 0 } = fields;
    rules.set(o.name, {
      ...fields,
      name: o.name,
      metric,
      comparison,
      threshold,
      window: fields.window ?? 'check window',
      for: fields.for ?? '0',
      labels: fields.labels ?? {},
      severity: fields.severity ?? 'warning',
      summary: fields.summary ?? `${metric} ${comparison} ${threshold} ({{ $value }})`,
    });
  });
  return [...rules.values()].filter((r) => !disabled.has(r.name));
}
