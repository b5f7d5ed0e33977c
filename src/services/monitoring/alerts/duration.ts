import { SporeprintError } from '../../../core/index.js';

/**
 * Prometheus duration syntax (`model.ParseDuration`): units from largest to smallest, each at most
 * once — `y` (365 days), `w`, `d`, `h`, `m`, `s`, `ms` — e.g. `1h30m`, `10m`, `4h`, or `0`.
 */
export const DURATION_PATTERN = '^(0|(\\d+y)?(\\d+w)?(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?(\\d+ms)?)$';

const DURATION = new RegExp(DURATION_PATTERN);
const UNIT_MS: Readonly<Record<string, number>> = {
  y: 365 * 86_400_000,
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

/** True when `text` is a Prometheus duration. */
export function isDuration(text: string): boolean {
  return typeof text === 'string' && text !== '' && DURATION.test(text);
}

/**
 * Milliseconds of a Prometheus duration. `SP_ERR_BAD_PARAM` naming `what` for anything else
 * (negative, empty, `1.5h`, units out of order).
 *
 * @example parseDuration('1h30m', 'for') // 5_400_000
 */
export function parseDuration(text: string, what: string): number {
  if (!isDuration(text)) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `${what} "${String(text).slice(0, 40)}" is not a duration: expected e.g. 90s, 10m, 1h30m, 2d or 0 (units y w d h m s ms, largest first, whole numbers)`,
    );
  }
  let ms = 0;
  for (const m of text.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  if (!Number.isSafeInteger(ms)) {
    throw new SporeprintError('SP_ERR_BAD_PARAM', `${what} "${text}" is too long`);
  }
  return ms;
}

/** A duration in the largest whole units (`5400000` → `1h30m`, `0` → `0s`), as Prometheus prints. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
