import { SporeprintError } from '../../core/index.js';
import type { ParamSpec, PipelinePlan, PipelineSpec, PlannedTask, TaskSpec } from './pipeline-types.js';
import { paramSpecProblems, resolveParams, resolveTaskParams } from './resolve-params.js';
import { MAX_TIMER_MS, retryPolicyOf, retrySpecProblems } from './retry-delay.js';
import { show } from './show-value.js';
import { findCycles, topologicalOrder } from './task-graph.js';

/** The pattern of pipeline and task ids. */
export const PIPELINE_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Options of {@link planPipeline}. */
export interface PlanOptions {
  /** The task kinds the catalogue has a handler for. */
  readonly knownKinds: ReadonlySet<string>;
}

/**
 * Validates a pipeline spec and the run's parameters into a frozen plan, before anything runs:
 * tasks in a topological order (Kahn, ties by spec order), retry defaults filled (the built-in
 * ones, then `spec.defaults`, then the task's own), `$param` references replaced by the run's values.
 *
 * @throws SporeprintError `SP_ERR_PIPELINE_SPEC` listing every problem at once in the message and
 *   in `details.specProblems` (ids, kinds, dependencies, cycles named `a → b → a`, parameters, retries,
 *   timeouts).
 * @example
 * const plan = planPipeline(spec, { deploy: 'shadow' }, { knownKinds: new Set(['etl', 'train']) });
 */
export function planPipeline(
  spec: PipelineSpec,
  params: Readonly<Record<string, unknown>>,
  options: PlanOptions,
): PipelinePlan {
  const { problems, tasks } = specProblems(spec, options.knownKinds);
  const declared: Readonly<Record<string, ParamSpec>> = isRecord(spec?.params) ? spec.params : {};
  const given = isRecord(params) ? params : {};
  if (!isRecord(params)) problems.push(`run parameters must be an object, got ${show(params)}`);
  const values = resolveParams(declared, given, problems);
  const planned = tasks.map(
    (t): PlannedTask => ({
      id: t.id,
      kind: t.kind,
      dependsOn: [...new Set(dependencyList(t))],
      params: resolveTaskParams(t.id, t.params, declared, values, problems),
      retry: retryPolicyOf(spec.defaults?.retry, t.retry),
      timeoutMs: t.timeoutMs ?? spec.defaults?.timeoutMs ?? null,
    }),
  );
  throwIfAny(spec, problems);
  const byId = new Map(planned.map((t) => [t.id, t]));
  const order = topologicalOrder(planned).order;
  return deepFreeze({ pipeline: spec.name, params: values, tasks: order.map((id) => byId.get(id)!) });
}

/**
 * Validates a spec on its own, without run parameters (as a catalogue does when it loads a
 * pipeline module, or the Airflow export): ids, kinds (when `knownKinds` is given), dependencies,
 * cycles, parameter declarations and defaults, retries, timeouts. `$param` references are checked
 * against the declared parameters.
 *
 * @throws SporeprintError `SP_ERR_PIPELINE_SPEC` listing every problem, as {@link planPipeline}.
 */
export function checkPipelineSpec(
  spec: PipelineSpec,
  options: { readonly knownKinds?: ReadonlySet<string> } = {},
): void {
  const { problems, tasks } = specProblems(spec, options.knownKinds ?? null);
  const declared: Readonly<Record<string, ParamSpec>> = isRecord(spec?.params) ? spec.params : {};
  for (const t of tasks) resolveTaskParams(t.id, t.params, declared, {}, problems);
  throwIfAny(spec, problems);
}

/** The problems of a spec without its run parameters, and its tasks that are objects. */
function specProblems(
  spec: PipelineSpec,
  knownKinds: ReadonlySet<string> | null,
): { problems: string[]; tasks: TaskSpec[] } {
  const problems: string[] = [];
  const name: unknown = spec?.name;
  if (typeof name !== 'string' || !PIPELINE_ID_PATTERN.test(name)) {
    problems.push(`pipeline name ${show(name)} must match ${PIPELINE_ID_PATTERN.source}`);
  }
  const tasks = taskList(spec, problems);
  const ids = new Set(tasks.map((t) => t.id));
  tasks.forEach((t) => {
    taskProblems(t, ids, knownKinds, problems);
  });
  for (const id of duplicates(tasks.map((t) => t.id))) problems.push(`duplicate task id "${id}"`);
  // cycles among the valid edges (self-dependencies are reported above)
  const edges = tasks.map((t) => ({
    id: t.id,
    dependsOn: dependencyList(t).filter((d) => d !== t.id && ids.has(d)),
  }));
  for (const cycle of findCycles(edges)) problems.push(`dependency cycle: ${cycle.join(' → ')}`);
  problems.push(...retrySpecProblems(spec?.defaults?.retry, 'defaults: '));
  problems.push(...timeoutProblems(spec?.defaults?.timeoutMs, 'defaults: '));
  problems.push(...paramSpecProblems(spec?.params));
  return { problems, tasks };
}

function throwIfAny(spec: PipelineSpec, problems: readonly string[]): void {
  if (problems.length === 0) return;
  const name: unknown = spec?.name;
  const label = typeof name === 'string' ? `pipeline "${name}"` : 'pipeline';
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw new SporeprintError(
    'SP_ERR_PIPELINE_SPEC',
    `${label} is invalid (${count}): ${problems.join('; ')}`,
    // not `problems`: the HTTP error envelope's `problems` are field problems
    { specProblems: [...problems] },
  );
}

function taskList(spec: PipelineSpec, problems: string[]): TaskSpec[] {
  const tasks: unknown = spec?.tasks;
  if (!Array.isArray(tasks)) {
    problems.push(`tasks must be a list, got ${show(tasks)}`);
    return [];
  }
  if (tasks.length === 0) problems.push('the pipeline has no tasks');
  return tasks.filter((t, i) => {
    if (isRecord(t)) return true;
    problems.push(`task #${i + 1} must be an object, got ${show(t)}`);
    return false;
  });
}

function taskProblems(
  t: TaskSpec,
  ids: ReadonlySet<string>,
  kinds: ReadonlySet<string> | null,
  problems: string[],
): void {
  const id: unknown = t.id;
  if (typeof id !== 'string' || !PIPELINE_ID_PATTERN.test(id)) {
    problems.push(`task id ${show(id)} must match ${PIPELINE_ID_PATTERN.source}`);
  }
  const where = `task "${String(id)}": `;
  if (typeof t.kind !== 'string' || t.kind === '') {
    problems.push(`${where}kind must be a non-empty string, got ${show(t.kind)}`);
  } else if (kinds !== null && !kinds.has(t.kind)) {
    const known = [...kinds].sort().join(', ') || 'none';
    problems.push(`${where}unknown kind ${show(t.kind)} (known kinds: ${known})`);
  }
  if (t.dependsOn !== undefined && !Array.isArray(t.dependsOn)) {
    problems.push(`${where}dependsOn must be a list of task ids, got ${show(t.dependsOn)}`);
  }
  for (const d of dependencyList(t)) {
    if (d === id) problems.push(`task "${id}" depends on itself`);
    else if (!ids.has(d)) problems.push(`task "${String(id)}" depends on unknown task ${show(d)}`);
  }
  problems.push(...retrySpecProblems(t.retry, where));
  problems.push(...timeoutProblems(t.timeoutMs, where));
}

function timeoutProblems(timeoutMs: unknown, where: string): string[] {
  if (timeoutMs === undefined) return [];
  const ok = typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0;
  if (ok && timeoutMs <= MAX_TIMER_MS) return [];
  return [`${where}timeoutMs must be a number > 0 and ≤ ${MAX_TIMER_MS}, got ${show(timeoutMs)}`];
}

function dependencyList(t: TaskSpec): string[] {
  return Array.isArray(t.dependsOn) ? (t.dependsOn as unknown[]).map((d) => d as string) : [];
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice];
}

function isRecord(v: unknown): v is Record<string, never> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
