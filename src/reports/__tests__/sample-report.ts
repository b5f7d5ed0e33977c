/**
 * A realistic monitoring report for the secondary mushroom dataset (numeric cap-diameter, stem-height,
 * stem-width; categorical cap-shape, cap-color, …): what the monitoring service fills in, for the tests.
 */
import type {
  ArmSection,
  CategoricalDistribution,
  FeatureDriftRow,
  MonitoringReport,
  NumericDistribution,
  PerformanceBucket,
} from '../index.js';

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
  labels: Record<string, string>,
  missing?: [number, number],
): CategoricalDistribution {
  return {
    kind: 'categorical',
    feature,
    reference,
    current,
    labels,
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
      { b: 'bell', c: 'conical', x: 'convex', f: 'flat', s: 'sunken', p: 'spherical', o: 'others' },
    ),
    categorical(
      'cap-color',
      { n: 0.4, y: 0.14, w: 0.13, g: 0.07, e: 0.07, o: 0.06, r: 0.03, u: 0.03, p: 0.03, k: 0.02, b: 0.02 },
      { n: 0.3, y: 0.2, w: 0.12, g: 0.08, e: 0.1, o: 0.08, r: 0.04, u: 0.02, p: 0.03, k: 0.03 },
      {
        n: 'brown',
        b: 'buff',
        g: 'gray',
        r: 'green',
        p: 'pink',
        u: 'purple',
        e: 'red',
        w: 'white',
        y: 'yellow',
        l: 'blue',
        o: 'orange',
        k: 'black',
      },
    ),
    categorical(
      'does-bruise-or-bleed',
      { f: 0.83, t: 0.17 },
      { f: 0.8, t: 0.2 },
      { t: 'bruises-or-bleeding', f: 'no' },
    ),
    numeric('stem-height', 'cm', 30, 5.9, 6.1),
    numeric('stem-width', 'mm', 60, 9.6, 10.2),
    categorical(
      'ring-type',
      { f: 0.79, e: 0.04, z: 0.035, l: 0.025, r: 0.025, p: 0.02, g: 0.02, m: 0.035 },
      { f: 0.78, e: 0.05, z: 0.03, l: 0.03, r: 0.02, p: 0.02, g: 0.02, m: 0.05 },
      {
        c: 'cobwebby',
        e: 'evanescent',
        r: 'flaring',
        g: 'grooved',
        l: 'large',
        p: 'pendant',
        f: 'none',
        z: 'zone',
        m: 'movable',
      },
      [0.04, 0.05],
    ),
    categorical(
      'habitat',
      { d: 0.72, g: 0.13, l: 0.06, m: 0.05, h: 0.03, p: 0.01 },
      { d: 0.6, g: 0.15, l: 0.08, m: 0.07, h: 0.05, p: 0.01, w: 0.04 },
      {
        g: 'grasses',
        l: 'leaves',
        m: 'meadows',
        p: 'paths',
        h: 'heaths',
        u: 'urban',
        w: 'waste',
        d: 'woods',
      },
    ),
    categorical(
      'season',
      { a: 0.49, u: 0.38, w: 0.09, s: 0.04 },
      { a: 0.62, u: 0.3, w: 0.05, s: 0.03 },
      { s: 'spring', u: 'summer', a: 'autumn', w: 'winter' },
    ),
  ];
}

type FeatureDistribution = CategoricalDistribution | NumericDistribution;

const SCORES: Record<string, number> = {
  'cap-diameter': 0.214,
  'cap-shape': 0.041,
  'cap-color': 0.118,
  'does-bruise-or-bleed': 0.027,
  'stem-height': 0.032,
  'stem-width': 0.061,
  'ring-type': 0.038,
  habitat: 0.131,
  season: 0.102,
};

/** Drift rows as featureDrift() gives them for a reference of 42,748 rows (distances, threshold 0.1). */
export function sampleDriftRows(
  distributions: readonly FeatureDistribution[],
  currentRows: number,
): FeatureDriftRow[] {
  return distributions.map((d) => {
    const score = SCORES[d.feature] ?? 0.05;
    const test = d.kind === 'numeric' ? ('wasserstein' as const) : ('jensenshannon' as const);
    return {
      feature: d.feature,
      kind: d.kind,
      test,
      statistic: score,
      pValue: null,
      score,
      threshold: 0.1,
      drifted: score >= 0.1,
      effectSize: { measure: test === 'wasserstein' ? 'wasserstein_normed' : 'jensenshannon', value: score },
      referenceRows: 42_748,
      currentRows,
    };
  });
}

/** 24 hourly buckets from 2024-09-01T00:00Z: labels for the first 16 hours, estimates for all. */
export function sampleBuckets(hours = 24, labelledHours = 16): PerformanceBucket[] {
  return Array.from({ length: hours }, (_, h) => {
    const from = new Date(Date.UTC(2024, 8, 1, h)).toISOString();
    const to = new Date(Date.UTC(2024, 8, 1, h + 1)).toISOString();
    const drop = h >= 12 ? (h - 11) * 0.004 : 0;
    return {
      from,
      to,
      rows: 500,
      labelled:
        h < labelledHours
          ? { n: 120, accuracy: 0.985 - drop, poisonousRecall: 0.992 - drop, falseEdible: h === 14 ? 1 : 0 }
          : null,
      estimated: {
        accuracy: 0.981 - drop * 0.9,
        poisonousRecall: 0.989 - drop * 0.9,
        falseEdible: 0.4 + drop * 50,
      },
    };
  });
}

function arm(name: string, version: number, rows: number): ArmSection {
  return {
    experiment: 'gbt-vs-logistic',
    arm: name,
    modelVersion: version,
    rows,
    summary: {
      verdict: 'ok',
      reasons: [{ kind: 'other', severity: 'ok', message: `Arm ${name} within bounds.` }],
    },
    dataDrift: null,
    predictionDrift: {
      reference: { edible: 0.43, poisonous: 0.53, uncertain: 0.04, novelty: 0.01 },
      current: { edible: 0.41, poisonous: 0.54, uncertain: 0.05, novelty: 0.02 },
      referenceRows: 9_160,
      referenceSplit: 'test',
    },
    performance: null,
  };
}

/** A full report: 12,000 predictions in 24 hours, drift on cap-diameter and habitat, one false edible. */
export function sampleReport(): MonitoringReport {
  const distributions = sampleDistributions();
  const rows = 12_000;
  const features = sampleDriftRows(distributions, rows);
  const drifted = features.filter((f) => f.drifted).length;
  return {
    formatVersion: 1,
    generatedAt: '2024-09-02T00:05:00.000Z',
    model: {
      name: 'mushroom-gbt',
      versions: [
        { version: 7, stage: 'Production', rows: 10_800 },
        { version: 8, stage: 'challenger', rows: 1_200 },
      ],
    },
    window: { from: '2024-09-01T00:00:00.000Z', to: '2024-09-02T00:00:00.000Z', rows, labelledRows: 1_920 },
    reference: {
      rows: 42_748,
      split: 'train',
      datasetVersion: 'secondary@3',
      builtAt: '2024-08-20T10:00:00.000Z',
    },
    summary: {
      verdict: 'alert',
      reasons: [
        {
          kind: 'dataset-drift',
          severity: 'warning',
          message: `${drifted} of ${features.length} features drifted.`,
        },
        { kind: 'novelty', severity: 'warning', message: 'Novelty share rose from 1.0% to 3.1%.' },
        {
          kind: 'false-edible',
          severity: 'alert',
          message: '1 poisonous mushroom answered edible (labelled).',
        },
        {
          kind: 'poisonous-recall',
          severity: 'warning',
          message: 'Estimated poisonous recall fell to 94.4%.',
        },
      ],
    },
    dataDrift: {
      features,
      dataset: {
        features: features.length,
        driftedFeatures: drifted,
        share: drifted / features.length,
        threshold: 0.5,
        drifted: drifted / features.length >= 0.5,
      },
    },
    distributions,
    predictionDrift: {
      reference: { edible: 0.433, poisonous: 0.527, uncertain: 0.04, novelty: 0.01 },
      current: { edible: 0.401, poisonous: 0.541, uncertain: 0.058, novelty: 0.031 },
      referenceRows: 9_160,
      referenceSplit: 'test',
      drift: { test: 'jensenshannon', score: 0.037, threshold: 0.1, drifted: false },
    },
    performance: {
      buckets: sampleBuckets(),
      overall: {
        labelled: { n: 1_920, accuracy: 0.979, poisonousRecall: 0.986, falseEdible: 1 },
        estimated: { accuracy: 0.972, poisonousRecall: 0.978, falseEdible: 14.2 },
      },
      reference: { accuracy: 0.987, poisonousRecall: 0.994 },
      calibration: { ece: 0.012, calibrated: true },
    },
    arms: [arm('control', 7, 10_800), arm('challenger', 8, 1_200)],
    alerts: [
      {
        name: 'DatasetDrift',
        severity: 'warning',
        state: 'pending',
        since: '2024-09-01T20:00:00.000Z',
        summary: 'Drift share 33% (threshold 50%).',
      },
      {
        name: 'FalseEdibleInLabelledTraffic',
        severity: 'critical',
        state: 'firing',
        since: '2024-09-01T15:10:00.000Z',
        summary: '1 false edible in the last hour.',
      },
      {
        name: 'NoveltyShareRise',
        severity: 'warning',
        state: 'resolved',
        since: '2024-09-01T09:00:00.000Z',
        summary: 'Back under 5%.',
        silenced: true,
      },
    ],
  };
}
