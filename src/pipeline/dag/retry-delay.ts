import { SporeprintError } from '../../core/index.js';
import type { RetryPolicy, RetrySpec } from './pipeline-types.js';
import { show } from './show-value.js';

/** The retry defaults of every task (BullMQ-like exponential backoff with full jitter). */
export const RETRY_DEFAULTS: Readonly<Required<RetrySpec>> = Object.freeze({
  retries: 0,
  delayMs: 1000,
  factor: 2,
  maxDelayMs: 300_000,
  jitter: 'full',
});

/** The longest delay a timer can take (setTimeout fires at once beyond it). */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * The problems of a retry spec, each prefixed by `where` (e.g. `task "etl": `); empty when valid.
 */
export function retrySpecProblems(spec: unknown, where: string): string[] {
  if (spec === undefined) return [];
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    return [`${where}retry must be an object, got ${show(spec)}`];
  }
  const r = spec as Record<string, unknown>;
  const problems: string[] = [];
  const bad = (field: string, rule: string) =>
    problems.push(`${where}retry.${field} must be ${rule}, got ${show(r[field])}`);
  for (const key of Object.keys(r)) {
    if (!(key in RETRY_DEFAULTS)) problems.push(`${where}retry has an unknown field "${key}"`);
  }
  if (r.retries !== undefined && !(Number.isInteger(r.retries) && (r.retries as number) >= 0)) {
    bad('retries', 'a non-negative integer');
  }
  if (r.delayMs !== undefined && !isDuration(r.delayMs)) bad('delayMs', `a number from 0 to ${MAX_TIMER_MS}`);
  if (r.maxDelayMs !== undefined && !isDuration(r.maxDelayMs)) {
    bad('maxDelayMs', `a number from 0 to ${MAX_TIMER_MS}`);
  }
  if (
    r.factor !== undefined &&
    !(typeof r.factor === 'number' && Number.isFinite(r.factor) && r.factor >= 1)
  ) {
    bad('factor', 'a finite number ≥ 1');
  }
  if (r.jitter !== undefined && r.jitter !== 'full' && r.jitter !== 'none') bad('jitter', '"full" or "none"');
  return problems;
}

/** The policy of a task: the defaults, then the pipeline's defaults, then the task's own fields. */
export function retryPolicyOf(...specs: ReadonlyArray<RetrySpec | undefined>): RetryPolicy {
  const merged: Required<RetrySpec> = { ...RETRY_DEFAULTS };
  for (const spec of specs) {
    for (const [k, v] of Object.entries(spec ?? {})) {
      if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
    }
  }
  return {
    maxAttempts: merged.retries + 1,
    delayMs: merged.delayMs,
    factor: merged.factor,
    maxDelayMs: merged.maxDelayMs,
    jitter: merged.jitter,
  };
}

/**
 * The delay in ms before attempt `failedAttempt + 1`, after attempt `failedAttempt` (1-based)
 * failed: `min(maxDelayMs, delayMs · factor^(failedAttempt − 1))`, and with `full` jitter a uniform
 * draw below it, `floor(random() · delay)` (AWS' "full jitter"; BullMQ's exponential backoff with
 * jitter 1).
 *
 * @example
 * retryDelayMs({ maxAttempts: 4, delayMs: 1000, factor: 2, maxDelayMs: 300000, jitter: 'none' }, 3, Math.random) // 4000
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, random: () => number): number {
  if (!Number.isInteger(failedAttempt) || failedAttempt < 1) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `failedAttempt must be an integer ≥ 1, got ${show(failedAttempt)}`,
    );
  }
  const grown = policy.delayMs === 0 ? 0 : policy.delayMs * policy.factor ** (failedAttempt - 1);
  const delay = Math.min(policy.maxDelayMs, grown);
  if (policy.jitter === 'none') return delay;
  const r = random();
  return Math.floor(Math.min(Math.max(r, 0), 1) * delay);
}

/** True when attempt `failedAttempt` (1-based) failed and the policy allows another attempt. */
export function canRetry(policy: RetryPolicy, failedAttempt: number): boolean {
  return failedAttempt < policy.maxAttempts;
}

function isDuration(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_TIMER_MS;
}
