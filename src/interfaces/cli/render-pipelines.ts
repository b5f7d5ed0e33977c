import type { PipelinePlan } from '../../pipeline/index.js';
import type {
  PipelineLogRecord,
  PipelineRunRecord,
  PipelineRunView,
  PipelineSummary,
  PipelineTaskRecord,
} from '../../services/index.js';
import { table } from './format.js';

const time = (d: Date | null): string => (d === null ? '-' : d.toISOString().replace('T', ' ').slice(0, 19));
const seconds = (ms: number | null): string => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

/** A run's wall time so far (or in all, once finished). */
function elapsed(run: PipelineRunRecord, now = Date.now()): number {
  const start = (run.startedAt ?? run.createdAt).getTime();
  return (run.finishedAt?.getTime() ?? now) - start;
}

/** `pipeline pipelines`. */
export function renderPipelineList(list: readonly PipelineSummary[]): string {
  const blocks = list.map((p) => {
    const params = Object.entries(p.params ?? {}).map(
      ([name, s]) =>
        `    --param ${name}=<${s.enum ? s.enum.join('|') : s.type}>${s.default === undefined ? (s.required ? ' (required)' : '') : ` (default ${String(s.default)})`}${s.description ? `  ${s.description}` : ''}`,
    );
    const tasks = p.tasks.map(
      (t) => `${t.id}${t.dependsOn.length > 0 ? ` ← ${t.dependsOn.join(', ')}` : ''}`,
    );
    return [
      `${p.name}${p.source === 'built-in' ? '' : ` (${p.source})`}${p.description ? `: ${p.description}` : ''}`,
      ...(params.length > 0 ? ['  parameters:', ...params] : []),
      `  tasks: ${tasks.join('; ')}`,
    ].join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

/** `pipeline list`. */
export function renderRunList(runs: readonly PipelineRunRecord[]): string {
  if (runs.length === 0) return 'No pipeline runs yet: run `sporeprint pipeline run retrain`.\n';
  return `${table([
    ['id', 'pipeline', 'state', 'trigger', 'executor', 'created (UTC)', 'took'],
    ...runs.map((r) => [
      r.id,
      r.pipeline,
      r.state,
      r.triggerKind,
      r.executor,
      time(r.createdAt),
      seconds(elapsed(r)),
    ]),
  ])}\n`;
}

/** A task's state as one short text: `running 42% (fit)`, `retrying (attempt 2 at …)`, `failed: …`. */
export function taskStateText(t: PipelineTaskRecord): string {
  switch (t.state) {
    case 'running':
      return `running${t.progress === null ? '' : ` ${Math.round(100 * t.progress)}%`}${t.progressNote ? ` (${t.progressNote})` : ''}`;
    case 'retrying':
      return `retrying (attempt ${t.attempt} at ${time(t.nextAttemptAt)})`;
    default:
      return t.state;
  }
}

/** `pipeline show`: the run, its tasks, attempts and links. */
export function renderRunView(view: PipelineRunView): string {
  const { run } = view;
  const lines = [
    `Pipeline run ${run.id} (${run.pipeline}): ${run.state}${run.pausedReason ? ` — ${run.pausedReason}` : ''}`,
    `  trigger ${run.triggerKind}${run.triggerRef ? ` ${run.triggerRef}` : ''}${run.createdBy ? ` by ${run.createdBy}` : ''}; executor ${run.executor}${run.runnerOwner ? ` (${run.runnerOwner})` : ''}`,
    `  created ${time(run.createdAt)}, finished ${time(run.finishedAt)}, took ${seconds(elapsed(run))}`,
    `  params ${JSON.stringify(run.params)}`,
    ...(run.error ? [`  error: ${run.error}`] : []),
    ...(run.outcome === null ? [] : [`  outcome: ${JSON.stringify(run.outcome)}`]),
    '',
    table([
      ['task', 'kind', 'state', 'attempt', 'took', 'error'],
      ...view.tasks.map((t) => [
        t.taskId,
        t.kind,
        taskStateText(t),
        `${t.attempt}/${t.maxAttempts}`,
        seconds(t.durationMs),
        (t.error ?? '').slice(0, 120),
      ]),
    ]),
  ];
  const retried = view.attempts.filter((a) => a.state === 'failed' || a.state === 'cancelled');
  if (retried.length > 0) {
    lines.push('', 'Attempts that did not succeed:');
    for (const a of retried) {
      lines.push(`  ${a.taskId} #${a.attempt} ${a.state} at ${time(a.finishedAt)}: ${a.error ?? ''}`);
    }
  }
  if (view.links.length > 0) {
    lines.push('', 'Made:');
    for (const l of view.links) lines.push(`  ${l.kind} ${l.ref} (task ${l.taskId})`);
  }
  return `${lines.join('\n')}\n`;
}

/** Log lines: `time task#attempt level message`. */
export function renderLogs(logs: readonly PipelineLogRecord[]): string {
  return logs
    .map((l) => `${time(l.at)} ${l.taskId}#${l.attempt} ${l.level.padEnd(5)} ${l.message}\n`)
    .join('');
}

/** `pipeline validate`: the plan, task by task. */
export function renderPlan(plan: PipelinePlan): string {
  return `Pipeline ${plan.pipeline} is valid; params ${JSON.stringify(plan.params)}\n${table([
    ['task', 'kind', 'after', 'attempts', 'timeout'],
    ...plan.tasks.map((t) => [
      t.id,
      t.kind,
      t.dependsOn.join(', ') || '-',
      String(t.retry.maxAttempts),
      t.timeoutMs === null ? '-' : seconds(t.timeoutMs),
    ]),
  ])}\n`;
}
