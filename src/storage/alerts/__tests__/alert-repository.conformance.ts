/**
 * Conformance suite of the alerts repository (DESIGN convention 5): states, history, silences — the
 * same on every backend.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { failure } from '../../__tests__/storage-fixtures.js';
import { storageContext } from '../../db/storage-context.js';
import {
  type AlertHistoryInput,
  type AlertStateRecord,
  openStorage,
  type SilenceRecord,
  type Storage,
} from '../../index.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

const state = (fingerprint: string, overrides: Partial<AlertStateRecord> = {}): AlertStateRecord => ({
  fingerprint,
  ruleName: 'dataset_drift',
  labels: { alertname: 'dataset_drift', severity: 'warning', model: 'ünïcode ✓' },
  annotations: { summary: '60% of features drifted' },
  state: 'firing',
  value: 0.6,
  activeAt: T0,
  firedAt: at(1000),
  resolvedAt: null,
  lastEvalAt: at(2000),
  lastNotifiedAt: null,
  notifiedStatus: null,
  ...overrides,
});

const entry = (overrides: Partial<AlertHistoryInput> = {}): AlertHistoryInput => ({
  at: T0,
  kind: 'transition',
  fingerprint: 'aaaaaaaaaaaaaaaa',
  ruleName: 'dataset_drift',
  fromState: 'pending',
  toState: 'firing',
  channel: null,
  outcome: null,
  details: { value: 0.6 },
  ...overrides,
});

const silence = (id: string, overrides: Partial<SilenceRecord> = {}): SilenceRecord => ({
  id,
  matchers: [{ name: 'alertname', value: 'dataset_drift', isRegex: false, isEqual: true }],
  startsAt: T0,
  endsAt: at(3_600_000),
  createdBy: 'alice',
  comment: 'retraining in progress',
  createdAt: T0,
  updatedAt: T0,
  ...overrides,
});

const ID1 = '6f1e2d3c-0000-4000-8000-000000000001';
const ID2 = '6f1e2d3c-0000-4000-8000-000000000002';

/** Registers the conformance tests of the alerts repository for one backend. */
export function describeAlertRepositoryConformance(name: string, makeUrl: () => string): void {
  describe(`alert repository (${name})`, () => {
    let storage: Storage | undefined;
    const open = async () => {
      storage = await openStorage(makeUrl());
      return storage;
    };
    afterEach(async () => {
      await storage?.close();
      storage = undefined;
    });

    it('saves a check: states replaced by fingerprint, removed ones gone, history appended', async () => {
      const s = await open();
      await s.alerts.saveCheck({
        upserts: [
          state('aaaaaaaaaaaaaaaa'),
          state('bbbbbbbbbbbbbbbb', { ruleName: 'backlog', state: 'pending', firedAt: null, value: null }),
        ],
        removals: [],
        history: [
          entry(),
          entry({ kind: 'notification', fingerprint: null, channel: 'stored', outcome: 'sent' }),
        ],
      });
      expect(await s.alerts.states()).toEqual([
        state('bbbbbbbbbbbbbbbb', { ruleName: 'backlog', state: 'pending', firedAt: null, value: null }),
        state('aaaaaaaaaaaaaaaa'),
      ]);
      const resolved = state('aaaaaaaaaaaaaaaa', {
        state: 'resolved',
        resolvedAt: at(5000),
        lastNotifiedAt: at(5000),
        notifiedStatus: 'resolved',
      });
      await s.alerts.saveCheck({ upserts: [resolved], removals: ['bbbbbbbbbbbbbbbb'], history: [] });
      expect(await s.alerts.states()).toEqual([resolved]);
      const history = await s.alerts.history();
      expect(history.map((h) => h.kind)).toEqual(['notification', 'transition']);
      expect(history[1]).toMatchObject({ ...entry(), seq: expect.any(Number) });
      expect((await s.alerts.history({ kind: 'transition' })).length).toBe(1);
      expect((await s.alerts.history({ fingerprint: 'aaaaaaaaaaaaaaaa', limit: 5 })).length).toBe(1);
      expect((await failure(s.alerts.history({ limit: 0 }))).code).toBe('SP_ERR_BAD_PARAM');
    });

    it('the history is append-only', async () => {
      const s = await open();
      await s.alerts.appendHistory([entry()]);
      const { db } = storageContext(s);
      await expect(sql`update alert_history set outcome = 'x'`.execute(db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from alert_history`.execute(db)).rejects.toThrow(/append-only/);
      expect(await s.alerts.history()).toHaveLength(1);
    });

    it('creates, lists, reads and expires silences, recording each change', async () => {
      const s = await open();
      await s.alerts.createSilence(silence(ID1));
      await s.alerts.createSilence(silence(ID2, { createdAt: at(1), startsAt: at(60_000) }));
      expect((await s.alerts.silences()).map((x) => x.id)).toEqual([ID2, ID1]);
      expect(await s.alerts.getSilence(ID1)).toEqual(silence(ID1));
      const expired = await s.alerts.expireSilence(ID2, at(1000), 'bob');
      // not started yet: both ends move to the present
      expect(expired).toMatchObject({ startsAt: at(1000), endsAt: at(1000), updatedAt: at(1000) });
      expect(await s.alerts.getSilence(ID2)).toEqual(expired);
      const again = await failure(s.alerts.expireSilence(ID2, at(2000), 'bob'));
      expect(again.code).toBe('SP_ERR_CONFLICT');
      expect(again.message).toMatch(/already expired/);
      const history = await s.alerts.history({ kind: 'silence' });
      expect(history.map((h) => h.outcome)).toEqual(['expired', 'created', 'created']);
      expect(history[0].details).toMatchObject({ silenceId: ID2, actor: 'bob' });
    });

    it('unknown, malformed and duplicate silence ids are refused', async () => {
      const s = await open();
      const unknown = await failure(s.alerts.getSilence(ID1));
      expect(unknown).toEqual({ code: 'SP_ERR_NOT_FOUND', message: `Silence ${ID1} does not exist` });
      expect((await failure(s.alerts.expireSilence(ID1, T0, 'bob'))).code).toBe('SP_ERR_NOT_FOUND');
      expect((await failure(s.alerts.getSilence('nope'))).code).toBe('SP_ERR_BAD_PARAM');
      await s.alerts.createSilence(silence(ID1));
      expect((await failure(s.alerts.createSilence(silence(ID1)))).code).toBe('SP_ERR_CONFLICT');
      expect(await s.alerts.silences()).toHaveLength(1);
      expect(await s.alerts.history({ kind: 'silence' })).toHaveLength(1);
    });
  });
}
