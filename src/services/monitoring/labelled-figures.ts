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
}

export function labelledFigures(cells: Readonly<Record<string, number>>): LabelledFigures {
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
  };
}
