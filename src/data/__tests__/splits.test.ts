import { describe, expect, it } from 'vitest';
import { groupKFold, groupSplit, largestRemainder, stratifiedKFold, stratifiedSplit } from '../splits.js';

const R = { train: 0.7, validation: 0.15, test: 0.15 };

function labels(pos: number, neg: number): Uint8Array {
  const y = new Uint8Array(pos + neg);
  y.fill(1, 0, pos);
  return y;
}

function counts(split: Uint8Array, y: Uint8Array): number[][] {
  const c = [
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let i = 0; i < y.length; i++) c[y[i]][split[i]]++;
  return c;
}

describe('largestRemainder', () => {
  it('sums exactly and gives leftovers to the largest remainders', () => {
    expect(largestRemainder(27181, [0.7, 0.15, 0.15])).toEqual([19027, 4077, 4077]);
    expect(largestRemainder(33888, [0.7, 0.15, 0.15])).toEqual([23722, 5083, 5083]);
    expect(largestRemainder(10, [0.7, 0.15, 0.15])).toEqual([7, 2, 1]);
  });
});

describe('stratifiedSplit', () => {
  it('gives exact per-class proportions', () => {
    const y = labels(33888, 27181);
    const s = stratifiedSplit(y, R, 42);
    expect(counts(s, y)).toEqual([
      [19027, 4077, 4077],
      [23722, 5083, 5083],
    ]);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const y = labels(500, 700);
    expect(stratifiedSplit(y, R, 7)).toEqual(stratifiedSplit(y, R, 7));
    const a = stratifiedSplit(y, R, 7);
    const b = stratifiedSplit(y, R, 8);
    let diff = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
    expect(diff).toBeGreaterThan(100);
  });

  it('refuses bad ratios', () => {
    expect(() => stratifiedSplit(labels(5, 5), { train: 0.7, validation: 0.2, test: 0.2 }, 1)).toThrow(
      /sum to 1/,
    );
    expect(() => stratifiedSplit(labels(5, 5), { train: 1.2, validation: -0.2, test: 0 }, 1)).toThrow(
      /non-negative/,
    );
  });
});

describe('groupSplit', () => {
  // 173 species × 353 rows, 96 poisonous species, as the secondary data
  const groups = new Int32Array(173 * 353);
  const y = new Uint8Array(173 * 353);
  for (let i = 0; i < groups.length; i++) {
    groups[i] = Math.floor(i / 353);
    y[i] = groups[i] % 9 < 5 ? 1 : 0;
  }

  it('never puts a group in two splits, and each split gets both classes', () => {
    const s = groupSplit(y, groups, R, 3);
    const splitOf = new Map<number, number>();
    for (let i = 0; i < s.length; i++) {
      const prev = splitOf.get(groups[i]);
      if (prev !== undefined) expect(s[i]).toBe(prev);
      splitOf.set(groups[i], s[i]);
    }
    const c = counts(s, y);
    for (const cls of [0, 1]) for (const sp of [0, 1, 2]) expect(c[cls][sp]).toBeGreaterThan(0);
  });

  it('splits groups of each class by largest remainder', () => {
    const s = groupSplit(y, groups, R, 3);
    const perClass = [
      [0, 0, 0],
      [0, 0, 0],
    ];
    for (let g = 0; g < 173; g++) perClass[y[g * 353]][s[g * 353]]++;
    const nPos = perClass[1].reduce((a, b) => a + b);
    const nNeg = perClass[0].reduce((a, b) => a + b);
    expect(perClass[1]).toEqual(largestRemainder(nPos, [0.7, 0.15, 0.15]));
    expect(perClass[0]).toEqual(largestRemainder(nNeg, [0.7, 0.15, 0.15]));
  });

  it('is deterministic per seed and seed-dependent', () => {
    expect(groupSplit(y, groups, R, 5)).toEqual(groupSplit(y, groups, R, 5));
    expect(groupSplit(y, groups, R, 5)).not.toEqual(groupSplit(y, groups, R, 6));
  });

  it('gives each non-empty split a group of each class when there are few groups', () => {
    const g = new Int32Array([0, 0, 1, 1, 2, 2, 3, 4, 5]);
    const yy = new Uint8Array([1, 1, 1, 1, 1, 1, 0, 0, 0]);
    const s = groupSplit(yy, g, R, 1);
    const c = counts(s, yy);
    for (const cls of [0, 1]) for (const sp of [0, 1, 2]) expect(c[cls][sp]).toBeGreaterThan(0);
  });
});

describe('k-fold', () => {
  it('stratifiedKFold balances each class across folds', () => {
    const y = labels(103, 57);
    const f = stratifiedKFold(y, 5, 11);
    const per = [new Array(5).fill(0), new Array(5).fill(0)];
    for (let i = 0; i < y.length; i++) per[y[i]][f[i]]++;
    for (const cls of per) expect(Math.max(...cls) - Math.min(...cls)).toBeLessThanOrEqual(1);
    const sizes = per[0].map((n, k) => n + per[1][k]);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(stratifiedKFold(y, 5, 11)).toEqual(f);
    expect(stratifiedKFold(y, 5, 12)).not.toEqual(f);
    expect(() => stratifiedKFold(y, 1, 1)).toThrow(/k must be/);
  });

  it('groupKFold assigns largest groups first to the lightest fold (as sklearn GroupKFold)', () => {
    // sizes: g10 → 5, g20 → 4, g30 → 3, g40 → 2, g50 → 1
    const groups = new Int32Array([10, 10, 10, 10, 10, 20, 20, 20, 20, 30, 30, 30, 40, 40, 50]);
    const f = groupKFold(groups, 2);
    const foldOf = (g: number) => f[groups.indexOf(g)];
    // 5 → fold 0; 4 → fold 1; 3 → fold 1 (4 < 5); 2 → fold 0 (5 < 7); 1 → fold 0 (7 = 7 → lowest)
    expect([10, 20, 30, 40, 50].map(foldOf)).toEqual([0, 1, 1, 0, 0]);
    for (let i = 0; i < groups.length; i++) expect(f[i]).toBe(foldOf(groups[i]));
    expect(() => groupKFold(groups, 6)).toThrow(/more than the 5/);
  });
});
