import { formatCount, formatNumber, formatShare } from './format-figures.js';
import { escapeHtml as e } from './html-escape.js';
import type {
  EstimatedPerformance,
  LabelledPerformance,
  PerformanceSection,
} from './monitoring-report-types.js';
import { type LineSeries, svgLineChart } from './svg-line-chart.js';
import { COLORS } from './svg-parts.js';

function overallTable(section: PerformanceSection): string {
  const l: LabelledPerformance | null = section.overall.labelled;
  const m: EstimatedPerformance | null = section.overall.estimated;
  const falseEdible = l === null ? '—' : formatCount(l.falseEdible);
  const labelled =
    l === null
      ? '<tr><th scope="row">Labelled</th><td colspan="4">no labels yet</td></tr>'
      : `<tr class="${l.falseEdible > 0 ? 'drifted' : ''}"><th scope="row">Labelled</th>` +
        `<td class="num">${e(formatCount(l.n))}</td><td class="num">${e(formatShare(l.accuracy))}</td>` +
        `<td class="num">${e(formatShare(l.poisonousRecall))}</td><td class="num">${e(falseEdible)}</td></tr>`;
  const estimated =
    m === null
      ? '<tr><th scope="row">Estimated</th><td colspan="4">not estimated</td></tr>'
      : '<tr><th scope="row">Estimated (CBPE)</th><td class="num">—</td>' +
        `<td class="num">${e(formatShare(m.accuracy))}</td><td class="num">${e(formatShare(m.poisonousRecall))}</td>` +
        `<td class="num">${e(m.falseEdible === undefined ? '—' : `≈ ${formatNumber(m.falseEdible)}`)}</td></tr>`;
  const c = section.calibration;
  const calibration =
    c === undefined
      ? ''
      : `<p class="note">Estimate from ${c.calibrated ? 'calibrated' : 'raw (calibration did not lower the error)'} ` +
        `probabilities; expected calibration error ${e(formatNumber(c.ece))}.</p>`;
  return (
    '<table class="performance-overall"><thead><tr><th scope="col">Whole window</th><th scope="col">Labelled rows</th>' +
    '<th scope="col">Accuracy</th><th scope="col">Poisonous recall</th><th scope="col">False edible</th></tr></thead>' +
    `<tbody>${labelled}${estimated}</tbody></table>${calibration}`
  );
}

function bucketTable(section: PerformanceSection): string {
  const rows = section.buckets.map((b) => {
    const l = b.labelled;
    const m = b.estimated;
    return (
      `<tr class="${l !== null && l.falseEdible > 0 ? 'drifted' : ''}"><td>${e(b.from)}</td><td>${e(b.to)}</td>` +
      `<td class="num">${e(formatCount(b.rows))}</td><td class="num">${e(l === null ? '0' : formatCount(l.n))}</td>` +
      `<td class="num">${e(formatShare(l?.accuracy))}</td><td class="num">${e(formatShare(l?.poisonousRecall))}</td>` +
      `<td class="num">${e(l === null ? '—' : formatCount(l.falseEdible))}</td>` +
      `<td class="num">${e(formatShare(m?.accuracy))}</td><td class="num">${e(formatShare(m?.poisonousRecall))}</td></tr>`
    );
  });
  return (
    `<details><summary>Per bucket (${section.buckets.length})</summary><table class="performance-buckets"><thead><tr>` +
    '<th scope="col">From</th><th scope="col">To</th><th scope="col">Rows</th><th scope="col">Labelled</th>' +
    '<th scope="col">Accuracy</th><th scope="col">Poisonous recall</th><th scope="col">False edible</th>' +
    '<th scope="col">Est. accuracy</th><th scope="col">Est. poisonous recall</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table></details>`
  );
}

function chart(section: PerformanceSection, id: string): string {
  const b = section.buckets;
  const candidates: LineSeries[] = [
    {
      name: 'accuracy (labelled)',
      values: b.map((x) => x.labelled?.accuracy ?? null),
      color: COLORS.accuracy,
      dashed: false,
    },
    {
      name: 'accuracy (estimated)',
      values: b.map((x) => x.estimated?.accuracy ?? null),
      color: COLORS.accuracy,
      dashed: true,
    },
    {
      name: 'poisonous recall (labelled)',
      values: b.map((x) => x.labelled?.poisonousRecall ?? null),
      color: COLORS.recall,
      dashed: false,
    },
    {
      name: 'poisonous recall (estimated)',
      values: b.map((x) => x.estimated?.poisonousRecall ?? null),
      color: COLORS.recall,
      dashed: true,
    },
  ];
  const series = candidates.filter((s) => s.values.some((v) => v !== null));
  const ref = section.reference;
  return svgLineChart({
    id,
    title: 'Performance over time: labelled (solid) and estimated (dashed)',
    description:
      'Accuracy and poisonous recall per time bucket; solid lines are measured on labelled rows, dashed ' +
      'lines are estimated from calibrated probabilities where labels have not arrived.',
    x: b.map((x) => Date.parse(x.from)),
    series,
    xLabel: 'bucket start (UTC)',
    yLabel: 'share',
    referenceLines:
      ref === undefined
        ? []
        : [
            { name: 'test-split accuracy', value: ref.accuracy, color: COLORS.accuracy },
            { name: 'test-split poisonous recall', value: ref.poisonousRecall, color: COLORS.recall },
          ],
  });
}

/**
 * Performance: the whole window's labelled and estimated figures, a line chart over time (labelled
 * solid, estimated dashed), the per-bucket table; notes instead of a chart when there is nothing to draw.
 */
export function renderPerformance(
  section: PerformanceSection | null,
  windowRows: number,
  id: string,
): string {
  if (windowRows === 0) return '<p class="note empty">No performance to show: the window has no rows.</p>';
  if (section === null) return '<p class="note empty">Performance was not computed.</p>';
  const anyLabel = section.buckets.some((x) => x.labelled !== null && x.labelled.n > 0);
  const anyEstimate = section.buckets.some((x) => x.estimated !== null);
  const notes: string[] = [];
  if (!anyLabel) {
    notes.push(
      anyEstimate
        ? '<p class="note no-labels">No labels have arrived yet: every line is estimated (dashed).</p>'
        : '<p class="note no-labels">No labels have arrived yet and no estimate was made.</p>',
    );
  }
  const plot =
    section.buckets.length > 0 && (anyLabel || anyEstimate)
      ? `<figure class="performance">${chart(section, id)}</figure>`
      : '';
  return (
    overallTable(section) + notes.join('') + plot + (section.buckets.length > 0 ? bucketTable(section) : '')
  );
}
