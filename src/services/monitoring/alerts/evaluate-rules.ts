/**
 * One evaluation of the alerting rules, with Prometheus's alerting-rule semantics (rules/alerting.go):
 *
 * - condition true, no alert yet → `pending` with `activeAt` = now; with `for` 0 straight to `firing`;
 * - `pending` and true for at least `for` since `activeAt` → `firing` (`firedAt` = now);
 * - `pending` and false → gone (inactive), no notification;
 * - `firing` and false → `resolved` (`resolvedAt` = now), notified once;
 * - `resolved` and true again → a new `pending` (new `activeAt`), as Prometheus starts a new alert;
 * - `resolved` alerts are kept 15 minutes (Prometheus's `resolvedRetention`) and until their resolution
 *   has been notified (or had nothing to notify), then dropped.
 *
 * No data is no series: a metric missing from the samples (or `undefined`, or NaN) makes the condition
 * false, exactly as an absent series or a NaN comparison does in PromQL — a firing alert resolves.
 * Beyond Prometheus: a sample may be a list of labelled values (one alert per label set, e.g. per model).
 * `keep_firing_for` is not supported.
 */
import type { AlertLabels, AlertStateRecord } from '../../../storage/index.js';
import { expandTemplate, fingerprintOf } from './alert-labels.js';
import { type CompiledRule, compare } from './alert-rule.js';

/** One labelled value of a metric. */
export interface LabelledSample {
  readonly labels: AlertLabels;
  readonly value: number;
}

/** A metric's value in one check: a number, labelled values, or undefined (no data). */
export type SampleValue = number | undefined | readonly LabelledSample[];

/** Metric name → value, as the monitoring checks hand them in. */
export type AlertSamples = Readonly<Record<string, SampleValue>>;

/** The state an alert had or has: a stored state, or `inactive` (no row). */
export type AlertStateName = AlertStateRecord['state'] | 'inactive';

/** A change of an alert's state in one evaluation. */
export interface AlertTransition {
  readonly fingerprint: string;
  readonly ruleName: string;
  readonly labels: AlertLabels;
  readonly from: AlertStateName;
  readonly to: AlertStateName;
  readonly at: Date;
  readonly value: number | null;
}

/** What one evaluation returns. */
export interface Evaluation {
  /** Every alert that is pending, firing or resolved after the evaluation. */
  readonly states: AlertStateRecord[];
  /** Fingerprints of previous alerts that are now inactive. */
  readonly removed: string[];
  readonly transitions: AlertTransition[];
}

/** How long a resolved alert is kept (Prometheus `resolvedRetention`). */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

interface Series {
  readonly rule: CompiledRule;
  readonly labels: AlertLabels;
  readonly value: number;
}

function seriesOf(rule: CompiledRule, sample: SampleValue): Series[] {
  if (sample === undefined) return [];
  const list = typeof sample === 'number' ? [{ labels: {}, value: sample }] : sample;
  return list.map((s) => ({
    rule,
    value: s.value,
    labels: { ...s.labels, ...rule.labels, alertname: rule.name, severity: rule.severity },
  }));
}

function annotationsOf(rule: CompiledRule, labels: AlertLabels, value: number): Record<string, string> {
  return {
    summary: expandTemplate(rule.summary, labels, value),
    ...(rule.description === undefined
      ? {}
      : { description: expandTemplate(rule.description, labels, value) }),
  };
}

/** The alert of a series whose condition is true. */
function active(s: Series, prev: AlertStateRecord | undefined, now: Date): AlertStateRecord {
  const t = now.getTime();
  const base = {
    fingerprint: fingerprintOf(s.labels),
    ruleName: s.rule.name,
    labels: s.labels,
    annotations: annotationsOf(s.rule, s.labels, s.value),
    value: s.value,
    lastEvalAt: now,
    lastNotifiedAt: prev?.lastNotifiedAt ?? null,
    notifiedStatus: prev?.notifiedStatus ?? null,
  };
  if (prev === undefined || prev.state === 'resolved') {
    const firing = s.rule.forMs === 0;
    return {
      ...base,
      state: firing ? 'firing' : 'pending',
      activeAt: now,
      firedAt: firing ? now : null,
      resolvedAt: null,
    };
  }
  if (prev.state === 'pending' && t - prev.activeAt.getTime() >= s.rule.forMs) {
    return { ...base, state: 'firing', activeAt: prev.activeAt, firedAt: now, resolvedAt: null };
  }
  return { ...base, state: prev.state, activeAt: prev.activeAt, firedAt: prev.firedAt, resolvedAt: null };
}

/** A previous alert whose series is false or absent: resolved, kept, or gone (null). */
function inactive(prev: AlertStateRecord, now: Date): AlertStateRecord | null {
  if (prev.state === 'pending') return null;
  if (prev.state === 'firing') return { ...prev, state: 'resolved', resolvedAt: now, lastEvalAt: now };
  const kept = now.getTime() - (prev.resolvedAt ?? now).getTime() < RESOLVED_RETENTION_MS;
  return kept || prev.notifiedStatus === 'firing' ? { ...prev, lastEvalAt: now } : null;
}

/**
 * Evaluates `rules` over `samples` at `now` against the `previous` states (those of the last
 * evaluation, as stored). Pure: the caller stores the result.
 */
export function evaluateRules(
  rules: readonly CompiledRule[],
  samples: AlertSamples,
  now: Date,
  previous: readonly AlertStateRecord[],
): Evaluation {
  const before = new Map(previous.map((p) => [p.fingerprint, p]));
  const states: AlertStateRecord[] = [];
  const transitions: AlertTransition[] = [];
  const seen = new Set<string>();
  const record = (
    prev: AlertStateRecord | undefined,
    next: AlertStateRecord | null,
    fp: string,
    labels: AlertLabels,
    ruleName: string,
  ) => {
    const from = prev?.state ?? 'inactive';
    const to = next?.state ?? 'inactive';
    if (from !== to) {
      transitions.push({
        fingerprint: fp,
        ruleName,
        labels,
        from,
        to,
        at: now,
        value: next?.value ?? prev?.value ?? null,
      });
    }
    if (next !== null) states.push(next);
  };
  for (const rule of rules) {
    for (const s of seriesOf(rule, samples[rule.metric])) {
      const fp = fingerprintOf(s.labels);
      if (seen.has(fp)) continue; // the same label set twice in one sample: the first counts
      seen.add(fp);
      const prev = before.get(fp);
      if (compare(s.value, rule.comparison, rule.threshold)) {
        record(prev, active(s, prev, now), fp, s.labels, rule.name);
      } else if (prev !== undefined) {
        record(prev, inactive({ ...prev, value: s.value }, now), fp, s.labels, rule.name);
      }
    }
  }
  // previous alerts without a series this time (no data, or their rule is gone): condition false
  for (const prev of previous) {
    if (seen.has(prev.fingerprint)) continue;
    record(prev, inactive(prev, now), prev.fingerprint, prev.labels, prev.ruleName);
  }
  const kept = new Set(states.map((s) => s.fingerprint));
  const removed = previous.filter((p) => !kept.has(p.fingerprint)).map((p) => p.fingerprint);
  return { states, removed, transitions };
}
