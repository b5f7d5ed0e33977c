/**
 * Silences with Alertmanager's semantics: a silence mutes every alert whose labels satisfy all its
 * matchers while `startsAt <= now < endsAt`. Matchers use Alertmanager's syntax — `name=value`,
 * `name!=value`, `name=~regex`, `name!~regex`, the value optionally in double quotes — and regexes are
 * anchored at both ends; a label the alert lacks counts as the empty string.
 */
import { SporeprintError } from '../../../core/index.js';
import type { AlertLabels, SilenceMatcher, SilenceRecord } from '../../../storage/index.js';

/** A silence's status at an instant. */
export type SilenceStatus = 'pending' | 'active' | 'expired';

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;
const MAX_VALUE = 1024;

function bad(text: string, problem: string): SporeprintError {
  return new SporeprintError(
    'SP_ERR_BAD_PARAM',
    `Matcher "${text.slice(0, 80)}" is invalid: ${problem} (expected label=value, label!=value, label=~regex or label!~regex, e.g. alertname=dataset_drift)`,
  );
}

function regexOf(m: SilenceMatcher): RegExp {
  return new RegExp(`^(?:${m.value})$`, 'u');
}

/** Parses one matcher. `SP_ERR_BAD_PARAM` naming it: bad syntax, label name or regex. */
export function parseMatcher(text: string): SilenceMatcher {
  if (typeof text !== 'string') throw bad(String(text), 'not text');
  const m = MATCHER.exec(text);
  if (m === null) throw bad(text, 'no label name followed by =, !=, =~ or !~');
  let value = m[3];
  if (value.startsWith('"')) {
    if (value.length < 2 || !value.endsWith('"')) throw bad(text, 'unterminated quoted value');
    try {
      value = JSON.parse(value) as string;
    } catch {
      throw bad(text, 'bad escape in the quoted value');
    }
  }
  if (value.length > MAX_VALUE) throw bad(text, `value longer than ${MAX_VALUE} characters`);
  const matcher = { name: m[1], value, isRegex: m[2].includes('~'), isEqual: !m[2].startsWith('!') };
  if (matcher.isRegex) {
    try {
      regexOf(matcher);
    } catch (e) {
      throw bad(text, `bad regular expression: ${(e as Error).message}`);
    }
  }
  return matcher;
}

/** The matcher as Alertmanager prints it (`alertname="dataset_drift"`). */
export function formatMatcher(m: SilenceMatcher): string {
  return `${m.name}${m.isEqual ? '' : '!'}${m.isRegex ? '=~' : '='}${JSON.stringify(m.value)}`;
}

/** True when `labels` satisfy the matcher. */
export function matches(m: SilenceMatcher, labels: AlertLabels): boolean {
  const value = labels[m.name] ?? '';
  const hit = m.isRegex ? regexOf(m).test(value) : value === m.value;
  return hit === m.isEqual;
}

/**
 * Checks a silence's matchers as Alertmanager does: at least one, and not all of them matching the
 * empty string (a silence of every alert is refused).
 */
export function checkMatchers(matchers: readonly SilenceMatcher[]): void {
  if (matchers.length === 0) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      'A silence needs at least one matcher, e.g. alertname=dataset_drift',
    );
  }
  if (matchers.every((m) => matches(m, {}))) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `A silence needs at least one matcher that does not match the empty string: ${matchers.map(formatMatcher).join(', ')} would silence every alert`,
    );
  }
}

/** A silence's status at `now`: pending before `startsAt`, expired from `endsAt`. */
export function silenceStatus(s: SilenceRecord, now: Date): SilenceStatus {
  const t = now.getTime();
  if (t >= s.endsAt.getTime()) return 'expired';
  return t < s.startsAt.getTime() ? 'pending' : 'active';
}

/** Ids of the silences active at `now` that mute an alert with `labels`. */
export function silencedBy(silences: readonly SilenceRecord[], labels: AlertLabels, now: Date): string[] {
  return silences
    .filter((s) => silenceStatus(s, now) === 'active' && s.matchers.every((m) => matches(m, labels)))
    .map((s) => s.id);
}
