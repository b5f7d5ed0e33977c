/** GrowthBook's thresholds for reading a Bayesian chance to win. */

/**
 * A chance to win above this is highlighted as winning. GrowthBook's Bayesian results page colours a
 * "Chance to Win" above 95 % green (docs.growthbook.io, "Bayesian statistics": chance to win thresholds
 * default to 95 % / 5 %).
 */
export const CHANCE_TO_WIN_WINNING = 0.95;

/** A chance to win below this is highlighted as losing (GrowthBook colours it red below 5 %). */
export const CHANCE_TO_WIN_LOSING = 0.05;

/** How a chance to win reads against {@link CHANCE_TO_WIN_WINNING} / {@link CHANCE_TO_WIN_LOSING}. */
export type ChanceHighlight = 'winning' | 'losing' | null;

/** 'winning' above 95 %, 'losing' below 5 %, otherwise null. */
export function highlightChance(chance: number): ChanceHighlight {
  if (chance > CHANCE_TO_WIN_WINNING) return 'winning';
  if (chance < CHANCE_TO_WIN_LOSING) return 'losing';
  return null;
}
