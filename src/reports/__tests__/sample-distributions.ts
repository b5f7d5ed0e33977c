/** Reference vs current distributions of secondary-dataset features, for the sample report. */
import { SECONDARY_SCHEMA } from '../../data/index.js';
import type { CategoricalDistribution, FeatureDistribution, NumericDistribution } from '../index.js';

/** The meanings of a secondary-dataset feature's codes, from its schema (e.g. `x: 'convex'`). */
function labelsOf(feature: string): Record<string, string> {
  const spec = SECONDARY_SCHEMA.features.find((f) => f.name === feature);
  if (spec?.codes === undefined) throw new Error(`no nominal feature ${feature} in the secondary schema`);
  return { ...spec.codes };
}

/** Shares of a log-normal density at the bin mid-points, normalised to 1. */
export function logNormalShares(edges: readonly number[], median: number, sigma: number): number[] {
  const raw = edges.slice(1).map((hi, i) => {
    const mid = (edges[i] + hi) / 2;
    const z = (Math.log(Math.max(mid, 1e-9)) - Math.log(median)) / sigma;
    return Math.exp(-0.5 * z * z) / Math.max(mid, 1e-9);
  });
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((v) => v / total);
}

function edgesOf(lo: number, hi: number, bins: number): number[] {
  return Array.from({ length: bins + 1 }, (_, i) => Number((lo + ((hi - lo) * i) / bins).toFixed(6)));
}

function numeric(
  feature: string,
  unit: string,
  hi: number,
  refMedian: number,
  curMedian: number,
): NumericDistribution {
  const edges = edgesOf(0, hi, 15);
  return {
    kind: 'numeric',
    feature,
    unit,
    edges,
    reference: logNormalShares(edges, refMedian, 0.5),
    current: logNormalShares(edges, curMedian, 0.5),
    referenceMissing: 0,
    currentMissing: 0,
  };
}

function categorical(
  feature: string,
  reference: Record<string, number>,
  current: Record<string, number>,
  missing?: [number, number],
): CategoricalDistribution {
  return {
    kind: 'categorical',
    feature,
    reference,
    current,
    labels: labelsOf(feature),
    ...(missing ? { referenceMissing: missing[0], currentMissing: missing[1] } : {}),
  };
}

/** The features of the sample, reference vs current. */
export function sampleDistributions(): FeatureDistribution[] {
  return [
    numeric('cap-diameter', 'cm', 30, 5.8, 7.9),
    categorical(
      'cap-shape',
      { x: 0.44, f: 0.22, s: 0.12, b: 0.09, o: 0.06, p: 0.04, c: 0.03 },
      { x: 0.41, f: 0.25, s: 0.1, b: 0.1, o: 0.07, p: 0.04, c: 0.03 },
    ),
    categorical(
      'cap-color',
      { n: 0.4, y: 0.14, w: 0.13, g: 0.07, e: 0.07, o: 0.06, r: 0.03, u: 0.03, p: 0.03, k: 0.02, b: 0.02 },
      { n: 0.3, y: 0.2, w: 0.12, g: 0.08, e: 0.1, o: 0.08, r: 0.04, u: 0.02, p: 0.03, k: 0.03 },
    ),
    categorical('does-bruise-or-bleed', { f: 0.83, t: 0.17 }, { f: 0.8, t: 0.2 }),
    numeric('stem-height', 'cm', 30, 5.9, 6.1),
    numeric('stem-width', 'mm', 60, 9.6, 10.2),
    categorical(
      'ring-type',
      { f: 0.79, e: 0.04, z: 0.035, l: 0.025, r: 0.025, p: 0.02, g: 0.02, m: 0.035 },
      { f: 0.78, e: 0.05, z: 0.03, l: 0.03, r: 0.02, p: 0.02, g: 0.02, m: 0.05 },
      [0.04, 0.05],
    ),
    categorical(
      'habitat',
      { d: 0.72, g: 0.13, l: 0.06, m: 0.05, h: 0.03, p: 0.01 },
      { d: 0.6, g: 0.15, l: 0.08, m: 0.07, h: 0.05, p: 0.01, w: 0.04 },
    ),
    categorical('season', { a: 0.49, u: 0.38, w: 0.09, s: 0.04 }, { a: 0.62, u: 0.3, w: 0.05, s: 0.03 }),
  ];
}
