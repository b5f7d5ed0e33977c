import { MISSING_CATEGORY } from '../stats/index.js';
import type { CategoricalDistribution } from './monitoring-report-types.js';

/** What the chart of a categorical feature draws, and what the text under it says. */
export interface CategoryChartData {
  /** Display names of the bars, the last one `other (N categories)` when categories were folded. */
  readonly categories: readonly string[];
  readonly reference: readonly number[];
  readonly current: readonly number[];
  /** Categories on either side. */
  readonly total: number;
  /** Categories drawn as their own bar. */
  readonly shown: number;
  /** Display names of categories present on one side only (share > 0 there, 0 or absent on the other). */
  readonly onlyReference: readonly string[];
  readonly onlyCurrent: readonly string[];
}

/** Display name of a category code: its label with the code, `(missing)`, `(empty)`, or the code. */
export function categoryName(code: string, labels?: Readonly<Record<string, string>>): string {
  if (code === MISSING_CATEGORY) return '(missing)';
  if (code === '') return '(empty)';
  const label = labels !== undefined && Object.hasOwn(labels, code) ? labels[code] : undefined;
  return label === undefined || label === code ? code : `${label} (${code})`;
}

function share(record: Readonly<Record<string, number>>, key: string): number {
  const v = Object.hasOwn(record, key) ? record[key] : 0;
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/**
 * The union of both sides' categories, largest first (by the larger of the two shares, then by name);
 * beyond `k` categories the rest are summed into one `other` bar.
 */
export function topCategories(dist: CategoricalDistribution, k: number): CategoryChartData {
  const keys = [...new Set([...Object.keys(dist.reference), ...Object.keys(dist.current)])];
  const rows = keys.map((key) => ({
    key,
    name: categoryName(key, dist.labels),
    reference: share(dist.reference, key),
    current: share(dist.current, key),
  }));
  rows.sort(
    (a, b) =>
      Math.max(b.reference, b.current) - Math.max(a.reference, a.current) ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const limit = Math.max(1, Math.floor(k));
  const shown = rows.length > limit ? rows.slice(0, limit) : rows;
  const rest = rows.slice(shown.length);
  const categories = shown.map((r) => r.name);
  const reference = shown.map((r) => r.reference);
  const current = shown.map((r) => r.current);
  if (rest.length > 0) {
    categories.push(`other (${rest.length} categories)`);
    reference.push(rest.reduce((sum, r) => sum + r.reference, 0));
    current.push(rest.reduce((sum, r) => sum + r.current, 0));
  }
  return {
    categories,
    reference,
    current,
    total: rows.length,
    shown: shown.length,
    onlyReference: rows.filter((r) => r.reference > 0 && r.current === 0).map((r) => r.name),
    onlyCurrent: rows.filter((r) => r.current > 0 && r.reference === 0).map((r) => r.name),
  };
}
