import { SporeprintError } from '../../../core/index.js';
import { parseDuration } from './duration.js';

/** How a rule compares a metric's value with its threshold (PromQL's comparison operators). */
export type Comparison = '>' | '>=' | '<' | '<=' | '==' | '!=';

/** Every comparison, for schemas and messages. */
export const COMPARISONS: readonly Comparison[] = ['>', '>=', '<', '<=', '==', '!='];

/** Severities (the `severity` label). */
export type Severity = 'info' | 'warning' | 'critical';

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

/**
 * An alerting rule: "alert `name` when `metric comparison threshold` has held for `for`". The
 * equivalent of a Prometheus rule `alert: name / expr: metric > threshold / for: … / labels / annotations`,
 * over metric values handed in by the monitoring checks instead of a PromQL query.
 */
export interface AlertRule {
  /** The alert's name, its `alertname` label (`[a-zA-Z_][a-zA-Z0-9_]*`). */
  readonly name: string;
  /** The metric (a key of the samples each check hands in). */
  readonly metric: string;
  readonly comparison: Comparison;
  readonly threshold: number;
  /** The window the metric is computed over (`1h`, `last 1000 predictions`): shown, not interpreted. */
  readonly window: string;
  /** How long the condition must hold before the alert fires (`0`: at once), a Prometheus duration. */
  readonly for: string;
  /** Extra labels (rule labels win over a series' own, as in Prometheus). */
  readonly labels: Readonly<Record<string, string>>;
  readonly severity: Severity;
  /** The `summary` annotation; `{{ $value }}` and `{{ $labels.<name> }}` are filled in. */
  readonly summary: string;
  /** The `description` annotation (templated like `summary`). */
  readonly description?: string;
  /** A named action run once when the alert starts firing (see `AlertActions`). */
  readonly action?: string;
}

/** A rule with its `for` in milliseconds. */
export interface CompiledRule extends AlertRule {
  readonly forMs: number;
}

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `value comparison threshold`; NaN compares false, as in PromQL. */
export function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return !Number.isNaN(value) && value !== threshold;
  }
}

function bad(where: string, problem: string): SporeprintError {
  return new SporeprintError('SP_ERR_BAD_PARAM', `${where}: ${problem}`, { rule: where });
}

/**
 * Checks a rule and compiles its `for`. `SP_ERR_BAD_PARAM` naming the rule and the field: a bad
 * name or metric, an unknown comparison, a non-finite threshold, a bad duration or label name, or an
 * action not among `actions` (when given).
 */
export function compileRule(rule: AlertRule, actions?: readonly string[]): CompiledRule {
  const where = `alert rule ${typeof rule.name === 'string' ? rule.name : '?'}`;
  if (typeof rule.name !== 'string' || !NAME.test(rule.name))
    throw bad(where, `name must match ${NAME.source}, got ${JSON.stringify(rule.name)}`);
  if (typeof rule.metric !== 'string' || !METRIC.test(rule.metric))
    throw bad(where, `metric must match ${METRIC.source}, got ${JSON.stringify(rule.metric)}`);
  if (!COMPARISONS.includes(rule.comparison))
    throw bad(
      where,
      `comparison must be one of ${COMPARISONS.join(' ')}, got ${JSON.stringify(rule.comparison)}`,
    );
  if (typeof rule.threshold !== 'number' || !Number.isFinite(rule.threshold))
    throw bad(where, `threshold must be a finite number, got ${JSON.stringify(rule.threshold)}`);
  if (!SEVERITIES.includes(rule.severity))
    throw bad(
      where,
      `severity must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(rule.severity)}`,
    );
  for (const name of Object.keys(rule.labels)) {
    if (!LABEL.test(name) || name === 'alertname' || name === 'severity')
      throw bad(where, `label name ${JSON.stringify(name)} is invalid (or reserved: alertname, severity)`);
  }
  if (rule.action !== undefined && actions !== undefined && !actions.includes(rule.action))
    throw bad(
      where,
      `unknown action ${JSON.stringify(rule.action)} (known: ${actions.join(', ') || 'none'})`,
    );
  return { ...rule, forMs: parseDuration(rule.for, `${where}: for`) };
}
