import { describe, expect, it } from 'vitest';
import type { AlertStateRecord } from '../../../../storage/index.js';
import { fingerprintOf } from '../alert-labels.js';
import { type AlertRule, compileRule } from '../alert-rule.js';
import { type AlertSamples, evaluateRules, RESOLVED_RETENTION_MS } from '../evaluate-rules.js';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

const rule = (overrides: Partial<AlertRule> = {}) =>
  compileRule({
    name: 'recall_drop',
    metric: 'recall_drop',
    comparison: '>',
    threshold: 0.05,
    window: '1h',
    for: '10m',
    labels: { team: 'ml' },
    severity: 'warning',
    summary: 'recall fell {{ $value }} on {{ $labels.team }}',
    ...overrides,
  });

/** Runs checks at the given minutes with the given values; returns each check's result. */
function run(rules: ReturnType<typeof rule>[], steps: [number, AlertSamples][]) {
  let states: AlertStateRecord[] = [];
  return steps.map(([minute, samples]) => {
    const r = evaluateRules(rules, samples, at(minute), states);
    states = r.states;
    return r;
  });
}

describe('evaluateRules: Prometheus alerting-rule semantics', () => {
  it('pending until the condition held for `for`, then firing; activeAt kept; labels and annotations', () => {
    const [a, b, c] = run(
      [rule()],
      [
        [0, { recall_drop: 0.08 }],
        [9, { recall_drop: 0.07 }],
        [10, { recall_drop: 0.06 }],
      ],
    );
    expect(a.states[0]).toMatchObject({ state: 'pending', activeAt: at(0), firedAt: null, value: 0.08 });
    expect(a.transitions.map((t) => [t.from, t.to])).toEqual([['inactive', 'pending']]);
    expect(b.states[0]).toMatchObject({ state: 'pending', activeAt: at(0) });
    expect(b.transitions).toEqual([]);
    expect(c.states[0]).toMatchObject({ state: 'firing', activeAt: at(0), firedAt: at(10), value: 0.06 });
    expect(c.transitions.map((t) => [t.from, t.to])).toEqual([['pending', 'firing']]);
    const labels = { team: 'ml', alertname: 'recall_drop', severity: 'warning' };
    expect(c.states[0].labels).toEqual(labels);
    expect(c.states[0].fingerprint).toBe(fingerprintOf(labels));
    expect(c.states[0].annotations).toEqual({ summary: 'recall fell 0.06 on ml' });
  });

  it('for 0 fires at once; the threshold is compared with the given operator', () => {
    for (const [comparison, value, fires] of [
      ['>=', 0.05, true],
      ['>', 0.05, false],
      ['<', 0.04, true],
      ['<=', 0.06, false],
      ['==', 0.05, true],
      ['!=', 0.05, false],
    ] as const) {
      const [r] = run([rule({ for: '0', comparison })], [[0, { recall_drop: value }]]);
      expect(r.states.map((s) => s.state)).toEqual(fires ? ['firing'] : []);
    }
  });

  it('pending that turns false goes back to inactive silently; firing that turns false resolves', () => {
    const [, b] = run(
      [rule()],
      [
        [0, { recall_drop: 0.08 }],
        [5, { recall_drop: 0.01 }],
      ],
    );
    expect(b.states).toEqual([]);
    expect(b.removed).toHaveLength(1);
    expect(b.transitions.map((t) => [t.from, t.to])).toEqual([['pending', 'inactive']]);
    const [, , c] = run(
      [rule({ for: '0' })],
      [
        [0, { recall_drop: 0.08 }],
        [1, { recall_drop: 0.08 }],
        [2, { recall_drop: 0.01 }],
      ],
    );
    expect(c.states[0]).toMatchObject({ state: 'resolved', resolvedAt: at(2), firedAt: at(0), value: 0.01 });
    expect(c.transitions.map((t) => [t.from, t.to])).toEqual([['firing', 'resolved']]);
  });

  it('no data (undefined, missing, NaN) is an absent series: the condition is false and a firing alert resolves', () => {
    for (const samples of [{}, { recall_drop: undefined }, { recall_drop: Number.NaN }] as AlertSamples[]) {
      const [, b] = run(
        [rule({ for: '0' })],
        [
          [0, { recall_drop: 0.5 }],
          [1, samples],
        ],
      );
      expect(b.states.map((s) => s.state)).toEqual(['resolved']);
    }
    const [, b] = run(
      [rule()],
      [
        [0, { recall_drop: 0.5 }],
        [1, {}],
      ],
    );
    expect(b.states).toEqual([]); // pending without data: inactive
  });

  it('a resolved alert that turns true again starts a new alert (new activeAt); it is kept 15m, longer while its resolution is unsent', () => {
    const [, , c] = run(
      [rule()],
      [
        [0, { recall_drop: 0.08 }],
        [10, { recall_drop: 0.01 }], // never fired: pending → inactive
        [11, { recall_drop: 0.09 }],
      ],
    );
    expect(c.states[0]).toMatchObject({ state: 'pending', activeAt: at(11) });
    const fired = run(
      [rule({ for: '0' })],
      [
        [0, { recall_drop: 0.08 }],
        [1, {}],
        [3, { recall_drop: 0.08 }],
      ],
    );
    expect(fired[2].states[0]).toMatchObject({
      state: 'firing',
      activeAt: at(3),
      firedAt: at(3),
      resolvedAt: null,
    });
    expect(fired[2].transitions.map((t) => [t.from, t.to])).toEqual([['resolved', 'firing']]);
    const resolved: AlertStateRecord = { ...fired[1].states[0], notifiedStatus: 'resolved' };
    const retention = RESOLVED_RETENTION_MS / 60_000;
    expect(evaluateRules([rule()], {}, at(1 + retention - 1), [resolved]).states).toHaveLength(1);
    const gone = evaluateRules([rule()], {}, at(1 + retention), [resolved]);
    expect(gone.states).toEqual([]);
    expect(gone.transitions.map((t) => [t.from, t.to])).toEqual([['resolved', 'inactive']]);
    const unsent = { ...resolved, notifiedStatus: 'firing' as const };
    expect(evaluateRules([rule()], {}, at(100), [unsent]).states).toHaveLength(1);
  });

  it('labelled samples make one alert per label set; a removed rule resolves its firing alerts', () => {
    const r = rule({ for: '0' });
    const [a, b] = run(
      [r],
      [
        [
          0,
          {
            recall_drop: [
              { labels: { model: 'a' }, value: 0.2 },
              { labels: { model: 'b' }, value: 0.3 },
            ],
          },
        ],
        [1, { recall_drop: [{ labels: { model: 'b' }, value: 0.3 }] }],
      ],
    );
    expect(a.states.map((s) => s.labels.model)).toEqual(['a', 'b']);
    expect(b.states.map((s) => [s.labels.model, s.state])).toEqual([
      ['b', 'firing'],
      ['a', 'resolved'],
    ]);
    const gone = evaluateRules([], {}, at(2), b.states);
    expect(gone.states.map((s) => s.state)).toEqual(['resolved', 'resolved']);
  });
});

describe('compileRule', () => {
  it('names the rule and the problem', () => {
    expect(() => rule({ for: '-5m' })).toThrow(/alert rule recall_drop: for "-5m" is not a duration/);
    expect(() => rule({ for: '1.5h' })).toThrow(/not a duration/);
    expect(() => rule({ name: 'bad name' })).toThrow(/name must match/);
    expect(() => rule({ comparison: '=>' as never })).toThrow(/comparison must be one of > >= < <= == !=/);
    expect(() => rule({ threshold: Number.POSITIVE_INFINITY })).toThrow(/finite/);
    expect(() => rule({ labels: { alertname: 'x' } })).toThrow(/reserved/);
    expect(() => compileRule({ ...rule(), action: 'reboot' }, ['rollback', 'retrain'])).toThrow(
      /unknown action "reboot" \(known: rollback, retrain\)/,
    );
    expect(rule({ for: '1h30m' }).forMs).toBe(5_400_000);
  });
});
