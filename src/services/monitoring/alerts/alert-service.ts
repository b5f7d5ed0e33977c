import type {
  AlertHistoryInput,
  AlertHistoryOptions,
  AlertHistoryRecord,
  AlertStateRecord,
  SilenceRecord,
} from '../../../storage/index.js';
import { type AlertActionResult, AlertActions } from './alert-actions.js';
import { type CompiledRule, compileRule } from './alert-rule.js';
import type {
  ActionSummary,
  AlertCheckResult,
  AlertListing,
  AlertServiceDeps,
  NotificationSummary,
  SilenceInput,
  SilenceView,
} from './alert-service-types.js';
import type { AlertChannel, DeliveryOutcome } from './channels/alert-channel.js';
import { webhookPayload } from './channels/webhook-payload.js';
import { type AlertSamples, type AlertTransition, evaluateRules } from './evaluate-rules.js';
import {
  type AlertNotification,
  DEFAULT_ROUTE,
  planNotifications,
  type RouteSettings,
} from './notification-plan.js';
import { silenceFromInput } from './silence-input.js';
import { formatMatcher, silencedBy, silenceStatus } from './silence-matchers.js';

/** Silences read per check (the newest; older ones have long expired). */
const SILENCES_READ = 1000;

const entry = (
  e: Partial<AlertHistoryInput> & Pick<AlertHistoryInput, 'at' | 'kind'>,
): AlertHistoryInput => ({
  fingerprint: null,
  ruleName: null,
  fromState: null,
  toState: null,
  channel: null,
  outcome: null,
  details: null,
  ...e,
});

/**
 * Alerts: evaluates the rules over the metric values each monitoring check hands in (Prometheus
 * alerting-rule semantics), stores the states and an append-only history, sends notifications with
 * Alertmanager's grouping, repeat interval and silences to the database, the log and a webhook, and
 * runs a rule's action once when its alert starts firing. Checks are serialised within a process;
 * across processes the caller holds a lease (one checker at a time).
 *
 * Beyond Alertmanager: an active silence also stops the action of an alert that starts firing under it
 * (recorded as `skipped`), so that a silence set for maintenance cannot trigger a rollback.
 */
export class AlertService {
  readonly #d: AlertServiceDeps;
  readonly #rules: readonly CompiledRule[];
  readonly #route: RouteSettings;
  readonly #actions: AlertActions;
  readonly #channels: readonly AlertChannel[];
  #chain: Promise<unknown> = Promise.resolve();

  /** `SP_ERR_BAD_PARAM` naming the first bad rule (or a rule whose action is unknown). */
  constructor(deps: AlertServiceDeps) {
    this.#d = deps;
    this.#actions = deps.actions ?? new AlertActions();
    const names = this.#actions.names();
    this.#rules = deps.rules.map((r) => compileRule(r, names));
    this.#route = { ...DEFAULT_ROUTE, ...deps.route };
    this.#channels = deps.channels ?? [];
  }

  /** The rules in force. */
  get rules(): readonly CompiledRule[] {
    return this.#rules;
  }

  /** Evaluates the rules over `samples` at `now`, stores, notifies and acts (see the class comment). */
  check(samples: AlertSamples, now: Date = this.#now()): Promise<AlertCheckResult> {
    const run = this.#chain.then(() => this.#check(samples, now));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** The rules, the current alerts (with the silences muting them) and the silences, newest first. */
  async list(now: Date = this.#now()): Promise<AlertListing> {
    const [states, silences] = await Promise.all([
      this.#d.store.states(),
      this.#d.store.silences({ limit: SILENCES_READ }),
    ]);
    return {
      rules: this.#rules.map(({ forMs: _f, ...rule }) => rule),
      alerts: states.map((s) => ({ ...s, silencedBy: silencedBy(silences, s.labels, now) })),
      silences: silences.map((s) => silenceView(s, now)),
    };
  }

  /** Creates a silence (`SP_ERR_BAD_PARAM` naming what is wrong with the input). */
  async silence(input: SilenceInput, now: Date = this.#now()): Promise<SilenceView> {
    const record = silenceFromInput(input, now);
    return silenceView(await this.#d.store.createSilence(record), now);
  }

  /** Expires a silence now (`SP_ERR_NOT_FOUND`, `SP_ERR_CONFLICT` when already expired). */
  async unsilence(id: string, actor: string, now: Date = this.#now()): Promise<SilenceView> {
    return silenceView(await this.#d.store.expireSilence(id, now, actor), now);
  }

  /**
   * The append-only history (transitions, notifications, actions, silences), newest first: at most
   * `limit` entries (default 100, at most 10,000), of one kind or one alert when asked.
   */
  history(options: AlertHistoryOptions = {}): Promise<AlertHistoryRecord[]> {
    return this.#d.store.history(options);
  }

  /** Records what became of a queued notification (give this to the webhook channel's `onOutcome`). */
  recordOutcome(o: DeliveryOutcome): void {
    const n = o.notification;
    this.#d.store
      .appendHistory([
        entry({
          at: this.#now(),
          kind: 'notification',
          channel: o.channel,
          outcome: o.outcome,
          details: {
            groupKey: n.groupKey,
            status: n.status,
            attempts: o.attempts,
            ...(o.error ? { error: o.error } : {}),
          },
        }),
      ])
      .catch((e: unknown) => this.#d.onError?.(e as Error));
  }

  /** Waits for channels' queued notifications (e.g. before a CLI exits), up to `timeoutMs`. */
  async flush(timeoutMs?: number): Promise<void> {
    await Promise.all(this.#channels.map((c) => c.flush?.(timeoutMs)));
  }

  /** Closes the channels. */
  async close(): Promise<void> {
    await Promise.all(this.#channels.map((c) => c.close?.()));
  }

  #now(): Date {
    return this.#d.now?.() ?? new Date();
  }

  async #check(samples: AlertSamples, now: Date): Promise<AlertCheckResult> {
    const [previous, silences] = await Promise.all([
      this.#d.store.states(),
      this.#d.store.silences({ limit: SILENCES_READ }),
    ]);
    const evaluation = evaluateRules(this.#rules, samples, now, previous);
    const plan = planNotifications(evaluation.states, silences, this.#route, now);
    const history = [
      ...evaluation.transitions.map((t) => transitionEntry(t)),
      ...plan.notifications.map((n) =>
        entry({
          at: now,
          kind: 'notification',
          channel: 'stored',
          outcome: 'sent',
          details: webhookPayload(n),
        }),
      ),
    ];
    // states first: an action runs once per firing even if what follows fails
    await this.#d.store.saveCheck({ upserts: plan.states, removals: evaluation.removed, history });
    const notifications = this.#deliver(plan.notifications, now);
    const actions = await this.#act(evaluation.transitions, plan.states, plan.silenced, now);
    return {
      at: now,
      alerts: plan.states.map((s) => ({ ...s, silencedBy: plan.silenced.get(s.fingerprint) ?? [] })),
      transitions: evaluation.transitions,
      notifications,
      actions,
    };
  }

  /** Hands each notification to every channel (none waits) and records what each said. */
  #deliver(notifications: readonly AlertNotification[], now: Date): NotificationSummary[] {
    const summaries: NotificationSummary[] = [];
    const history: AlertHistoryInput[] = [];
    for (const n of notifications) {
      const channels: Record<string, string> = { stored: 'sent' };
      for (const c of this.#channels) {
        try {
          channels[c.name] = c.deliver(n);
        } catch (e) {
          channels[c.name] = 'failed';
          this.#d.onError?.(e as Error);
        }
        history.push(
          entry({
            at: now,
            kind: 'notification',
            channel: c.name,
            outcome: channels[c.name],
            details: { groupKey: n.groupKey, status: n.status },
          }),
        );
      }
      summaries.push({
        groupKey: n.groupKey,
        status: n.status,
        reason: n.reason,
        alerts: n.alerts.length,
        channels,
      });
    }
    if (history.length > 0)
      this.#d.store.appendHistory(history).catch((e: unknown) => this.#d.onError?.(e as Error));
    return summaries;
  }

  /** Runs the action of each alert that started firing (skipped when silenced), recording each result. */
  async #act(
    transitions: readonly AlertTransition[],
    states: readonly AlertStateRecord[],
    silenced: ReadonlyMap<string, readonly string[]>,
    now: Date,
  ): Promise<ActionSummary[]> {
    const byFingerprint = new Map(states.map((s) => [s.fingerprint, s]));
    const summaries: ActionSummary[] = [];
    for (const t of transitions) {
      const rule = this.#rules.find((r) => r.name === t.ruleName);
      const alert = byFingerprint.get(t.fingerprint);
      if (t.to !== 'firing' || rule?.action === undefined || alert === undefined) continue;
      const muted = silenced.get(t.fingerprint);
      const result: AlertActionResult =
        muted === undefined
          ? await this.#actions.run(rule.action, { alert, rule, at: now })
          : { outcome: 'skipped', message: `silenced by ${muted.join(', ')}` };
      await this.#d.store
        .appendHistory([
          entry({
            at: now,
            kind: 'action',
            fingerprint: t.fingerprint,
            ruleName: t.ruleName,
            channel: rule.action,
            outcome: result.outcome,
            details: {
              message: result.message,
              ...(result.details === undefined ? {} : { result: result.details }),
            },
          }),
        ])
        .catch((e: unknown) => this.#d.onError?.(e as Error));
      summaries.push({
        action: rule.action,
        fingerprint: t.fingerprint,
        alertname: t.ruleName,
        outcome: result.outcome,
        message: result.message,
      });
    }
    return summaries;
  }
}

function transitionEntry(t: AlertTransition): AlertHistoryInput {
  return entry({
    at: t.at,
    kind: 'transition',
    fingerprint: t.fingerprint,
    ruleName: t.ruleName,
    fromState: t.from,
    toState: t.to,
    details: { labels: t.labels, value: t.value },
  });
}

function silenceView(s: SilenceRecord, now: Date): SilenceView {
  return { ...s, status: silenceStatus(s, now), matchersText: s.matchers.map(formatMatcher) };
}
