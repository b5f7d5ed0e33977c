/** Human CLI output of the monitoring commands. */
import type { DriftReport, MonitorCheckResult, PerformanceReport } from '../../services/index.js';
import { int, pct, table } from './format.js';

const num = (x: number | null, digits = 3): string => (x === null ? '—' : x.toFixed(digits));

function windowLine(r: { model: string; version: number; window: DriftReport['window'] }): string {
  return `${r.model} v${r.version}, window ${r.window.from ?? 'start'} → ${r.window.to}: ${int(r.window.rows)} predictions`;
}

export function renderDrift(r: DriftReport): string {
  const lines = [
    windowLine(r),
    `reference: ${int(r.reference.rows)} training rows of ${r.reference.datasetId}`,
  ];
  if (r.dataset === null) {
    lines.push('no drift tested: no predictions with these features in the window');
  } else {
    lines.push(
      `dataset drift: ${r.dataset.drifted ? 'YES' : 'no'} — ${r.dataset.driftedFeatures} of ${r.dataset.features} features drifted (${pct(r.dataset.share, 1)}, threshold ${pct(r.dataset.threshold, 0)})`,
      '',
      table([
        ['feature', 'test', 'score', 'threshold', 'drift', 'effect size', 'rows'],
        ...r.features.map((f) =>
          f.status === 'tested'
            ? [
                f.feature,
                f.test,
                num(f.score, 4),
                String(f.threshold),
                f.drifted ? 'DRIFT' : 'ok',
                `${f.effectSize.measure} ${num(f.effectSize.value)}`,
                f.currentRows,
              ]
            : [f.feature, '—', '—', '—', 'no data', f.reason, 0],
        ),
      ]),
    );
  }
  const p = r.prediction;
  lines.push(
    '',
    `answers (window vs test split): edible ${pct(p.current.edible, 1)} vs ${pct(p.reference.edible, 1)}, poisonous ${pct(p.current.poisonous, 1)} vs ${pct(p.reference.poisonous, 1)}, uncertain ${pct(p.current.uncertain, 1)} vs ${pct(p.reference.uncertain, 1)}, unknown species ${pct(p.current.novel, 1)} vs ${pct(p.reference.novel, 1)}` +
      (p.drift === null
        ? ''
        : ` — ${p.drift.drifted ? 'DRIFT' : 'no drift'} (${p.drift.test} ${num(p.drift.score, 4)})`),
  );
  return `${lines.join('\n')}\n`;
}

export function renderPerformance(r: PerformanceReport): string {
  const l = r.labelled;
  const ref = r.reference;
  return `${[
    windowLine(r),
    `labelled: ${int(l.n)} — false edible ${l.falseEdible}, poisonous recall ${num(l.poisonousRecall)} (test split ${num(ref.poisonousRecall)}), accuracy ${num(l.accuracy)} (test split ${num(ref.accuracy)}), calibration error ${num(l.ece)}`,
    r.estimated === null
      ? 'estimated: nothing to estimate'
      : `estimated (CBPE, ${r.calibration.calibrated ? 'calibrated' : 'raw'} probabilities, no labels needed): poisonous recall ${num(r.estimated.poisonousRecall)}, accuracy ${num(r.estimated.accuracy)}, expected false edible ${num(r.estimated.falseEdible, 1)}`,
    '',
    table([
      [
        'hour',
        'predictions',
        'labelled',
        'false edible',
        'poisonous recall',
        'accuracy',
        'est. recall',
        'est. accuracy',
      ],
      ...r.hours.map((h) => [
        h.hour,
        h.rows,
        h.labelled.n,
        h.labelled.falseEdible,
        num(h.labelled.poisonousRecall),
        num(h.labelled.accuracy),
        num(h.estimated?.poisonousRecall ?? null),
        num(h.estimated?.accuracy ?? null),
      ]),
    ]),
  ].join('\n')}\n`;
}

export function renderCheck(r: MonitorCheckResult): string {
  const samples = Object.entries(r.samples)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? num(v, 4) : 'no data'}`)
    .join(', ');
  const changes = r.alerts.transitions.map((t) => `${t.ruleName}: ${t.from} → ${t.to}`);
  return `${[
    windowLine(r.drift),
    `samples: ${samples}`,
    changes.length === 0 ? 'alerts: no change' : `alerts: ${changes.join('; ')}`,
  ].join('\n')}\n`;
}
