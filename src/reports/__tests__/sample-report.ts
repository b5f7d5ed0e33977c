/**
 * A realistic monitoring report for the secondary mushroom dataset (numeric cap-diameter, stem-height,
 * stem-width; categorical cap-shape, cap-color, …): what the monitoring service fills in, for the tests.
 */
import type {
  ArmSection,
  FeatureDistribution,
  FeatureDriftRow,
  MonitoringReport,
  PerformanceBucket,
} from '../index.js';
import { sampleDistributions } from './sample-distributions.js';

export { logNormalShares, sampleDistributions } from './sample-distributions.js';

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
