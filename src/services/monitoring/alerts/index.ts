/**
 * Alerts with Prometheus/Alertmanager semantics: rules over the metric values the monitoring checks
 * compute, states inactive → pending → firing → resolved, grouped notifications with a repeat
 * interval, silences, channels (database, log, webhook) and actions (rollback, retrain).
 */
export {
  ALERTS_ACTOR,
  type AlertAction,
  type AlertActionContext,
  type AlertActionResult,
  AlertActions,
  type RetrainRequest,
  type RollbackPort,
  retrainAction,
  rollbackAction,
} from './alert-actions.js';
export { formatValue } from './alert-labels.js';
export { type AlertRule, COMPARISONS, type Comparison, SEVERITIES, type Severity } from './alert-rule.js';
export { AlertService } from './alert-service.js';
export type {
  ActionSummary,
  AlertCheckResult,
  AlertListing,
  AlertServiceDeps,
  AlertStore,
  AlertView,
  NotificationSummary,
  SilenceInput,
  SilenceView,
} from './alert-service-types.js';
export type { AlertChannel, DeliveryOutcome } from './channels/alert-channel.js';
export { logChannel } from './channels/log-channel.js';
export { WebhookChannel, type WebhookOptions } from './channels/webhook-channel.js';
export type { WebhookPayload } from './channels/webhook-payload.js';
export {
  ALERT_METRICS,
  type AlertRuleOverride,
  DEFAULT_ALERT_RULES,
  DEFAULT_BACKLOG_THRESHOLD,
  resolveRules,
} from './default-rules.js';
export { DURATION_PATTERN, formatDuration, isDuration, parseDuration } from './duration.js';
export type { AlertSamples, AlertTransition, LabelledSample, SampleValue } from './evaluate-rules.js';
export { DEFAULT_ROUTE, type NotificationReason, type RouteSettings } from './notification-plan.js';
export { formatMatcher, parseMatcher, type SilenceStatus } from './silence-matchers.js';
