import { describe, expect, it } from 'vitest';
import type { SilenceRecord } from '../../../../storage/index.js';
import { formatDuration, parseDuration } from '../duration.js';
import {
  checkMatchers,
  formatMatcher,
  matches,
  parseMatcher,
  silencedBy,
  silenceStatus,
} from '../silence-matchers.js';

const labels = { alertname: 'dataset_drift', severity: 'warning', model: 'sporeprint-secondary' };

describe('silence matchers (Alertmanager syntax)', () => {
  it('parses the four operators, quoted values, and matches anchored regexes', () => {
    expect(parseMatcher('alertname=dataset_drift')).toEqual({
      name: 'alertname',
      value: 'dataset_drift',
      isRegex: false,
      isEqual: true,
    });
    expect(parseMatcher('severity != "critical"')).toEqual({
      name: 'severity',
      value: 'critical',
      isRegex: false,
      isEqual: false,
    });
    expect(matches(parseMatcher('alertname=~"dataset_.*"'), labels)).toBe(true);
    expect(matches(parseMatcher('alertname=~drift'), labels)).toBe(false); // anchored
    expect(matches(parseMatcher('model!~".*-classic"'), labels)).toBe(true);
    expect(matches(parseMatcher('team='), labels)).toBe(true); // absent label = empty string
    expect(formatMatcher(parseMatcher('alertname=~a|b'))).toBe('alertname=~"a|b"');
  });

  it('refuses unknown syntax, bad label names and bad regexes, naming the matcher', () => {
    for (const [text, problem] of [
      ['alertname', /no label name followed by/],
      ['alertname:dataset_drift', /no label name followed by/],
      ['1abel=x', /no label name/],
      ['alertname=~"(unclosed"', /bad regular expression/],
      ['alertname="open', /unterminated quoted value/],
    ] as const) {
      expect(() => parseMatcher(text)).toThrow(problem);
      expect(() => parseMatcher(text)).toThrow(`Matcher "${text}" is invalid`);
    }
  });

  it('refuses a silence without matchers or one that would match every alert', () => {
    expect(() => checkMatchers([])).toThrow(/at least one matcher/);
    expect(() => checkMatchers([parseMatcher('alertname=~".*"')])).toThrow(/would silence every alert/);
    expect(() => checkMatchers([parseMatcher('team=')])).toThrow(/empty string/);
    expect(() => checkMatchers([parseMatcher('team='), parseMatcher('alertname=x')])).not.toThrow();
  });

  it('a silence is pending before its start, active until its end, then expired', () => {
    const s: SilenceRecord = {
      id: 'x',
      matchers: [parseMatcher('alertname=dataset_drift')],
      startsAt: new Date(1000),
      endsAt: new Date(2000),
      createdBy: 'a',
      comment: 'c',
      createdAt: new Date(0),
      updatedAt: new Date(0),
    };
    expect([999, 1000, 1999, 2000].map((t) => silenceStatus(s, new Date(t)))).toEqual([
      'pending',
      'active',
      'active',
      'expired',
    ]);
    expect(silencedBy([s], labels, new Date(1500))).toEqual(['x']);
    expect(silencedBy([s], labels, new Date(2000))).toEqual([]);
    expect(silencedBy([s], { ...labels, alertname: 'other' }, new Date(1500))).toEqual([]);
  });
});

describe('durations (Prometheus syntax)', () => {
  it('parses and prints; refuses negatives, fractions and disorder', () => {
    expect(parseDuration('1h30m', 'd')).toBe(5_400_000);
    expect(parseDuration('0', 'd')).toBe(0);
    expect(parseDuration('2d', 'd')).toBe(172_800_000);
    expect(parseDuration('250ms', 'd')).toBe(250);
    expect(formatDuration(5_400_000)).toBe('1h30m');
    for (const bad of ['', '-1h', '1.5h', '30m1h', 'h', '10 m', '1x']) {
      expect(() => parseDuration(bad, '--duration')).toThrow(/--duration ".*" is not a duration/);
    }
  });
});
