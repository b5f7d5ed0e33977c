/**
 * Performance from labelled predictions, as the roll-up counts them: cells `<decision>|<label>`
 * (`edible|p` is a poisonous mushroom called edible). The same definitions as the experiments' arm
 * figures: accuracy over answered rows (edible or poisonous), poisonous recall as the share of poisonous
 * mushrooms not called edible (an "uncertain" answer protects the forager), the false-edible count.
 */
export interface LabelledFigures {
  /** Labelled predictions. */
  readonly n: number;
  /** Labelled predictions answered edible or poisonous. */
  readonly answered: number;
  /** Correct among answered (null when none was answered). */
  readonly accuracy: number | null;
  readonly poisonous: number;
  /** Poisonous not called edible, over poisonous (null without poisonous labels). */
  readonly poisonousRecall: number | null;
  readonly falseEdible: number;
  /** Labelled answers "uncertain", over labelled. */
  readonly uncertainShare: number | null;
  /**
   * Expected calibration error of the labelled predictions' probabilities: 10 equal-width bins, each
   * weighing |observed poisonous share − mean probability| by its rows (null without calibration counts).
   */
  readonly ece: number | null;
}

/** ECE from `<hundredth>|<label>` counts (the roll-up's `@calibration`), 10 equal-width bins. */
export function calibrationError(cells: Readonly<Record<string, number>>): number | null {
  const n = new Array<number>(10).fill(0);
  const p = new Array<number>(10).fill(0);
  const positive = new Array<number>(10).fill(0);
  let total = 0;
  for (const [key, count] of Object.entries(cells)) {
    const [h, label] = key.split('|');
    const hundredth = Number(h);
    if (!Number.isInteger(hundredth) || hundredth < 0 || hundredth > 99 || count <= 0) continue;
    const b = Math.floor(hundredth / 10);
    n[b] += count;
    p[b] += ((hundredth + 0.5) / 100) * count;
    if (label === 'p') positive[b] += count;
    total += count;
  }
  if (total === 0) return null;
  let ece = 0;
  for (let b = 0; b < 10; b++)
    if (n[b] > 0) ece += (n[b] / total) * Math.abs(positive[b] / n[b] - p[b] / n[b]);
  return ece;
}

export function labelledFigures(
  cells: Readonly<Record<string, number>>,
  calibration: Readonly<Record<string, number>> = {},
): LabelledFigures {
  const c = (k: string) => cells[k] ?? 0;
  const correct = c('edible|e') + c('poisonous|p');
  const answered = correct + c('edible|p') + c('poisonous|e');
  const uncertain = c('uncertain|e') + c('uncertain|p');
  const poisonous = c('edible|p') + c('poisonous|p') + c('uncertain|p');
  const n = answered + uncertain;
  return {
    n,
    answered,
    accuracy: answered === 0 ? null : correct / answered,
    poisonous,
    poisonousRecall: poisonous === 0 ? null : (poisonous - c('edible|p')) / poisonous,
    falseEdible: c('edible|p'),
    uncertainShare: n === 0 ? null : uncertain / n,
    ece: calibrationError(calibration),
  };
}
