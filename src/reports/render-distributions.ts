import { formatNumber, formatShare } from './format-figures.js';
import { escapeHtml as e } from './html-escape.js';
import type {
  CategoricalDistribution,
  FeatureDistribution,
  FeatureDriftRow,
  NumericDistribution,
} from './monitoring-report-types.js';
import { svgBarChart } from './svg-bar-chart.js';
import { svgHistogram } from './svg-histogram.js';
import { COLORS } from './svg-parts.js';
import { topCategories } from './top-categories.js';

/** Names listed in a note before "and N more". */
const LISTED = 8;

function list(names: readonly string[]): string {
  const shown = names.slice(0, LISTED).map((n) => `“${n}”`);
  const more = names.length > LISTED ? ` and ${names.length - LISTED} more` : '';
  return `${shown.join(', ')}${more}`;
}

function missingNote(d: FeatureDistribution): string {
  const ref = d.referenceMissing ?? 0;
  const cur = d.currentMissing ?? 0;
  if (!(ref > 0 || cur > 0)) return '';
  return `<p class="note">Missing: ${e(formatShare(ref))} of reference rows, ${e(formatShare(cur))} of current rows (not in the chart).</p>`;
}

function driftNote(drift: FeatureDriftRow | undefined): string {
  if (drift === undefined) return '';
  const verdict = drift.drifted ? '<strong>drifted</strong>' : 'no drift';
  return `<p class="note">${e(drift.test)}: ${e(formatNumber(drift.score))} — ${verdict}.</p>`;
}

/** A chart and the notes printed under it. */
interface Drawn {
  readonly chart: string;
  readonly notes: string;
}

function categorical(d: CategoricalDistribution, id: string, k: number): Drawn {
  const data = topCategories(d, k);
  const chart = svgBarChart({
    id,
    title: `${d.feature}: reference vs current share per category`,
    description:
      `Grouped bars, one group per category (${data.shown} of ${data.total} shown), reference and ` +
      'current share of non-missing rows.',
    categories: data.categories,
    series: [
      { name: 'reference', values: data.reference, color: COLORS.reference },
      { name: 'current', values: data.current, color: COLORS.current },
    ],
    xLabel: `${d.feature} (category)`,
    yLabel: 'share of rows',
  });
  const notes: string[] = [];
  if (data.shown < data.total) {
    notes.push(
      `<p class="note top-k">Showing the top ${data.shown} of ${data.total} categories; the other ` +
        `${data.total - data.shown} are summed in the “other” bar.</p>`,
    );
  }
  if (data.onlyCurrent.length > 0) {
    notes.push(
      `<p class="note safety">Only in the current window (unseen in the reference): ${e(list(data.onlyCurrent))}.</p>`,
    );
  }
  if (data.onlyReference.length > 0) {
    notes.push(
      `<p class="note">Only in the reference (absent from the current window): ${e(list(data.onlyReference))}.</p>`,
    );
  }
  return { chart, notes: notes.join('') };
}

function numeric(d: NumericDistribution, id: string): Drawn {
  const unit = d.unit ? ` (${d.unit})` : '';
  const lo = d.edges[0];
  const hi = d.edges[d.edges.length - 1];
  const chart = svgHistogram({
    id,
    title: `${d.feature}: reference vs current histogram`,
    description:
      `Histogram over ${d.edges.length - 1} bins from ${formatNumber(lo)} to ${formatNumber(hi)}${unit}, ` +
      'reference and current share of non-missing rows per bin.',
    edges: d.edges,
    series: [
      { name: 'reference', values: d.reference, color: COLORS.reference },
      { name: 'current', values: d.current, color: COLORS.current },
    ],
    xLabel: `${d.feature}${unit}`,
    yLabel: 'share of rows',
  });
  const constant =
    hi > lo
      ? ''
      : `<p class="note constant">Constant feature: every non-missing value is ${e(formatNumber(lo))}${d.unit ? ` ${e(d.unit)}` : ''}.</p>`;
  return { chart, notes: constant };
}

function isEmpty(shares: readonly number[]): boolean {
  return !shares.some((v) => Number.isFinite(v) && v > 0);
}

/**
 * One figure per feature: grouped bars of category shares (top `k`, the rest as “other”) or a histogram,
 * reference against current, with notes on categories seen on one side only, missing values and the
 * feature's drift result. Figure ids are `${idPrefix}-${index}`.
 */
export function renderDistributions(
  distributions: readonly FeatureDistribution[],
  drift: readonly FeatureDriftRow[],
  windowRows: number,
  idPrefix: string,
  k: number,
): string {
  if (windowRows === 0)
    return '<p class="note empty">No distribution to compare: the window has no rows.</p>';
  if (distributions.length === 0) return '<p class="note empty">No feature distribution was supplied.</p>';
  const byFeature = new Map(drift.map((r) => [r.feature, r]));
  const figures = distributions.map((d, i) => {
    const id = `${idPrefix}-${i}`;
    const current = d.kind === 'categorical' ? Object.values(d.current) : d.current;
    const drawn: Drawn =
      isEmpty(current) && !isEmpty(d.kind === 'categorical' ? Object.values(d.reference) : d.reference)
        ? {
            chart: '',
            notes: `<p class="note empty">No non-missing value of ${e(d.feature)} in the current window.</p>`,
          }
        : d.kind === 'categorical'
          ? categorical(d, `${id}-chart`, k)
          : numeric(d, `${id}-chart`);
    return (
      `<figure class="feature" id="${id}" data-kind="${d.kind}">${drawn.chart}` +
      `<figcaption><strong>${e(d.feature)}</strong> (${e(d.kind)})${driftNote(byFeature.get(d.feature))}` +
      `${drawn.notes}${missingNote(d)}</figcaption></figure>`
    );
  });
  return `<div class="charts">${figures.join('')}</div>`;
}
