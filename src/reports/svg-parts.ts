import { escapeHtml } from './html-escape.js';

/** Colours of the report, chosen to stay apart for the common colour-vision deficiencies. */
export const COLORS = Object.freeze({
  reference: '#5b7083',
  current: '#e07b1a',
  accuracy: '#1f5fa8',
  recall: '#b3261e',
  axis: '#444444',
  grid: '#e3e3e3',
});

/** A rectangle of plot area inside a chart. */
export interface PlotArea {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Rounds a number for SVG coordinates (short output, no `1e-7`). */
export function px(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/**
 * About `count` round tick values (1, 2 or 5 times a power of ten apart, the way d3's `ticks` chooses
 * them) inside [lo, hi]; with `cover`, the last tick is the first round value at or above `hi`, so an
 * axis drawn to it holds every value. A zero-width domain gives the one value.
 */
export function niceTicks(lo: number, hi: number, count = 5, cover = false): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const last = cover ? Math.ceil(hi / step - 1e-9) * step : hi;
  const out: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= last + step * 1e-9; i++) {
    out.push(Number((i * step).toPrecision(12)));
  }
  return out;
}

/** Opening tag, title and description of an accessible chart; close it with `</svg>`. */
export function svgOpen(
  id: string,
  width: number,
  height: number,
  title: string,
  description: string,
): string {
  return (
    `<svg class="chart" id="${id}" viewBox="0 0 ${px(width)} ${px(height)}" width="${px(width)}" ` +
    `height="${px(height)}" role="img" aria-labelledby="${id}-title ${id}-desc">` +
    `<title id="${id}-title">${escapeHtml(title)}</title>` +
    `<desc id="${id}-desc">${escapeHtml(description)}</desc>`
  );
}

/** A horizontal y axis with grid lines and tick labels, and the axis title rotated along it. */
export function yAxis(
  area: PlotArea,
  ticks: readonly number[],
  scale: (v: number) => number,
  format: (v: number) => string,
  label: string,
): string {
  const parts: string[] = [];
  for (const t of ticks) {
    const y = px(scale(t));
    parts.push(
      `<line class="grid" x1="${px(area.left)}" x2="${px(area.left + area.width)}" y1="${y}" y2="${y}" ` +
        `stroke="${COLORS.grid}"/>`,
      `<text class="tick" x="${px(area.left - 6)}" y="${y}" text-anchor="end" dominant-baseline="middle">` +
        `${escapeHtml(format(t))}</text>`,
    );
  }
  const cy = area.top + area.height / 2;
  parts.push(
    `<text class="axis-label" x="14" y="${px(cy)}" text-anchor="middle" transform="rotate(-90 14 ${px(cy)})">` +
      `${escapeHtml(label)}</text>`,
    `<line class="axis" x1="${px(area.left)}" x2="${px(area.left)}" y1="${px(area.top)}" ` +
      `y2="${px(area.top + area.height)}" stroke="${COLORS.axis}"/>`,
    `<line class="axis" x1="${px(area.left)}" x2="${px(area.left + area.width)}" ` +
      `y1="${px(area.top + area.height)}" y2="${px(area.top + area.height)}" stroke="${COLORS.axis}"/>`,
  );
  return parts.join('');
}

/** The x axis title, centred under the plot area at height `y`. */
export function xAxisLabel(area: PlotArea, y: number, label: string): string {
  return (
    `<text class="axis-label" x="${px(area.left + area.width / 2)}" y="${px(y)}" text-anchor="middle">` +
    `${escapeHtml(label)}</text>`
  );
}

/** One legend entry: a swatch (a filled box, or a line that may be dashed or dotted) and its name. */
export interface LegendEntry {
  readonly name: string;
  readonly color: string;
  readonly shape: 'box' | 'line' | 'dashed-line' | 'dotted-line';
}

/** A legend drawn at the top of a chart, and the height it takes. */
export interface Legend {
  readonly svg: string;
  readonly height: number;
}

const DASHES: Readonly<Record<LegendEntry['shape'], string>> = {
  box: '',
  line: '',
  'dashed-line': ' stroke-dasharray="6 4"',
  'dotted-line': ' stroke-dasharray="1 3"',
};

/**
 * A legend from (x, 16), wrapping into rows of 18 px when wider than `maxWidth` (about 7 px per
 * character of the names).
 */
export function legend(entries: readonly LegendEntry[], x: number, maxWidth: number): Legend {
  const parts: string[] = ['<g class="legend">'];
  let at = x;
  let y = 16;
  for (const e of entries) {
    const offset = e.shape === 'box' ? 17 : 27;
    const w = offset + Array.from(e.name).length * 7 + 16;
    if (at > x && at + w > x + maxWidth) {
      at = x;
      y += 18;
    }
    if (e.shape === 'box') {
      parts.push(`<rect x="${px(at)}" y="${px(y - 9)}" width="12" height="12" fill="${e.color}"/>`);
    } else {
      parts.push(
        `<line x1="${px(at)}" x2="${px(at + 22)}" y1="${px(y - 3)}" y2="${px(y - 3)}" stroke="${e.color}" ` +
          `stroke-width="2.5"${DASHES[e.shape]}/>`,
      );
    }
    parts.push(`<text x="${px(at + offset)}" y="${px(y)}">${escapeHtml(e.name)}</text>`);
    at += w;
  }
  parts.push('</g>');
  return { svg: parts.join(''), height: y + 8 };
}
