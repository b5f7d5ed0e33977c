import { SporeprintError } from '../../../core/index.js';
import type { AlertStateRecord, TransitionResult } from '../../../storage/index.js';
import type { AlertRule } from './alert-rule.js';

/** What an action is given: the alert that started firing, its rule, and when. */
export interface AlertActionContext {
  readonly alert: AlertStateRecord;
  readonly rule: AlertRule;
  readonly at: Date;
}

/** What an action did (recorded in the alert history). */
export interface AlertActionResult {
  readonly outcome: 'ok' | 'failed' | 'skipped';
  readonly message: string;
  readonly details?: unknown;
}

/** A named hook run once when an alert starts firing. */
export type AlertAction = (ctx: AlertActionContext) => Promise<AlertActionResult>;

/** The actor registry changes made by alert actions are recorded as. */
export const ALERTS_ACTOR = 'sporeprint-alerts';

/** The registry as the rollback action uses it (`RegistryService.rollback`). */
export interface RollbackPort {
  rollback(name: string, actor: string, reason?: string): Promise<TransitionResult>;
}

/**
 * The `rollback` action: returns the model's Production to the previously promoted version through the
 * registry's rollback (recorded there as `rolled-back` by {@link ALERTS_ACTOR}). The model is the
 * alert's `model` label, else `defaultModel` (the served model).
 */
export function rollbackAction(registry: RollbackPort, defaultModel: string): AlertAction {
  return async ({ alert }) => {
    const model = alert.labels.model ?? defaultModel;
    const reason = `alert ${alert.labels.alertname} fired: ${alert.annotations.summary ?? ''}`.trim();
    const r = await registry.rollback(model, ALERTS_ACTOR, reason);
    const from = r.previousProduction?.version;
    return {
      outcome: 'ok',
      message: `rolled ${model} back to version ${r.version.version}${from === undefined ? '' : ` (from ${from})`}`,
      details: { model, version: r.version.version, previous: from ?? null },
    };
  };
}

/** A request to retrain a model, raised by an alert. */
export interface RetrainRequest {
  readonly model: string;
  readonly alertname: string;
  readonly fingerprint: string;
  readonly reason: string;
  readonly at: Date;
}

/**
 * The `retrain` action: records a retraining request in the alert history and hands it to `onRequest`
 * (main/ starts the `retrain` pipeline there and returns the run's id; without it the request is only
 * recorded).
 */
export function retrainAction(
  defaultModel: string,
  onRequest?: (request: RetrainRequest) => Promise<string | undefined> | string | undefined,
): AlertAction {
  return async ({ alert, at }) => {
    const request: RetrainRequest = {
      model: alert.labels.model ?? defaultModel,
      alertname: alert.labels.alertname ?? alert.ruleName,
      fingerprint: alert.fingerprint,
      reason: alert.annotations.summary ?? '',
      at,
    };
    const runId = (await onRequest?.(request)) ?? null;
    return {
      outcome: 'ok',
      message: `retraining of ${request.model} requested${runId === null ? '' : `: pipeline run ${runId}`}`,
      details: { ...request, at: at.toISOString(), wired: onRequest !== undefined, pipelineRun: runId },
    };
  };
}

/** The named actions rules may run. */
export class AlertActions {
  readonly #actions: ReadonlyMap<string, AlertAction>;

  constructor(actions: Readonly<Record<string, AlertAction>> = {}) {
    this.#actions = new Map(Object.entries(actions));
  }

  /** The known names. */
  names(): string[] {
    return [...this.#actions.keys()];
  }

  /** Runs an action; its failure is a `failed` result naming the error, never a throw. */
  async run(name: string, ctx: AlertActionContext): Promise<AlertActionResult> {
    const action = this.#actions.get(name);
    if (action === undefined) return { outcome: 'failed', message: `unknown action ${name}` };
    try {
      return await action(ctx);
    } catch (e) {
      const code = e instanceof SporeprintError ? `${e.code}: ` : '';
      return { outcome: 'failed', message: `${code}${(e as Error).message ?? String(e)}` };
    }
  }
}
