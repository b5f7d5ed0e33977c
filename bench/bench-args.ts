/** Command-line options of the benchmarks. */

/** The value of `--name N` among `args` as a positive whole number, or `fallback` when absent. */
export function argNumber(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`${name} needs a positive whole number`);
  return v;
}
