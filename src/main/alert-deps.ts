/**
 * The alert service as the server and the CLI build it from config: the rules (defaults with the
 * configured overrides), Alertmanager timing, the log channel, the webhook channel when a URL is set,
 * and the `rollback` and `retrain` actions over the registry.
 */
import type { Config } from '../config/index.js';
import { isSporeprintError, SporeprintError } from '../core/index.js';
import {
  ALERTS_ACTOR,
  AlertActions,
  type AlertChannel,
  AlertService,
  logChannel,
  type PipelineService,
  parseDuration,
  type RegistryService,
  type RetrainRequest,
  resolveRules,
  retrainAction,
  rollbackAction,
  WebhookChannel,
} from '../services/index.js';
import type { Storage } from '../storage/index.js';

/** `SP_ERR_CONFIG` for a rule the config schema let through but the alert service refuses. */
function asConfigError(e: unknown): unknown {
  if (!isSporeprintError(e) || e.code === 'SP_ERR_CONFIG') return e;
  const err = new SporeprintError('SP_ERR_CONFIG', `invalid setting alerts.rules: ${e.message}`, {
    path: 'alerts.rules',
  });
  err.cause = e;
  return err;
}

/**
 * What the `retrain` alert action does: starts the `retrain` pipeline for the alert's model, once per
 * firing (dedupe key `alert:<fingerprint>:<firing time>`), and returns the run's id.
 */
export function retrainOnAlert(
  pipelines: () => Promise<PipelineService>,
): (request: RetrainRequest) => Promise<string> {
  return async (r) => {
    const run = await (await pipelines()).start(
      'retrain',
      // the loop closed: what production traffic taught (feedback labels) joins the training data
      { modelName: r.model, includeFeedback: true },
      {
        kind: 'alert',
        ref: `${r.alertname} ${r.fingerprint}`,
        dedupeKey: `alert:${r.fingerprint}:${r.at.toISOString()}`,
        createdBy: ALERTS_ACTOR,
      },
    );
    return run.id;
  };
}

/**
 * Builds the alert service. `print` takes the log channel's lines and warnings (stderr, or the
 * server's log). `retrain` starts the retraining (see {@link retrainOnAlert}); without it the action
 * only records the request. `SP_ERR_CONFIG` for rules that do not hold together (a new rule without a
 * metric).
 */
export function buildAlertService(
  storage: Storage,
  registry: RegistryService,
  config: Config,
  print: (line: string) => void,
  retrain?: (request: RetrainRequest) => Promise<string>,
): AlertService {
  const a = config.alerts;
  let service: AlertService | undefined;
  const channels: AlertChannel[] = [logChannel(print)];
  if (a.webhookUrl !== undefined) {
    channels.push(
      new WebhookChannel({
        url: a.webhookUrl,
        maxAttempts: a.webhookMaxAttempts,
        queueSize: a.webhookQueueSize,
        onOutcome: (o) => service?.recordOutcome(o),
        onWarning: print,
      }),
    );
  }
  const model = config.server.modelName;
  try {
    service = new AlertService({
      store: storage.alerts,
      rules: resolveRules(a.rules),
      route: {
        groupBy: a.groupBy,
        groupWaitMs: parseDuration(a.groupWait, 'alerts.groupWait'),
        groupIntervalMs: parseDuration(a.groupInterval, 'alerts.groupInterval'),
        repeatIntervalMs: parseDuration(a.repeatInterval, 'alerts.repeatInterval'),
      },
      channels,
      actions: new AlertActions({
        rollback: rollbackAction(registry, model),
        retrain: retrainAction(model, retrain),
      }),
      onError: (e) => print(`error: alerts: ${e.message}`),
    });
  } catch (e) {
    throw asConfigError(e);
  }
  return service;
}
