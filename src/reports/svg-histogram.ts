import { formatNumber, formatShare } from './format-figures.js';
import { escapeHtml } from './html-escape.js';
import type { BarSeries } from './svg-bar-chart.js';
import { svgBarChart } from './svg-bar-chart.js';
import { legend, niceTicks, type PlotArea, px, svgOpen, xAxisLabel, yAxis } from './svg-parts.js';

/** A histogram of one or more series over the same bins. */
export interface HistogramSpec {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Increasing bin edges, one more than the values of each series. */
  readonly edges: readonly number[];
  /** Share per bin, per series. */
  readonly series: readonly BarSeries[];
  readonly xLabel: string;
  readonly yLabel: string;
}

/**
 * Renders a histogram as an inline SVG string: bins placed on a numeric x axis by their edges (unequal
 * bins keep their widths), the series side by side inside each bin. A zero-width range (a constant
 * feature, edges `[c, c]`) is drawn as one bar per series labelled with the value.
 */
export function svgHistogram(spec: HistogramSpec): string {
  const { edges } = spec;
  const lo = edges[0];
  const hi = edges[edges.length - 1];
  if (!(hi > lo)) {
    return svgBarChart({
      ...spec,
      categories: [formatNumber(lo)],
      series: spec.series.map((s) => ({ ...s, values: [s.values.reduce((a, b) => a + b, 0)] })),
    });
  }
  const plotWidth = 420;
  const key = legend(
    spec.series.map((s) => ({ name: s.name, color: s.color, shape: 'box' as const })),
    58,
    Math.max(plotWidth, 260),
  );
  const area: PlotArea = { left: 58, top: key.height + 8, width: plotWidth, height: 170 };
  const width = area.left + area.width + 24;
  const height = area.top + area.height + 50;
  const max = Math.max(0, ...spec.series.flatMap((s) => s.values.filter(Number.isFinite)));
  const yTicks = niceTicks(0, max > 0 ? max : 1, 4, true);
  const top = yTicks[yTicks.length - 1];
  const y = (v: number): number => area.top + area.height - (Math.max(0, v) / top) * area.height;
  const x = (v: number): number => area.left + ((v - lo) / (hi - lo)) * area.width;
  const parts: string[] = [
    svgOpen(spec.id, width, height, spec.title, spec.description),
    yAxis(area, yTicks, y, (v) => formatShare(v), spec.yLabel),
  ];
  const k = Math.max(1, spec.series.length);
  for (let b = 0; b + 1 < edges.length; b++) {
    const x0 = x(edges[b]);
    const w = Math.max(0, x(edges[b + 1]) - x0 - 1) / k;
    spec.series.forEach((s, j) => {
      const v = Number.isFinite(s.values[b]) ? s.values[b] : 0;
      const range = `${formatNumber(edges[b])} – ${formatNumber(edges[b + 1])}`;
      parts.push(
        `<rect class="bar" x="${px(x0 + j * w)}" y="${px(y(v))}" width="${px(Math.max(w, 0.5))}" ` +
          `height="${px(area.top + area.height - y(v))}" fill="${s.color}">` +
          `<title>${escapeHtml(`${s.name} · ${range}: ${formatShare(v)}`)}</title></rect>`,
      );
    });
  }
  for (const t of niceTicks(lo, hi, 6)) {
    parts.push(
      `<text class="tick" x="${px(x(t))}" y="${px(area.top + area.height + 16)}" text-anchor="middle">` +
        `${escapeHtml(formatNumber(t))}</text>`,
    );
  }
  parts.push(xAxisLabel(area, height - 8, spec.xLabel), key.svg, '</svg>');
  return parts.join('');
}
