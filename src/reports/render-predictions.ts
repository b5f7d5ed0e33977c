import { formatCount, formatNumber, formatShare } from './format-figures.js';
import { escapeHtml as e } from './html-escape.js';
import type { PredictionDriftSection, PredictionShares } from './monitoring-report-types.js';
import { svgBarChart } from './svg-bar-chart.js';
import { COLORS } from './svg-parts.js';

const CLASSES: readonly { key: keyof PredictionShares; name: string; long: string }[] = [
  { key: 'edible', name: 'edible', long: 'edible' },
  { key: 'poisonous', name: 'poisonous', long: 'poisonous' },
  { key: 'uncertain', name: 'uncertain', long: 'uncertain' },
  { key: 'novelty', name: 'unknown species', long: 'unknown species (novelty, any class)' },
];

function signedPoints(delta: number): string {
  if (!Number.isFinite(delta)) return '—';
  const points = (delta * 100).toFixed(1);
  return delta > 0 ? `+${points} pt` : `${points.replace('-', '−')} pt`;
}

/**
 * Prediction drift: the shares of edible, poisonous, uncertain and novelty answers in the window against
 * the reference split's, as grouped bars and a table with the change in percentage points.
 */
export function renderPredictionDrift(
  section: PredictionDriftSection | null,
  windowRows: number,
  id: string,
): string {
  if (windowRows === 0)
    return '<p class="note empty">No prediction drift computed: the window has no rows.</p>';
  if (section === null) return '<p class="note empty">Prediction drift was not computed.</p>';
  const chart = svgBarChart({
    id,
    title: 'Predicted classes: reference vs current share',
    description:
      'Grouped bars of the share of edible, poisonous and uncertain answers and of answers flagged as ' +
      `an unknown species (novelty), on the ${section.referenceSplit} split and in the current window.`,
    categories: CLASSES.map((c) => c.name),
    series: [
      {
        name: `reference (${section.referenceSplit} split)`,
        values: CLASSES.map((c) => section.reference[c.key]),
        color: COLORS.reference,
      },
      { name: 'current', values: CLASSES.map((c) => section.current[c.key]), color: COLORS.current },
    ],
    xLabel: 'predicted class',
    yLabel: 'share of predictions',
  });
  const rows = CLASSES.map(
    (c) =>
      `<tr><th scope="row">${e(c.long)}</th><td class="num">${e(formatShare(section.reference[c.key]))}</td>` +
      `<td class="num">${e(formatShare(section.current[c.key]))}</td>` +
      `<td class="num">${e(signedPoints(section.current[c.key] - section.reference[c.key]))}</td></tr>`,
  ).join('');
  const t = section.drift;
  const test =
    t === undefined
      ? ''
      : `<p class="note">${e(t.test)}: ${e(formatNumber(t.score))}, drift at ${e(formatNumber(t.threshold))} — ` +
        `${t.drifted ? '<strong>drifted</strong>' : 'no drift'}.</p>`;
  return (
    `<figure class="predictions">${chart}<figcaption>Reference: ${e(formatCount(section.referenceRows))} rows of ` +
    `the ${e(section.referenceSplit)} split.${test}</figcaption></figure>` +
    '<table class="prediction-shares"><thead><tr><th scope="col">Class</th><th scope="col">Reference</th>' +
    `<th scope="col">Current</th><th scope="col">Change</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}
