/**
 * Deterministic, seeded dataset splits: stratified and grouped train/validation/test splits, and
 * stratified and grouped k-fold assignments.
 */
import { Rng, SporeprintError } from '../core/index.js';

/** Split code of a row: 0 = train, 1 = validation, 2 = test. */
export type SplitCode = 0 | 1 | 2;

/** The split names by code. */
export const SPLIT_NAMES = ['train', 'validation', 'test'] as const;

/** Shares of the three splits; they must be non-negative and sum to 1. */
export interface SplitRatios {
  readonly train: number;
  readonly validation: number;
  readonly test: number;
}

function checkRatios(r: SplitRatios): [number, number, number] {
  const parts: [number, number, number] = [r.train, r.validation, r.test];
  if (parts.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `split ratios must be non-negative numbers, got ${JSON.stringify(r)}`,
    );
  }
  const sum = parts[0] + parts[1] + parts[2];
  if (Math.abs(sum - 1) > 1e-6) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `split ratios must sum to 1, got ${sum} (${JSON.stringify(r)})`,
    );
  }
  return parts;
}

/**
 * Splits `n` items into counts proportional to `ratios` by the largest-remainder method (ties go to
 * the earlier split), so the counts sum to `n` exactly.
 */
export function largestRemainder(n: number, ratios: readonly number[]): number[] {
  const quotas = ratios.map((r) => n * r);
  const counts = quotas.map((q) => Math.floor(q + 1e-9));
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = quotas
    .map((_q, i) => i)
    .sort((a, b) => quotas[b] - counts[b] - (quotas[a] - counts[a]) || a - b);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) counts[order[k]]++;
  return counts;
}

/** Indices of each distinct label value, in row order. */
function indicesByClass(labels: Uint8Array): number[][] {
  const byClass: number[][] = [];
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    byClass[c] ??= [];
    byClass[c].push(i);
  }
  return byClass.filter((x) => x !== undefined);
}

/**
 * A seeded stratified train/validation/test split: within each class the rows are shuffled and cut
 * at exact largest-remainder counts, so every split has the class proportions of the whole.
 *
 * @example
 * const split = stratifiedSplit(labels, { train: 0.7, validation: 0.15, test: 0.15 }, 42);
 */
export function stratifiedSplit(labels: Uint8Array, ratios: SplitRatios, seed: number): Uint8Array {
  const r = checkRatios(ratios);
  const rng = new Rng(seed);
  const out = new Uint8Array(labels.length);
  for (const idx of indicesByClass(labels)) {
    rng.shuffle(idx);
    const counts = largestRemainder(idx.length, r);
    let k = 0;
    for (let s = 0; s < 3; s++) for (let c = 0; c < counts[s]; c++) out[idx[k++]] = s;
  }
  return out;
}

/** Dense group numbering: group id per row → 0..G-1 (in order of first appearance). */
function denseGroups(groups: Int32Array): { of: Int32Array; count: number; ids: number[] } {
  const map = new Map<number, number>();
  const of = new Int32Array(groups.length);
  const ids: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    let g = map.get(groups[i]);
    if (g === undefined) {
      g = ids.length;
      map.set(groups[i], g);
      ids.push(groups[i]);
    }
    of[i] = g;
  }
  return { of, count: ids.length, ids };
}

/**
 * A seeded grouped train/validation/test split: whole groups go to one split. Groups are stratified by
 * their class (the majority label of their rows, ties → 1) and cut at largest-remainder counts of
 * groups; when a class has at least as many groups as there are non-empty splits, each such split
 * gets at least one group of that class.
 */
export function groupSplit(
  labels: Uint8Array,
  groups: Int32Array,
  ratios: SplitRatios,
  seed: number,
): Uint8Array {
  if (labels.length !== groups.length) {
    throw new SporeprintError(
      'SP_ERR_BAD_DATA',
      `groupSplit: ${labels.length} labels but ${groups.length} group ids`,
    );
  }
  const r = checkRatios(ratios);
  const { of, count } = denseGroups(groups);
  const pos = new Int32Array(count);
  const size = new Int32Array(count);
  for (let i = 0; i < labels.length; i++) {
    size[of[i]]++;
    if (labels[i] === 1) pos[of[i]]++;
  }
  const byClass: number[][] = [[], []];
  for (let g = 0; g < count; g++) byClass[2 * pos[g] >= size[g] ? 1 : 0].push(g);
  const rng = new Rng(seed);
  const groupSplitOf = new Uint8Array(count);
  const wanted = r.filter((x) => x > 0).length;
  for (const gs of byClass) {
    if (gs.length === 0) continue;
    rng.shuffle(gs);
    const counts = largestRemainder(gs.length, r);
    if (gs.length >= wanted) {
      for (let s = 0; s < 3; s++) {
        if (r[s] > 0 && counts[s] === 0) {
          const donor = counts.indexOf(Math.max(...counts));
          counts[donor]--;
          counts[s]++;
        }
      }
    }
    let k = 0;
    for (let s = 0; s < 3; s++) for (let c = 0; c < counts[s]; c++) groupSplitOf[gs[k++]] = s;
  }
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = groupSplitOf[of[i]];
  return out;
}

function checkK(k: number, n: number, what: string): void {
  if (!Number.isInteger(k) || k < 2)
    throw new SporeprintError('SP_ERR_BAD_PARAM', `${what}: k must be an integer ≥ 2, got ${k}`);
  if (k > n)
    throw new SporeprintError('SP_ERR_BAD_PARAM', `${what}: k = ${k} is more than the ${n} items to split`);
}

/**
 * A seeded stratified k-fold assignment (like scikit-learn's `StratifiedKFold(shuffle=True)`): rows of
 * each class are shuffled and dealt round-robin to folds, continuing across classes, so every fold has
 * each class's count within one and fold sizes differ by at most one.
 *
 * @returns the fold id (0..k-1) of each row.
 */
export function stratifiedKFold(labels: Uint8Array, k: number, seed: number): Int32Array {
  checkK(k, labels.length, 'stratifiedKFold');
  const rng = new Rng(seed);
  const fold = new Int32Array(labels.length);
  let next = 0;
  for (const idx of indicesByClass(labels)) {
    rng.shuffle(idx);
    for (const i of idx) {
      fold[i] = next;
      next = next + 1 === k ? 0 : next + 1;
    }
  }
  return fold;
}

/**
 * A grouped k-fold assignment (scikit-learn's `GroupKFold`): groups sorted by size, largest first
 * (ties by ascending group id), each given to the currently lightest fold (ties → lowest fold id).
 * Deterministic; no seed.
 *
 * @returns the fold id (0..k-1) of each row.
 */
export function groupKFold(groups: Int32Array, k: number): Int32Array {
  const { of, count, ids } = denseGroups(groups);
  checkK(k, count, 'groupKFold (groups)');
  const size = new Int32Array(count);
  for (let i = 0; i < of.length; i++) size[of[i]]++;
  const order = Array.from({ length: count }, (_, g) => g).sort(
    (a, b) => size[b] - size[a] || ids[a] - ids[b],
  );
  const load = new Float64Array(k);
  const foldOf = new Int32Array(count);
  for (const g of order) {
    let best = 0;
    for (let f = 1; f < k; f++) if (load[f] < load[best]) best = f;
    foldOf[g] = best;
    load[best] += size[g];
  }
  const out = new Int32Array(of.length);
  for (let i = 0; i < of.length; i++) out[i] = foldOf[of[i]];
  return out;
}
