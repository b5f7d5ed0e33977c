/**
 * Conformance suite of the alert service over a real database (SQLite and MariaDB): states, history,
 * channels, silences and actions.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SporeprintError } from '../../../../core/index.js';
import {
  failure,
  makeCounts,
  makeSource,
  makeVersion,
} from '../../../../storage/__tests__/storage-fixtures.js';
import {
  createInProcessEventBus,
  openArtifactStore,
  openStorage,
  type Storage,
} from '../../../../storage/index.js';
import { DEFAULT_GATE, RegistryService } from '../../../registry/index.js';
import { AlertActions, retrainAction, rollbackAction } from '../alert-actions.js';
import type { AlertRule } from '../alert-rule.js';
import { AlertService } from '../alert-service.js';
import type { AlertServiceDeps } from '../alert-service-types.js';
import { logChannel } from '../channels/log-channel.js';
import { WebhookChannel } from '../channels/webhook-channel.js';
import { ALERT_METRICS, DEFAULT_ALERT_RULES, resolveRules } from '../default-rules.js';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const DRIFT = { [ALERT_METRICS.datasetDriftShare]: 0.6 };
const MODEL = 'sporeprint-secondary';

/** Registers two versions and makes v1 then v2 Production (so a rollback returns to v1). */
async function twoProductions(storage: Storage): Promise<void> {
  const source = makeSource();
  const version = makeVersion(source.id, 3);
  const load = await storage.datasets.beginSourceLoad(source);
  await load.finish({ counts: makeCounts(3), version });
  for (const v of [1, 2]) {
    const runId = `run-${randomBytes(8).toString('hex')}`;
    await storage.runs.create({
      id: runId,
      datasetId: version.id,
      modelKind: 'gradient-boosting',
      modelName: MODEL,
      params: {},
      codeVersion: 'test',
    });
    await storage.registry.registerVersion({
      modelName: MODEL,
      runId,
      datasetId: version.id,
      sourceSha256: source.id,
      artifactSha256: createHash('sha256').update(runId).digest('hex'),
      artifactStore: 'file',
      metrics: {},
      params: {},
      author: 'test',
    });
    await storage.registry.transitionStage({
      modelName: MODEL,
      version: v,
      toStage: 'Production',
      actor: 'test',
    });
  }
}

/** Registers the alert service's tests for one backend. */
export function describeAlertServiceConformance(backend: string, freshUrl: () => string): void {
  describe(`AlertService (${backend})`, () => {
    let storage: Storage | undefined;
    const closers: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await c();
      await storage?.close();
      storage = undefined;
    });

    async function service(
      overrides: Partial<AlertServiceDeps> = {},
      rules: readonly AlertRule[] = DEFAULT_ALERT_RULES,
    ) {
      storage = await openStorage(freshUrl());
      const lines: string[] = [];
      const s = new AlertService({
        store: storage.alerts,
        rules,
        channels: [logChannel((l) => lines.push(l))],
        ...overrides,
      });
      return { s, lines, store: storage.alerts };
    }

    it('pending → firing only after `for`; notified once, repeated after 4h, resolved once; all stored', async () => {
      const rules = resolveRules([{ name: 'dataset_drift', for: '10m' }]);
      const { s, lines, store } = await service({}, rules);
      const pending = await s.check(DRIFT, at(0));
      expect(pending.alerts.map((a) => a.state)).toEqual(['pending']);
      expect(pending.notifications).toEqual([]);
      expect((await s.check(DRIFT, at(9))).alerts[0].state).toBe('pending');
      const firing = await s.check(DRIFT, at(10));
      expect(firing.alerts[0]).toMatchObject({ state: 'firing', activeAt: at(0), firedAt: at(10) });
      expect(firing.notifications).toEqual([
        {
          groupKey: '{}:{alertname="dataset_drift"}',
          status: 'firing',
          reason: 'first',
          alerts: 1,
          channels: { stored: 'sent', log: 'sent' },
        },
      ]);
      expect(lines).toEqual([
        'alert firing: dataset_drift severity=warning value=0.6 — Dataset drift: 0.6 of the features drifted (threshold 0.5)',
      ]);
      expect((await s.check(DRIFT, at(60))).notifications).toEqual([]);
      expect((await s.check(DRIFT, at(250))).notifications.map((n) => n.reason)).toEqual(['repeat']);
      const resolved = await s.check({}, at(260));
      expect(resolved.alerts[0]).toMatchObject({ state: 'resolved', resolvedAt: at(260) });
      expect(resolved.notifications.map((n) => n.status)).toEqual(['resolved']);
      expect((await s.check({}, at(270))).notifications).toEqual([]);
      expect((await s.check({}, at(280))).alerts).toEqual([]); // retention over: inactive
      const transitions = (await store.history({ kind: 'transition' }))
        .reverse()
        .map((h) => `${h.fromState}→${h.toState}`);
      expect(transitions).toEqual([
        'inactive→pending',
        'pending→firing',
        'firing→resolved',
        'resolved→inactive',
      ]);
      const stored = (await store.history({ kind: 'notification' })).filter((h) => h.channel === 'stored');
      expect(stored).toHaveLength(3);
      expect(stored[2].details).toMatchObject({
        version: '4',
        status: 'firing',
        alerts: [{ labels: { alertname: 'dataset_drift' } }],
      });
      expect((await s.list(at(280))).alerts).toEqual([]);
    });

    it('a silenced alert changes state, sends nothing and runs no action; unsilenced, it is sent', async () => {
      const calls: string[] = [];
      const actions = new AlertActions({ retrain: retrainAction(MODEL, (r) => void calls.push(r.model)) });
      const rules = resolveRules([{ name: 'dataset_drift', action: 'retrain' }]);
      const { s, lines, store } = await service({ actions }, rules);
      const silence = await s.silence(
        {
          matchers: ['alertname=dataset_drift'],
          duration: '2h',
          createdBy: 'alice',
          comment: 'retraining already',
        },
        at(0),
      );
      expect(silence).toMatchObject({
        status: 'active',
        startsAt: at(0),
        endsAt: at(120),
        matchersText: ['alertname="dataset_drift"'],
      });
      const muted = await s.check(DRIFT, at(1));
      expect(muted.alerts[0]).toMatchObject({ state: 'firing', silencedBy: [silence.id] });
      expect(muted.notifications).toEqual([]);
      expect(muted.actions).toMatchObject([
        { action: 'retrain', outcome: 'skipped', message: `silenced by ${silence.id}` },
      ]);
      expect(calls).toEqual([]);
      expect(lines).toEqual([]);
      const listed = await s.list(at(2));
      expect(listed.alerts[0].silencedBy).toEqual([silence.id]);
      expect(listed.silences.map((x) => x.status)).toEqual(['active']);
      const expired = await s.unsilence(silence.id, 'bob', at(3));
      expect(expired).toMatchObject({ status: 'expired', endsAt: at(3) });
      const sent = await s.check(DRIFT, at(4));
      expect(sent.notifications.map((n) => n.reason)).toEqual(['first']);
      expect(sent.actions).toEqual([]); // the action runs when the alert starts firing, not later
      expect((await failure(s.unsilence(silence.id, 'bob', at(5)))).code).toBe('SP_ERR_CONFLICT');
      expect((await store.history({ kind: 'action' }))[0]).toMatchObject({
        outcome: 'skipped',
        channel: 'retrain',
      });
    });

    it('runs the rollback action once when the alert starts firing: Production returns to the previous version', async () => {
      storage = await openStorage(freshUrl());
      const st = storage;
      await twoProductions(st);
      const registry = new RegistryService({
        runs: st.runs,
        registry: st.registry,
        artifacts: openArtifactStore(st, { kind: 'database' }),
        datasets: st.datasets,
        events: createInProcessEventBus(),
        gate: DEFAULT_GATE,
      });
      const s = new AlertService({
        store: st.alerts,
        rules: resolveRules([{ name: 'false_edible_labelled', action: 'rollback' }]),
        actions: new AlertActions({
          rollback: rollbackAction(registry, MODEL),
          retrain: retrainAction(MODEL),
        }),
      });
      const first = await s.check({ [ALERT_METRICS.falseEdibleLabelled]: 2 }, at(0));
      expect(first.actions).toEqual([
        {
          action: 'rollback',
          fingerprint: first.alerts[0].fingerprint,
          alertname: 'false_edible_labelled',
          outcome: 'ok',
          message: `rolled ${MODEL} back to version 1 (from 2)`,
        },
      ]);
      expect((await st.registry.listVersions(MODEL)).find((v) => v.stage === 'Production')?.version).toBe(1);
      const history = await st.registry.history(MODEL);
      expect(history.at(-1)).toMatchObject({ event: 'rolled-back', actor: 'sporeprint-alerts' });
      expect((await s.check({ [ALERT_METRICS.falseEdibleLabelled]: 3 }, at(1))).actions).toEqual([]);
      // resolved, then firing again: a new firing runs the action again (the registry's previous Production is 2)
      await s.check({}, at(2));
      const again = await s.check({ [ALERT_METRICS.falseEdibleLabelled]: 1 }, at(3));
      expect(again.actions[0]).toMatchObject({
        outcome: 'ok',
        message: `rolled ${MODEL} back to version 2 (from 1)`,
      });
      expect((await st.alerts.history({ kind: 'action' })).map((h) => h.outcome)).toEqual(['ok', 'ok']);
    });

    it('a failing action is recorded as failed, never thrown', async () => {
      const actions = new AlertActions({
        rollback: async () => {
          throw new SporeprintError('SP_ERR_REGISTRY_STATE', 'nothing to roll back to');
        },
      });
      const { s, store } = await service(
        { actions },
        resolveRules([{ name: 'dataset_drift', action: 'rollback' }]),
      );
      const r = await s.check(DRIFT, at(0));
      expect(r.actions).toMatchObject([
        { outcome: 'failed', message: 'SP_ERR_REGISTRY_STATE: nothing to roll back to' },
      ]);
      expect(r.alerts[0].state).toBe('firing');
      expect((await store.history({ kind: 'action' }))[0]).toMatchObject({
        outcome: 'failed',
        details: { message: 'SP_ERR_REGISTRY_STATE: nothing to roll back to' },
      });
    });

    it('webhook receiver down: the check returns at once; the notification is delivered once it comes up and recorded', async () => {
      const probe = createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      const port = (probe.address() as AddressInfo).port;
      await new Promise<void>((r) => probe.close(() => r()));
      let svc: AlertService | undefined;
      const hook = new WebhookChannel({
        url: `http://127.0.0.1:${port}/`,
        maxAttempts: 50,
        initialBackoffMs: 20,
        maxBackoffMs: 50,
        onOutcome: (o) => svc?.recordOutcome(o),
      });
      const { s, store } = await service({ channels: [hook] });
      svc = s;
      closers.push(() => s.close());
      const started = performance.now();
      const result = await s.check(DRIFT, at(0));
      expect(performance.now() - started).toBeLessThan(500);
      expect(result.notifications[0].channels).toEqual({ stored: 'sent', webhook: 'queued' });
      await new Promise((r) => setTimeout(r, 100));
      const bodies: string[] = [];
      const receiver = createServer((req, res) => {
        let b = '';
        req.on('data', (d: Buffer) => {
          b += d.toString();
        });
        req.on('end', () => {
          bodies.push(b);
          res.end();
        });
      });
      await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
      closers.push(() => new Promise<void>((r) => receiver.close(() => r())));
      await s.flush(10_000);
      expect(bodies.map((b) => (JSON.parse(b) as { status: string }).status)).toEqual(['firing']);
      await new Promise((r) => setTimeout(r, 50)); // the outcome's history append
      const delivered = (await store.history({ kind: 'notification' })).find(
        (h) => h.outcome === 'delivered',
      );
      expect(delivered).toMatchObject({ channel: 'webhook', details: { status: 'firing' } });
      expect((delivered?.details as { attempts?: number } | undefined)?.attempts).toBeGreaterThan(1);
    });

    it('refuses bad silences, naming the problem, and stores nothing', async () => {
      const { s, store } = await service();
      const base = {
        matchers: ['alertname=dataset_drift'],
        duration: '2h',
        createdBy: 'alice',
        comment: 'why',
      };
      for (const [input, message] of [
        [{ ...base, matchers: ['alertname:dataset_drift'] }, /Matcher "alertname:dataset_drift" is invalid/],
        [{ ...base, matchers: [] }, /at least one matcher/],
        [{ ...base, matchers: ['alertname=~".*"'] }, /would silence every alert/],
        [{ ...base, duration: '-2h' }, /duration "-2h" is not a duration/],
        [{ ...base, duration: '0' }, /duration must be positive/],
        [{ ...base, duration: undefined }, /needs a duration/],
        [{ ...base, duration: undefined, endsAt: at(-1) }, /cannot end in the past|must end after it starts/],
        [{ ...base, endsAt: at(100) }, /not both/],
        [{ ...base, comment: ' ' }, /comment/],
        [{ ...base, createdBy: '' }, /creator/],
      ] as const) {
        const f = await failure(s.silence(input as never, at(0)));
        expect(f.code).toBe('SP_ERR_BAD_PARAM');
        expect(f.message).toMatch(message);
      }
      expect(await store.silences()).toEqual([]);
      expect((await failure(s.unsilence('6f1e2d3c-0000-4000-8000-000000000009', 'bob'))).code).toBe(
        'SP_ERR_NOT_FOUND',
      );
      expect((await failure(s.unsilence('nope', 'bob'))).code).toBe('SP_ERR_BAD_PARAM');
    });

    it('refuses a rule whose action is unknown', async () => {
      storage = await openStorage(freshUrl());
      const st = storage;
      expect(
        () =>
          new AlertService({
            store: st.alerts,
            rules: resolveRules([{ name: 'dataset_drift', action: 'reboot' }]),
          }),
      ).toThrow(/alert rule dataset_drift: unknown action "reboot" \(known: none\)/);
    });
  });
}
