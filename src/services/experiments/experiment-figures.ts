import type { ArmMetrics, ExperimentArm, ExperimentRecord } from '../../storage/index.js';

const rate = (num: number, den: number): string => (den > 0 ? (num / den).toFixed(4) : 'n/a');

/** One arm's figures in a line: labelled predictions, accuracy, false-edible rate, poisonous recall. */
export function armFiguresText(m: ArmMetrics): string {
  return (
    `${m.arm} v${m.version}: ${m.requests} predictions, ${m.labelled} labelled, accuracy ${rate(m.correct, m.labelled)}, ` +
    `false-edible ${m.falseEdible} (${rate(m.falseEdible, m.poisonousLabelled)} of poisonous), ` +
    `poisonous recall ${rate(m.poisonousCaught, m.poisonousLabelled)}`
  );
}

/**
 * The reason the registry history records when an experiment's winner is promoted: the experiment,
 * the winner, and every arm's figures (when known).
 */
export function concludedFiguresText(
  e: ExperimentRecord,
  winner: ExperimentArm,
  metrics: readonly ArmMetrics[] | null,
): string {
  const head = `experiment ${e.id} concluded: winner ${winner.name} (v${winner.version})`;
  if (metrics === null || metrics.length === 0) return head;
  return `${head}; ${metrics.map(armFiguresText).join('; ')}`;
}
