import { SporeprintError } from '../../core/index.js';
import { groupSplit, type SplitRatios, stratifiedSplit } from '../../data/index.js';
import { SPLIT_CODE, type SplitKind } from '../../storage/index.js';

/** Inputs of a split over all data rows of a source (invalid rows marked). */
export interface SplitInput {
  /** Per data row: 0 / 1 label, or 255 when the row is invalid (it joins no split). */
  readonly labels: Uint8Array;
  /** Per data row species index, or -1 when unknown (species split only). */
  readonly speciesOf?: (rowIndex: number) => number;
}

/**
 * Assigns every valid data row to train / validation / test and returns one byte per data row
 * ({@link SPLIT_CODE}; invalid rows get `none`).
 */
export function planSplit(input: SplitInput, kind: SplitKind, ratios: SplitRatios, seed: number): Uint8Array {
  const { labels } = input;
  const valid: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] !== SPLIT_CODE.none) valid.push(i);
  const y = new Uint8Array(valid.length);
  for (let k = 0; k < valid.length; k++) y[k] = labels[valid[k]];
  let codes: Uint8Array;
  if (kind === 'species') {
    const speciesOf = input.speciesOf;
    if (speciesOf === undefined) {
      throw new SporeprintError('SP_ERR_SPECIES_SPLIT', 'species split needs species labels');
    }
    const groups = new Int32Array(valid.length);
    for (let k = 0; k < valid.length; k++) groups[k] = speciesOf(valid[k]);
    codes = groupSplit(y, groups, ratios, seed);
  } else {
    codes = stratifiedSplit(y, ratios, seed);
  }
  const out = new Uint8Array(labels.length).fill(SPLIT_CODE.none);
  for (let k = 0; k < valid.length; k++) out[valid[k]] = codes[k];
  return out;
}
