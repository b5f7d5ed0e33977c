/** Formatting of figures for the report: plain text (escape before putting it in HTML anyway). */

/** A share in [0, 1] as a percentage, e.g. `12.3%`; null/NaN as an em dash. */
export function formatShare(share: number | null | undefined, digits = 1): string {
  if (share === null || share === undefined || Number.isNaN(share)) return '—';
  return `${(share * 100).toFixed(digits)}%`;
}

/** A statistic or distance with 3 significant digits; ±∞ as `∞`, null/NaN as an em dash. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (x === Number.POSITIVE_INFINITY) return '∞';
  if (x === Number.NEGATIVE_INFINITY) return '−∞';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

/** A p-value: `< 0.0001` under it, else 4 decimals at most. */
export function formatPValue(p: number | null | undefined): string {
  if (p === null || p === undefined || Number.isNaN(p)) return '—';
  if (p < 1e-4) return '< 0.0001';
  return String(Number(p.toFixed(4)));
}

/** A count with thousands separators (fixed, so the output does not depend on the machine's locale). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const [int, frac] = String(Math.round(n * 1000) / 1000).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}
