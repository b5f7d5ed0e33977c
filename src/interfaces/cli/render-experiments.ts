import type {
  ArmMetrics,
  CheckOutcome,
  ConcludeResult,
  ExperimentEvent,
  ExperimentRecord,
  ExperimentView,
} from '../../services/index.js';
import { table } from './format.js';

const time = (d: Date | null): string => (d === null ? '-' : d.toISOString().replace('T', ' ').slice(0, 19));
const rate = (num: number, den: number): string => (den > 0 ? (num / den).toFixed(4) : '-');
const us = (x: number | null): string => (x === null ? '-' : `${Math.round(x)} µs`);

/** `experiments list`. */
export function renderExperimentList(list: readonly ExperimentRecord[]): string {
  if (list.length === 0) return 'No experiments yet: run `sporeprint experiments create`.\n';
  return `${table([
    ['id', 'model', 'status', 'arms', 'created (UTC)', 'by'],
    ...list.map((e) => [
      e.id,
      e.modelName,
      e.status,
      e.arms
        .map((a) => `${a.name}=v${a.version}${a.role === 'shadow' ? ' (shadow)' : `:${a.weight}`}`)
        .join(', '),
      time(e.createdAt),
      e.createdBy,
    ]),
  ])}\n`;
}

/** One experiment's record. */
export function renderExperiment(e: ExperimentRecord): string {
  const s = e.settings;
  const lines = [
    `Experiment ${e.id} on ${e.modelName}: ${e.status}${e.statusReason ? ` (${e.statusReason})` : ''}`,
    ...(e.description ? [`  ${e.description}`] : []),
    `Assignment per ${e.assignment}; created ${time(e.createdAt)} by ${e.createdBy}; started ${time(e.startedAt)}; stopped ${time(e.stoppedAt)}`,
    `Analysis: ${s.engine}${s.sequential ? ' sequential' : ''}, primary metric ${s.primaryMetric}, alpha ${s.alpha}, ` +
      `guardrail margin ${s.guardrailMargin}, at least ${s.minLabelledPerArm} labelled per arm, ` +
      `max ${s.maxDurationHours === null ? 'no limit' : `${s.maxDurationHours} h`}`,
    ...(e.winner ? [`Winner: ${e.winner}`] : []),
    '',
    table([
      ['arm', 'role', 'version', 'weight'],
      ...e.arms.map((a) => [a.name, a.role, `v${a.version}`, a.weight]),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

function renderMetrics(metrics: readonly ArmMetrics[]): string {
  return table([
    [
      'arm',
      'requests',
      'labelled',
      'accuracy',
      'poisonous recall',
      'false-edible',
      'uncertain',
      'p50',
      'p95',
    ],
    ...metrics.map((m) => [
      m.arm,
      m.requests,
      m.labelled,
      rate(m.correct, m.labelled),
      rate(m.poisonousCaught, m.poisonousLabelled),
      `${m.falseEdible} (${rate(m.falseEdible, m.poisonousLabelled)})`,
      rate(m.uncertain, m.requests),
      us(m.latencyP50Us),
      us(m.latencyP95Us),
    ]),
  ]);
}

/** `experiments show`: the record, the per-arm figures and the decision (when available). */
export function renderExperimentView(v: ExperimentView): string {
  const parts = [renderExperiment(v.experiment)];
  if (v.metrics !== null) parts.push(`\n${renderMetrics(v.metrics)}\n`);
  if (v.analysis !== null) {
    const d = v.analysis.decision;
    parts.push(`\nDecision: ${d.action}${d.arm ? ` (${d.arm})` : ''}: ${d.reason}\n`);
  }
  return parts.join('');
}

/** `experiments history`. */
export function renderExperimentHistory(id: string, events: readonly ExperimentEvent[]): string {
  return `History of ${id}\n${table([
    ['#', 'at (UTC)', 'actor', 'action', 'status', 'reason'],
    ...events.map((h) => [
      h.seq,
      time(h.at),
      h.actor,
      h.action,
      h.fromStatus === null
        ? h.toStatus
        : h.fromStatus === h.toStatus
          ? h.toStatus
          : `${h.fromStatus} → ${h.toStatus}`,
      h.reason ?? '-',
    ]),
  ])}\n`;
}

/** A status change. */
export function renderChange(verb: string, e: ExperimentRecord): string {
  return `${verb} experiment ${e.id} on ${e.modelName}: now ${e.status}\n`;
}

/** `experiments conclude`. */
export function renderConclusion(r: ConcludeResult): string {
  const e = r.experiment;
  return (
    `Concluded experiment ${e.id}: winner ${r.winner.name} (v${r.winner.version}); ` +
    (r.promotion === null
      ? `v${r.winner.version} was already in Production\n`
      : `promoted ${e.modelName} v${r.winner.version} → Production\n`)
  );
}

/** `experiments check`. */
export function renderChecks(outcomes: readonly CheckOutcome[]): string {
  if (outcomes.length === 0) return 'No running experiments.\n';
  return `${table([
    ['experiment', 'decision', 'applied', 'reason'],
    ...outcomes.map((o) => [o.experimentId, o.action, o.applied ? 'yes' : 'no', o.reason]),
  ])}\n`;
}
