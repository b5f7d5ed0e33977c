import type { BinaryMetrics } from '../../ml/index.js';
import type { TrainSummary } from '../../services/index.js';
import { int, pct, table } from './format.js';

const f4 = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : '-');

/** Columns of the guard tables (test split, and held-out rows of seen / unseen species). */
const GUARD_COLUMNS = [
  'model',
  'guard',
  'edible',
  'poisonous',
  'uncertain',
  'false-edible',
  'share of edible answers poisonous',
  'edible kept',
];

/** Human-readable text of a training summary: poisonous recall and false-edible first. */
export function renderTrainSummary(s: TrainSummary): string {
  const out: string[] = [
    `Trained ${s.models.length} model(s) on dataset ${s.datasetId} (${s.schema}; train ${int(s.rows.train)}, validation ${int(
      s.rows.validation,
    )}, test ${int(s.rows.test)})`,
    '',
    ...testMetrics(s),
    '',
    ...policies(s),
    ...crossValidations(s),
    ...guards(s),
    ...crossValidatedAnswers(s),
  ];
  for (const m of s.models) for (const w of m.warnings) out.push(`warning (${m.modelKind}): ${w}`);
  for (const n of s.notes) out.push(`\nNote: ${n}`);
  return `${out.join('\n')}\n`;
}

/** The test split's metrics per model. */
function testMetrics(s: TrainSummary): string[] {
  const out: string[] = [];
  out.push('Test split (poisonous = positive, threshold 0.5):');
  out.push(
    table([
      [
        'model',
        'run',
        'recall(p)',
        'false-edible',
        'accuracy',
        'precision',
        'F1',
        'ROC AUC',
        'PR AUC',
        'log loss',
        'Brier',
        'fit s',
      ],
      ...s.models.map((m) => {
        const t: BinaryMetrics = m.metrics.test;
        return [
          m.modelKind,
          m.runId,
          f4(t.recall),
          t.falseEdible,
          pct(t.accuracy, 3),
          f4(t.precision),
          f4(t.f1),
          f4(t.rocAuc),
          f4(t.prAuc),
          f4(t.logLoss),
          f4(t.brier),
          ((m.durations.fitMs ?? 0) / 1000).toFixed(2),
        ];
      }),
    ]),
  );
  return out;
}

/** Each model's decision policy and its answers on test. */
function policies(s: TrainSummary): string[] {
  const out: string[] = [];
  out.push('Decision policy (threshold chosen on validation for the target poisonous recall), on test:');
  out.push(
    table([
      [
        'model',
        'target recall',
        'edible if p <',
        'poisonous if p ≥',
        'edible',
        'poisonous',
        'uncertain',
        'false-edible',
      ],
      ...s.models.map((m) => {
        const p = m.metrics.policy;
        return [
          m.modelKind,
          String(p.targetRecall),
          p.edibleBelow.toPrecision(4),
          p.poisonousAtOrAbove.toPrecision(4),
          p.test.edible,
          p.test.poisonous,
          `${int(p.test.uncertain)} (${pct(p.test.uncertainShare)})`,
          p.test.falseEdible,
        ];
      }),
    ]),
  );
  return out;
}

/** The stratified and species-grouped CV results (when run). */
function crossValidations(s: TrainSummary): string[] {
  const out: string[] = [];
  for (const key of ['cv', 'groupCv'] as const) {
    const rows = s.models.filter((m) => m.metrics[key]);
    if (rows.length === 0) continue;
    const first = rows[0].metrics[key]!;
    out.push('');
    out.push(
      key === 'cv'
        ? `Stratified ${first.k}-fold CV (all rows):`
        : `Species-grouped ${first.k}-fold CV (test species never seen in training; always-poisonous baseline ${pct(
            first.baselineAccuracy,
          )}):`,
    );
    out.push(
      table([
        [
          'model',
          'accuracy mean',
          'std',
          'min',
          'recall(p) mean',
          'ROC AUC mean',
          'false-edible (sum)',
          ...(key === 'groupCv' ? ['poisonous species mostly called edible'] : []),
        ],
        ...rows.map((m) => {
          const c = m.metrics[key]!;
          return [
            m.modelKind,
            pct(c.accuracyMean, 3),
            f4(c.accuracyStd),
            pct(c.accuracyMin, 3),
            f4(c.recallMean),
            f4(c.rocAucMean),
            c.falseEdibleTotal,
            ...(key === 'groupCv' ? [`${c.poisonousSpeciesMostlyEdible} / ${c.poisonousSpecies}`] : []),
          ];
        }),
      ]),
    );
  }
  return out;
}

/** The unknown-species guard's effect on test (models that have one). */
function guards(s: TrainSummary): string[] {
  const out: string[] = [];
  const guarded = s.models.filter((m) => m.metrics.guard);
  if (guarded.length > 0) {
    out.push('');
    out.push(
      `Unknown-species guard (answers "uncertain" for a mushroom ${guarded[0].metrics.guard!.reason}), on test:`,
    );
    out.push(
      table([
        GUARD_COLUMNS,
        ...guarded.flatMap((m) => {
          const g = m.metrics.guard!;
          const row = (label: string, a: typeof g.test.withGuard) => [
            m.modelKind,
            label,
            pct(a.edibleShare),
            pct(a.poisonousShare),
            pct(a.uncertainShare),
            a.falseEdible,
            pct(a.falseEdibleShareOfEdible, 3),
            pct(a.edibleKeptShare),
          ];
          return [
            row('without', g.test.withoutGuard),
            row(`with (t=${g.threshold.toFixed(3)})`, g.test.withGuard),
          ];
        }),
      ]),
    );
  }
  return out;
}

/** Answers on held-out CV rows of seen and unseen species, with and without the guard. */
function crossValidatedAnswers(s: TrainSummary): string[] {
  const out: string[] = [];
  for (const key of ['cv', 'groupCv'] as const) {
    const rows = s.models.filter((m) => m.metrics[key]?.decisions);
    if (rows.length === 0) continue;
    out.push('');
    out.push(
      key === 'cv'
        ? 'Answers on held-out rows of SEEN species (stratified CV), with and without the guard:'
        : 'Answers on held-out rows of UNSEEN species (species-grouped CV), with and without the guard:',
    );
    out.push(
      table([
        GUARD_COLUMNS,
        ...rows.flatMap((m) => {
          const d = m.metrics[key]!.decisions!;
          const row = (label: string, a: typeof d.withGuard) => [
            m.modelKind,
            label,
            pct(a.edible / a.rows),
            pct(a.poisonous / a.rows),
            pct(a.uncertain / a.rows),
            a.falseEdible,
            pct(a.falseEdibleShareOfEdible, 3),
            pct(a.edibleKeptShare),
          ];
          return [row('without', d.withoutGuard), row('with', d.withGuard)];
        }),
      ]),
    );
  }
  return out;
}
