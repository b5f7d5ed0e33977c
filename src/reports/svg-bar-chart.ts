import { formatShare } from './format-figures.js';
import { escapeHtml, truncateLabel } from './html-escape.js';
import { legend, niceTicks, type PlotArea, px, svgOpen, xAxisLabel, yAxis } from './svg-parts.js';

/** One series of bars: a value per category (or per bin). */
export interface BarSeries {
  readonly name: string;
  readonly values: readonly number[];
  readonly color: string;
}

/** A grouped bar chart: one group per category, one bar per series in each group. */
export interface BarChartSpec {
  /** Unique in the document; used for the ids of the title and description. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  readonly xLabel: string;
  readonly yLabel: string;
  /** Tick and tooltip format of values (default: as a share, `12.3%`). */
  readonly format?: (v: number) => string;
}

const LABEL_CHARS = 18;

/**
 * Renders a grouped bar chart as an inline SVG string (no script, no external reference): axes with tick
 * labels and titles, a legend, a `<title>` on every bar with its exact value. Long category labels are
 * shortened (the bar's title keeps the whole name) and slanted when they would not fit side by side.
 */
export function svgBarChart(spec: BarChartSpec): string {
  const format = spec.format ?? ((v: number) => formatShare(v));
  const n = spec.categories.length;
  const barWidth = 14;
  const groupWidth = Math.max(spec.series.length * barWidth + 10, 28);
  const slanted = spec.categories.some((c) => Array.from(c).length > 3);
  const labelSpace = slanted ? 90 : 28;
  const plotWidth = Math.max(260, n * groupWidth);
  const key = legend(
    spec.series.map((s) => ({ name: s.name, color: s.color, shape: 'box' as const })),
    58,
    Math.max(plotWidth, 260),
  );
  const area: PlotArea = { left: 58, top: key.height + 8, width: plotWidth, height: 170 };
  const width = area.left + area.width + 16;
  const height = area.top + area.height + labelSpace + 22;
  const max = Math.max(0, ...spec.series.flatMap((s) => s.values.filter(Number.isFinite)));
  const ticks = niceTicks(0, max > 0 ? max : 1, 4, true);
  const top = ticks[ticks.length - 1];
  const scale = (v: number): number => area.top + area.height - (Math.max(0, v) / top) * area.height;
  const step = area.width / Math.max(1, n);
  const parts: string[] = [
    svgOpen(spec.id, width, height, spec.title, spec.description),
    yAxis(area, ticks, scale, format, spec.yLabel),
  ];
  spec.categories.forEach((category, i) => {
    const x0 = area.left + i * step + (step - spec.series.length * barWidth) / 2;
    spec.series.forEach((s, j) => {
      const v = Number.isFinite(s.values[i]) ? s.values[i] : 0;
      const y = scale(v);
      parts.push(
        `<rect class="bar" x="${px(x0 + j * barWidth)}" y="${px(y)}" width="${barWidth - 1}" ` +
          `height="${px(area.top + area.height - y)}" fill="${s.color}">` +
          `<title>${escapeHtml(`${s.name} · ${category}: ${format(v)}`)}</title></rect>`,
      );
    });
    const cx = area.left + i * step + step / 2;
    const ly = area.top + area.height + 14;
    const label = escapeHtml(truncateLabel(category, LABEL_CHARS));
    parts.push(
      slanted
        ? `<text class="tick" x="${px(cx)}" y="${px(ly)}" text-anchor="end" ` +
            `transform="rotate(-40 ${px(cx)} ${px(ly)})">${label}</text>`
        : `<text class="tick" x="${px(cx)}" y="${px(ly)}" text-anchor="middle">${label}</text>`,
    );
  });
  parts.push(xAxisLabel(area, height - 6, spec.xLabel), key.svg, '</svg>');
  return parts.join('');
}
