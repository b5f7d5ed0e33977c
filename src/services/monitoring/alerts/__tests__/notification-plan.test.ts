import { describe, expect, it } from 'vitest';
import type { AlertStateRecord, SilenceRecord } from '../../../../storage/index.js';
import { type AlertRule, compileRule } from '../alert-rule.js';
import { type AlertSamples, evaluateRules } from '../evaluate-rules.js';
import {
  DEFAULT_ROUTE,
  type NotificationPlan,
  planNotifications,
  type RouteSettings,
} from '../notification-plan.js';
import { parseMatcher } from '../silence-matchers.js';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

const rule = (name: string, overrides: Partial<AlertRule> = {}) =>
  compileRule({
    name,
    metric: name,
    comparison: '>',
    threshold: 0,
    window: '1h',
    for: '0',
    labels: {},
    severity: 'warning',
    summary: `${name} is {{ $value }}`,
    ...overrides,
  });

const RULES = [rule('drift'), rule('novelty'), rule('backlog', { labels: { team: 'ops' } })];

const silence = (matcher: string, from: number, to: number): SilenceRecord => ({
  id: `6f1e2d3c-0000-4000-8000-00000000000${from}`,
  matchers: [parseMatcher(matcher)],
  startsAt: at(from),
  endsAt: at(to),
  createdBy: 'alice',
  comment: 'maintenance',
  createdAt: at(from),
  updatedAt: at(from),
});

/** Evaluates then plans at each minute, carrying the states over as the service does. */
function checks(
  steps: [number, AlertSamples][],
  route: RouteSettings = DEFAULT_ROUTE,
  silences: SilenceRecord[] = [],
): NotificationPlan[] {
  let states: AlertStateRecord[] = [];
  return steps.map(([minute, samples]) => {
    const e = evaluateRules(RULES, samples, at(minute), states);
    const plan = planNotifications(e.states, silences, route, at(minute));
    states = plan.states;
    return plan;
  });
}

const sent = (plans: NotificationPlan[]) =>
  plans.map((p) =>
    p.notifications.map(
      (n) => `${n.groupLabels.alertname ?? '*'}:${n.status}:${n.reason}:${n.alerts.length}`,
    ),
  );

describe('planNotifications: Alertmanager grouping, intervals and resolution', () => {
  it('sends a new firing alert at once, repeats it every repeat interval, and sends its resolution once', () => {
    const plans = checks([
      [0, { drift: 0.6 }],
      [5, { drift: 0.6 }],
      [239, { drift: 0.6 }],
      [240, { drift: 0.7 }],
      [241, { drift: 0 }], // resolved 1m after the last notification: waits for the group interval
      [245, {}],
      [300, {}],
    ]);
    expect(sent(plans)).toEqual([
      ['drift:firing:first:1'],
      [],
      [],
      ['drift:firing:repeat:1'],
      [],
      ['drift:resolved:changed:1'], // 5m after the repeat
      [],
    ]);
    const resolved = plans[5].notifications[0];
    expect(resolved.alerts[0]).toMatchObject({ status: 'resolved', startsAt: at(0), endsAt: at(241) });
    expect(plans[0].notifications[0]).toMatchObject({
      groupKey: '{}:{alertname="drift"}',
      commonLabels: { alertname: 'drift', severity: 'warning' },
      commonAnnotations: { summary: 'drift is 0.6' },
    });
  });

  it('groups by the configured labels; changes wait for the group interval', () => {
    const route = { ...DEFAULT_ROUTE, groupBy: ['severity'] };
    const plans = checks(
      [
        [0, { drift: 1 }],
        [1, { drift: 1, novelty: 1 }], // a change, 1m after the last notification: waits
        [5, { drift: 1, novelty: 1 }], // group interval passed: both, as one notification
        [6, { drift: 1, novelty: 1, backlog: 1 }],
      ],
      route,
    );
    expect(
      plans.map((p) =>
        p.notifications.map((n) => `${n.groupLabels.severity}:${n.reason}:${n.alerts.length}`),
      ),
    ).toEqual([['warning:first:1'], [], ['warning:changed:2'], []]);
    expect(plans[2].notifications[0].commonLabels).toEqual({ severity: 'warning' });
    const all = checks([[0, { drift: 1, backlog: 1 }]], { ...DEFAULT_ROUTE, groupBy: ['...'] });
    expect(all[0].notifications).toHaveLength(2);
  });

  it('group_wait delays the first notification of a group', () => {
    const plans = checks(
      [
        [0, { drift: 1 }],
        [1, { drift: 1 }],
        [2, { drift: 1 }],
      ],
      { ...DEFAULT_ROUTE, groupWaitMs: 2 * 60_000 },
    );
    expect(sent(plans)).toEqual([[], [], ['drift:firing:first:1']]);
  });

  it('without send_resolved a resolution is recorded but not sent', () => {
    const plans = checks(
      [
        [0, { drift: 1 }],
        [10, {}],
        [20, {}],
      ],
      { ...DEFAULT_ROUTE, sendResolved: false },
    );
    expect(sent(plans)).toEqual([['drift:firing:first:1'], [], []]);
    expect(plans[1].states[0].notifiedStatus).toBe('resolved');
  });

  it('a silenced alert changes state but sends nothing; when the silence ends while it fires, it is sent', () => {
    const s = silence('alertname=drift', 0, 30);
    const plans = checks(
      [
        [0, { drift: 1, novelty: 1 }],
        [10, { drift: 1 }],
        [30, { drift: 1 }],
      ],
      DEFAULT_ROUTE,
      [s],
    );
    expect(sent(plans)).toEqual([
      ['novelty:firing:first:1'],
      ['novelty:resolved:changed:1'],
      ['drift:firing:first:1'],
    ]);
    expect(plans[0].silenced.get(plans[0].states[0].fingerprint)).toEqual([s.id]);
    expect(plans[0].states[0].state).toBe('firing');
  });

  it('a resolution whose firing was never sent (silenced throughout) is not sent', () => {
    const s = silence('alertname=~"dr.*"', 0, 60);
    const plans = checks(
      [
        [0, { drift: 1 }],
        [10, {}],
        [61, {}],
      ],
      DEFAULT_ROUTE,
      [s],
    );
    expect(sent(plans)).toEqual([[], [], []]);
  });

  it('pending alerts are never sent', () => {
    const slow = [compileRule({ ...RULES[0], for: '10m' })];
    const e = evaluateRules(slow, { drift: 1 }, at(0), []);
    expect(planNotifications(e.states, [], DEFAULT_ROUTE, at(0)).notifications).toEqual([]);
  });
});
