/**
 * A monitoring report (src/reports' `MonitoringReport`) from the drift and performance of a window:
 * the verdict with its reasons (safety first: false edibles and poisonous recall), the drift table,
 * each feature's distributions, prediction drift, performance per hour, the alerts.
 */
import type {
  EstimatedPerformance,
  FeatureDistribution,
  FeatureDriftRow,
  LabelledPerformance,
  MonitoringReport,
  ReportAlert,
  Verdict,
  VerdictReason,
} from '../../reports/index.js';
import type { LabelledFigures } from './labelled-figures.js';
import type { DriftReport, EstimatedFigures, PerformanceReport } from './monitoring-types.js';
import type { ReferenceProfile } from './reference-profile.js';
import { sampleOf, type WindowCounts } from './window-samples.js';

/** Poisonous recall this far under the test split's is an alert. */
const RECALL_DROP = 0.05;
/** Novelty share this far over the test split's is an alert (half of it a warning). */
const NOVELTY_RISE = 0.1;
/** Bins of a numeric feature's histogram. */
const BINS = 10;

function labelled(f: LabelledFigures): LabelledPerformance | null {
  return f.n === 0 || f.accuracy === null
    ? null
    : { n: f.n, accuracy: f.accuracy, poisonousRecall: f.poisonousRecall, falseEdible: f.falseEdible };
}

/** The report's shares: uncertain includes the unknown-species answers, which `novelty` counts again. */
function reportShares(s: Readonly<Record<'edible' | 'poisonous' | 'uncertain' | 'novel', number>>) {
  return { edible: s.edible, poisonous: s.poisonous, uncertain: s.uncertain + s.novel, novelty: s.novel };
}

function estimated(e: EstimatedFigures | null): EstimatedPerformance | null {
  return e === null || e.accuracy === null || e.poisonousRecall === null
    ? null
    : { accuracy: e.accuracy, poisonousRecall: e.poisonousRecall, falseEdible: e.falseEdible };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** The reasons of the verdict, safety first. */
export function verdictReasons(
  drift: DriftReport,
  perf: PerformanceReport,
  alerts: readonly ReportAlert[],
): VerdictReason[] {
  const reasons: VerdictReason[] = [];
  const l = perf.labelled;
  if (l.falseEdible > 0) {
    reasons.push({
      kind: 'false-edible',
      severity: 'alert',
      message: `${l.falseEdible} poisonous mushroom${l.falseEdible === 1 ? '' : 's'} called edible among ${l.n} labelled predictions`,
    });
  }
  const ref = perf.reference.poisonousRecall;
  if (l.poisonousRecall !== null && ref !== null && l.poisonousRecall < ref - RECALL_DROP) {
    reasons.push({
      kind: 'poisonous-recall',
      severity: 'alert',
      message: `Poisonous recall ${l.poisonousRecall.toFixed(3)} on ${l.poisonous} labelled poisonous, under the test split's ${ref.toFixed(3)}`,
    });
  }
  const est = perf.estimated?.poisonousRecall ?? null;
  if (est !== null && ref !== null && est < ref - RECALL_DROP) {
    reasons.push({
      kind: 'estimated-performance',
      severity: 'warning',
      message: `Estimated poisonous recall ${est.toFixed(3)} (no labels needed), under the test split's ${ref.toFixed(3)}`,
    });
  }
  if (drift.window.rows === 0) {
    reasons.push({ kind: 'no-data', severity: 'warning', message: 'No predictions in the window' });
  } else if (l.n === 0) {
    reasons.push({ kind: 'no-labels', severity: 'ok', message: 'No labels have arrived for the window yet' });
  }
  if (drift.dataset?.drifted) {
    reasons.push({
      kind: 'dataset-drift',
      severity: 'alert',
      message: `Dataset drift: ${drift.dataset.driftedFeatures} of ${drift.dataset.features} features drifted (${pct(drift.dataset.share)}, threshold ${pct(drift.dataset.threshold)})`,
    });
  } else if (drift.dataset !== null && drift.dataset.driftedFeatures > 0) {
    const names = drift.features.filter((f) => f.status === 'tested' && f.drifted).map((f) => f.feature);
    reasons.push({ kind: 'feature-drift', severity: 'warning', message: `Drift in ${names.join(', ')}` });
  }
  const rise = drift.prediction.noveltyRise;
  if (rise >= NOVELTY_RISE / 2) {
    reasons.push({
      kind: 'novelty',
      severity: rise >= NOVELTY_RISE ? 'alert' : 'warning',
      message: `Unknown-species answers ${pct(drift.prediction.current.novel)} of the window, against ${pct(drift.prediction.reference.novel)} on the test split`,
    });
  }
  if (drift.prediction.drift?.drifted) {
    reasons.push({
      kind: 'prediction-drift',
      severity: 'warning',
      message: 'The shares of the answers drifted from the test split',
    });
  }
  for (const a of alerts.filter((x) => x.state === 'firing' && !x.silenced)) {
    reasons.push({
      kind: 'alert',
      severity: a.severity === 'critical' ? 'alert' : 'warning',
      message: `Alert ${a.name} firing: ${a.summary}`,
    });
  }
  return reasons;
}

function worst(reasons: readonly VerdictReason[]): Verdict {
  if (reasons.some((r) => r.severity === 'alert')) return 'alert';
  return reasons.some((r) => r.severity === 'warning') ? 'warning' : 'ok';
}

function shares(counts: Readonly<Record<string, number>>): Record<string, number> {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, total === 0 ? 0 : n / total]));
}

/** Shares of `values` (weighted by `counts`) per bin of `edges`. */
function binShares(
  values: ArrayLike<number>,
  counts: ArrayLike<number> | undefined,
  edges: readonly number[],
): number[] {
  const out = new Array<number>(edges.length - 1).fill(0);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const w = counts === undefined ? 1 : counts[i];
    let b = edges.findIndex((e, j) => j > 0 && values[i] < e) - 1;
    if (b < 0) b = values[i] < edges[0] ? 0 : out.length - 1;
    out[b] += w;
    total += w;
  }
  return out.map((n) => (total === 0 ? 0 : n / total));
}

/** Reference vs current distribution of every profiled feature. */
export function distributions(
  profile: ReferenceProfile,
  counts: WindowCounts,
  rows: number,
): FeatureDistribution[] {
  return Object.entries(profile.features).map(([feature, ref]): FeatureDistribution => {
    const r = sampleOf(ref.kind, ref.counts);
    const c = sampleOf(ref.kind, counts.get(feature) ?? new Map(), rows);
    const missingShare = (missing: number | undefined, total: number) =>
      total === 0 ? 0 : (missing ?? 0) / total;
    if (r.kind === 'categorical' && c.kind === 'categorical') {
      return {
        kind: 'categorical',
        feature,
        reference: shares(r.counts),
        current: shares(c.counts),
        referenceMissing: missingShare(r.missing, profile.rows),
        currentMissing: missingShare(c.missing, rows),
      };
    }
    if (r.kind !== 'numeric' || c.kind !== 'numeric') throw new Error(`feature ${feature}: kinds differ`);
    const vals = Array.from(r.values);
    const lo = Math.min(...vals);
    const hi = Math.max(...vals);
    const edges =
      lo === hi ? [lo, hi] : Array.from({ length: BINS + 1 }, (_, i) => lo + ((hi - lo) * i) / BINS);
    return {
      kind: 'numeric',
      feature,
      edges,
      reference: binShares(r.values, r.counts, edges),
      current: binShares(c.values, c.counts, edges),
      referenceMissing: missingShare(r.missing, profile.rows),
      currentMissing: missingShare(c.missing, rows),
    };
  });
}

/** The whole report. */
export function buildMonitoringReport(input: {
  readonly drift: DriftReport;
  readonly performance: PerformanceReport;
  readonly profile: ReferenceProfile;
  readonly counts: WindowCounts;
  readonly alerts: readonly ReportAlert[];
  readonly generatedAt: Date;
  readonly description?: string;
}): MonitoringReport {
  const { drift, performance: perf, profile } = input;
  const reasons = verdictReasons(drift, perf, input.alerts);
  const tested: FeatureDriftRow[] = [];
  for (const f of drift.features) if (f.status === 'tested') tested.push(f);
  const ref = perf.reference;
  return {
    formatVersion: 1,
    generatedAt: input.generatedAt.toISOString(),
    model: { name: drift.model, versions: [{ version: drift.version, rows: drift.window.rows }] },
    window: {
      from: drift.window.from ?? perf.hours[0]?.hour ?? drift.window.to,
      to: drift.window.to,
      rows: drift.window.rows,
      labelledRows: perf.labelled.n,
      ...(input.description === undefined ? {} : { description: input.description }),
    },
    reference: { rows: profile.rows, split: 'train', datasetVersion: profile.datasetId },
    summary: { verdict: worst(reasons), reasons },
    dataDrift: drift.dataset === null ? null : { features: tested, dataset: drift.dataset },
    distributions: drift.window.rows === 0 ? [] : distributions(profile, input.counts, drift.window.rows),
    predictionDrift:
      drift.window.rows === 0
        ? null
        : {
            reference: reportShares(drift.prediction.reference),
            current: reportShares(drift.prediction.current),
            referenceRows: drift.prediction.referenceRows,
            referenceSplit: 'test',
            ...(drift.prediction.drift === null
              ? {}
              : {
                  drift: {
                    test: drift.prediction.drift.test,
                    score: drift.prediction.drift.score,
                    threshold: drift.prediction.drift.threshold,
                    drifted: drift.prediction.drift.drifted,
                  },
                }),
          },
    performance: {
      buckets: perf.hours.map((h) => ({
        from: h.hour,
        to: new Date(Date.parse(h.hour) + 3_600_000).toISOString(),
        rows: h.rows,
        labelled: labelled(h.labelled),
        estimated: estimated(h.estimated),
      })),
      overall: { labelled: labelled(perf.labelled), estimated: estimated(perf.estimated) },
      ...(perf.calibration.eceBefore === null
        ? {}
        : {
            calibration: {
              ece: perf.calibration.calibrated
                ? (perf.calibration.eceAfter ?? perf.calibration.eceBefore)
                : perf.calibration.eceBefore,
              calibrated: perf.calibration.calibrated,
            },
          }),
      ...(ref.accuracy === null || ref.poisonousRecall === null
        ? {}
        : { reference: { accuracy: ref.accuracy, poisonousRecall: ref.poisonousRecall } }),
    },
    alerts: input.alerts,
  };
}
