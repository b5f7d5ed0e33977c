import { describe, expect, it } from 'vitest';
import { type FeatureInfo, type Matrix, Rng } from '../../../core/index.js';
import { binMatrix } from '../binning.js';
import { histKernel } from '../hist-kernel.js';
import { jointLayout, marginalize } from '../joint-bins.js';

/** Categorical columns of a few codes (some missing) and two numeric columns. */
function data(rows: number, seed: number): { X: Matrix; features: FeatureInfo[] } {
  const rng = new Rng(seed);
  const levels = [2, 3, 5, 7, 4, 6];
  const cols = levels.length + 2;
  const X: Matrix = { data: new Float64Array(rows * cols), rows, cols };
  for (let i = 0; i < rows; i++) {
    levels.forEach((k, f) => {
      X.data[i * cols + f] = rng.next() < 0.1 ? Number.NaN : Math.floor(rng.next() * k);
    });
    X.data[i * cols + levels.length] = rng.next() * 10;
    X.data[i * cols + levels.length + 1] = rng.next() < 0.2 ? Number.NaN : Math.round(rng.next() * 50);
  }
  const features: FeatureInfo[] = [
    ...levels.map((k, f) => ({ name: `c${f}`, kind: 'categorical' as const, categories: k })),
    { name: 'x', kind: 'numeric' },
    { name: 'm', kind: 'numeric' },
  ];
  return { X, features };
}

describe('joint histogram units', () => {
  const { X, features } = data(3000, 5);
  const binned = binMatrix(X, features, 16);
  const rng = new Rng(9);
  const gh = new Float64Array(2 * X.rows).map((_, k) => (k % 2 === 0 ? rng.next() - 0.5 : rng.next() * 0.25));
  const rows = Uint32Array.from({ length: X.rows }, (_, i) => i);

  for (const limit of [8, 40, 512]) {
    it(`recovers every feature's histogram from the joint cells (limit ${limit})`, () => {
      const layout = jointLayout(binned, limit);
      expect(layout.units).toBeLessThanOrEqual(X.cols);
      const joint = new Float64Array(2 * layout.cells);
      histKernel(layout.units)(joint, rows, 0, X.rows, gh, layout.cellOf);
      const got = new Float64Array(2 * binned.totalBins);
      marginalize(layout, joint, got);
      // direct per-feature histogram
      const want = new Float64Array(2 * binned.totalBins);
      for (let f = 0; f < X.cols; f++) {
        for (let r = 0; r < X.rows; r++) {
          const b = binned.colBins[f * X.rows + r];
          want[2 * b] += gh[2 * r];
          want[2 * b + 1] += gh[2 * r + 1];
        }
      }
      for (let k = 0; k < want.length; k++) expect(Math.abs(got[k] - want[k])).toBeLessThan(1e-9);
    });
  }

  it('groups only while the distinct bin combinations stay within the limit', () => {
    const small = jointLayout(binned, 8);
    const large = jointLayout(binned, 512);
    expect(large.units).toBeLessThan(small.units);
    for (let k = 0; k < large.groups.length; k += 3) expect(large.groups[k + 1]).toBeLessThanOrEqual(512);
  });
});

describe('histKernel', () => {
  it('adds exactly what the plain loop adds, for generated and generic widths, and as the plain loop asked for', () => {
    const rng = new Rng(3);
    for (const units of [1, 3, 8, 70]) {
      const rowsN = 200;
      const cells = 50;
      const cellOf = new Uint16Array(rowsN * units).map(
        (_, k) => (k % units) * cells + Math.floor(rng.next() * cells),
      );
      const gh = new Float64Array(2 * rowsN).map(() => rng.next() - 0.3);
      const rows = Uint32Array.from({ length: rowsN }, (_, i) => (i * 7) % rowsN);
      const got = new Float64Array(2 * units * cells);
      histKernel(units)(got, rows, 10, 190, gh, cellOf);
      const want = new Float64Array(2 * units * cells);
      for (let k = 10; k < 190; k++) {
        const r = rows[k];
        for (let u = 0; u < units; u++) {
          const c = cellOf[r * units + u];
          want[2 * c] += gh[2 * r];
          want[2 * c + 1] += gh[2 * r + 1];
        }
      }
      expect(Array.from(got)).toEqual(Array.from(want));
      const plain = new Float64Array(2 * units * cells);
      histKernel(units, false)(plain, rows, 10, 190, gh, cellOf);
      expect(Array.from(plain)).toEqual(Array.from(want));
    }
  });
});
