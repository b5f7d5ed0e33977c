/** How numbers and times are shown: fixed digits, thousands separators, UTC times. */

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A count: 12,345 ("–" when missing). */
export const count = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : int.format(x);

/** A share as a percentage: 99.87 % ("–" when missing). */
export const pct = (x: number | null | undefined, digits = 2): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)} %`;

/** A figure with `digits` decimals ("–" when missing). */
export const fixed = (x: number | null | undefined, digits = 4): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);

/** A signed difference: +0.0123 / −0.0040. */
export const signed = (x: number | null | undefined, digits = 4): string =>
  x === null || x === undefined || !Number.isFinite(x)
    ? '–'
    : `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(digits)}`;

/** A p-value: 0.0312, or < 0.0001. */
export const pValue = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x < 1e-4 ? '< 0.0001' : x.toFixed(4);

/** A UTC time: 2026-03-01 12:34:56. */
export const time = (iso: string | null | undefined): string =>
  iso === null || iso === undefined ? '–' : iso.replace('T', ' ').slice(0, 19);

/** A short UTC time of day: 12:34. */
export const clock = (iso: string): string => iso.slice(11, 16);
