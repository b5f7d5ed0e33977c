/** Small text helpers for human CLI output. */

/** 61069 → "61,069". */
export function int(n: number): string {
  return n.toLocaleString('en-US');
}

/** 0.0123 → "1.23%". */
export function pct(x: number, digits = 2): string {
  return `${(100 * x).toFixed(digits)}%`;
}

/** Renders rows as an aligned text table; the first row is the header. Numbers align right. */
export function table(rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? int(c) : c)));
  const widths: number[] = [];
  for (const r of cells) {
    for (let j = 0; j < r.length; j++) widths[j] = Math.max(widths[j] ?? 0, r[j].length);
  }
  return cells
    .map((r, i) =>
      r
        .map((c, j) => (typeof rows[i][j] === 'number' ? c.padStart(widths[j]) : c.padEnd(widths[j])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Serialises a value as pretty JSON, turning typed arrays into plain arrays. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(
    value,
    (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v),
    2,
  )}\n`;
}
