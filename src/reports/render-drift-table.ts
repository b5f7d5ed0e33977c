import { isPValueTest } from '../stats/index.js';
import { formatCount, formatNumber, formatPValue, formatShare } from './format-figures.js';
import { escapeHtml as e } from './html-escape.js';
import type { DataDriftSection, FeatureDriftRow, ReferenceDescription } from './monitoring-report-types.js';

/** Evidently's display names of the tests. */
const TEST_NAMES: Readonly<Record<string, string>> = {
  ks: 'Kolmogorov–Smirnov (ks)',
  chisquare: 'chi-square (chisquare)',
  z: 'two-proportion Z (z)',
  jensenshannon: 'Jensen–Shannon distance (jensenshannon)',
  wasserstein: 'Wasserstein, normed (wasserstein)',
  psi: 'PSI (psi)',
  hellinger: 'Hellinger distance (hellinger)',
};

function scoreCell(row: FeatureDriftRow): string {
  return isPValueTest(row.test) ? `p = ${formatPValue(row.pValue ?? row.score)}` : formatNumber(row.score);
}

function thresholdCell(row: FeatureDriftRow): string {
  return isPValueTest(row.test) ? `p < ${formatNumber(row.threshold)}` : `≥ ${formatNumber(row.threshold)}`;
}

function rowHtml(row: FeatureDriftRow, chartIds: ReadonlyMap<string, string>): string {
  const chart = chartIds.get(row.feature);
  const effect = row.effectSize ? `${formatNumber(row.effectSize.value)} (${row.effectSize.measure})` : '—';
  return (
    `<tr class="${row.drifted ? 'drifted' : 'stable'}">` +
    `<th scope="row">${chart === undefined ? e(row.feature) : `<a href="#${chart}">${e(row.feature)}</a>`}</th>` +
    `<td>${e(row.kind)}</td><td>${e(TEST_NAMES[row.test] ?? row.test)}</td>` +
    `<td class="num">${e(formatNumber(row.statistic))}</td><td class="num">${e(scoreCell(row))}</td>` +
    `<td class="num">${e(thresholdCell(row))}</td><td class="num">${e(effect)}</td>` +
    `<td class="num">${e(formatCount(row.referenceRows))} / ${e(formatCount(row.currentRows))}</td>` +
    `<td>${row.drifted ? '<strong>drifted</strong>' : 'no'}</td></tr>`
  );
}

/** The reference the drift is measured against, in one sentence. */
export function referenceSentence(reference: ReferenceDescription): string {
  const version = reference.datasetVersion ? ` of ${e(reference.datasetVersion)}` : '';
  const built = reference.builtAt ? `, profile built ${e(reference.builtAt)}` : '';
  return (
    `<p class="note">Reference: the ${e(reference.split)} split${version}, ` +
    `${e(formatCount(reference.rows))} rows${built}.</p>`
  );
}

/**
 * The data drift table (one row per feature, drifted rows marked in words, not colour alone) and the
 * dataset verdict. `chartIds` (feature → element id) links each feature to its chart. Null (an empty
 * window) says so.
 */
export function renderDriftTable(
  section: DataDriftSection | null,
  windowRows: number,
  chartIds: ReadonlyMap<string, string>,
  caption: string,
): string {
  if (section === null || windowRows === 0 || section.features.length === 0) {
    const why =
      windowRows === 0
        ? 'the window has no rows'
        : section === null
          ? 'not computed'
          : 'no feature was tested';
    return `<p class="note empty">No data drift computed: ${why}.</p>`;
  }
  const d = section.dataset;
  const verdict = d.drifted ? '<strong>dataset drift</strong>' : 'no dataset drift';
  return (
    `<p class="dataset-drift">${e(formatCount(d.driftedFeatures))} of ${e(formatCount(d.features))} features drifted ` +
    `(${e(formatShare(d.share))}; dataset drift at ≥ ${e(formatShare(d.threshold))}): ${verdict}.</p>` +
    `<table class="drift-table"><caption>${e(caption)}</caption><thead><tr><th scope="col">Feature</th>` +
    '<th scope="col">Kind</th><th scope="col">Test</th><th scope="col">Statistic</th>' +
    '<th scope="col">p-value / distance</th><th scope="col">Drift when</th><th scope="col">Effect size</th>' +
    '<th scope="col">Rows (reference / current)</th><th scope="col">Drifted</th></tr></thead><tbody>' +
    section.features.map((row) => rowHtml(row, chartIds)).join('') +
    '</tbody></table>'
  );
}
