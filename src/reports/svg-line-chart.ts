import { formatShare } from './format-figures.js';
import { escapeHtml } from './html-escape.js';
import { legend, niceTicks, type PlotArea, px, svgOpen, xAxisLabel, yAxis } from './svg-parts.js';

/** One line: a value (or null: no point, the line breaks) per x position. */
export interface LineSeries {
  readonly name: string;
  readonly values: readonly (number | null)[];
  readonly color: string;
  /** Dashed lines mark estimated figures; solid ones measured figures. */
  readonly dashed: boolean;
}

/** A line chart over time. */
export interface LineChartSpec {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** x positions in milliseconds since the epoch, increasing. */
  readonly x: readonly number[];
  readonly series: readonly LineSeries[];
  readonly xLabel: string;
  readonly yLabel: string;
  /** Horizontal reference lines, e.g. the test split's accuracy. */
  readonly referenceLines?: readonly {
    readonly name: string;
    readonly value: number;
    readonly color: string;
  }[];
}

/** `2024-05-01 12:00` (UTC) from milliseconds since the epoch. */
export function formatTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '?';
}

/** Lower end of the y axis: a round value a little under the lowest figure, so small drops show. */
function yFloor(values: readonly number[]): number {
  const min = Math.min(1, ...values);
  return Math.max(0, Math.floor((min - 0.02) * 20) / 20);
}

/**
 * Renders a line chart of shares over time as an inline SVG string: a point marker at every value (so a
 * single bucket still shows), lines broken where a value is null, dashed series drawn with
 * `stroke-dasharray`, dotted reference lines, a legend that shows solid and dashed lines as drawn.
 */
export function svgLineChart(spec: LineChartSpec): string {
  const refs = spec.referenceLines ?? [];
  const key = legend(
    [
      ...spec.series.map((s) => ({
        name: s.name,
        color: s.color,
        shape: s.dashed ? ('dashed-line' as const) : ('line' as const),
      })),
      ...refs.map((r) => ({ name: r.name, color: r.color, shape: 'dotted-line' as const })),
    ],
    58,
    520,
  );
  const area: PlotArea = { left: 58, top: key.height + 12, width: 520, height: 200 };
  const width = area.left + area.width + 30;
  const height = area.top + area.height + 50;
  const finite = spec.series.flatMap((s) =>
    s.values.filter((v): v is number => v !== null && Number.isFinite(v)),
  );
  const lo = yFloor([...finite, ...refs.map((r) => r.value)]);
  const yTicks = niceTicks(lo, 1, 5, true);
  const y = (v: number): number => area.top + area.height - ((v - lo) / (1 - lo)) * area.height;
  const x0 = spec.x[0] ?? 0;
  const x1 = spec.x[spec.x.length - 1] ?? 0;
  const span = x1 > x0 ? x1 - x0 : 0;
  const x = (t: number): number =>
    span === 0 ? area.left + area.width / 2 : area.left + ((t - x0) / span) * area.width;
  const parts: string[] = [
    svgOpen(spec.id, width, height, spec.title, spec.description),
    yAxis(area, yTicks, y, (v) => formatShare(v, 0), spec.yLabel),
  ];
  for (const r of refs) {
    parts.push(
      `<line class="reference-line" x1="${px(area.left)}" x2="${px(area.left + area.width)}" ` +
        `y1="${px(y(r.value))}" y2="${px(y(r.value))}" stroke="${r.color}" stroke-dasharray="1 3">` +
        `<title>${escapeHtml(`${r.name}: ${formatShare(r.value)}`)}</title></line>`,
    );
  }
  for (const s of spec.series) {
    let d = '';
    let pen = false;
    const dots: string[] = [];
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${px(x(spec.x[i]))} ${px(y(v))}`;
      pen = true;
      dots.push(
        `<circle cx="${px(x(spec.x[i]))}" cy="${px(y(v))}" r="3" fill="${s.dashed ? '#ffffff' : s.color}" ` +
          `stroke="${s.color}"><title>${escapeHtml(`${s.name}, ${formatTime(spec.x[i])}: ${formatShare(v)}`)}` +
          '</title></circle>',
      );
    });
    const kind = s.dashed ? 'estimated' : 'labelled';
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<g class="series ${kind}">`,
      d === '' ? '' : `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"${dash}/>`,
      ...dots,
      '</g>',
    );
  }
  const labelled = span === 0 ? [x0] : [x0, x0 + span / 2, x1];
  labelled.forEach((t, i) => {
    const anchor = labelled.length === 1 ? 'middle' : ['start', 'middle', 'end'][i];
    parts.push(
      `<text class="tick" x="${px(x(t))}" y="${px(area.top + area.height + 16)}" text-anchor="${anchor}">` +
        `${escapeHtml(formatTime(t))}</text>`,
    );
  });
  parts.push(xAxisLabel(area, height - 8, spec.xLabel), key.svg, '</svg>');
  return parts.join('');
}
