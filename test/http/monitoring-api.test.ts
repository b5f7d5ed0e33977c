/**
 * The monitoring routes over a real server and SQLite database: the same figures as the service, the
 * report as JSON or as one self-contained HTML page, the read-key rule, bad queries named; the
 * scheduled check's gauges on /metrics; predictions answered while a check runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/config/index.js';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { REPORT_CSP } from '../../src/reports/index.js';
import { EtlService, type HeldOutRecords, MonitoringService } from '../../src/services/index.js';
import { createInProcessEventBus, openStorage, type Storage } from '../../src/storage/index.js';
import { PRIMARY } from '../helpers/fixture-files.js';
import { client, type ErrorAnswer } from '../helpers/http-client.js';
import {
  hour,
  leafLitterSeason,
  logTraffic,
  MONITORED_MODEL as MODEL,
  strideSample,
} from '../helpers/monitoring-traffic.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase, registryOver } from '../helpers/serving-setup.js';
import { sqliteBackend } from '../helpers/test-databases.js';

const backend = sqliteBackend();
const json = <T>(res: Response) => res.json() as Promise<T>;
const WINDOW = `from=${hour(12).toISOString()}&to=${hour(13).toISOString()}`;

describe('monitoring over HTTP (SQLite)', () => {
  let prepared: Awaited<ReturnType<typeof prepareServingDatabase>>;
  let storage: Storage;
  let server: RunningServer;
  let service: MonitoringService;
  let reader: ReturnType<typeof client>;
  let admin: ReturnType<typeof client>;
  let anonymous: ReturnType<typeof client>;
  let heldOut: HeldOutRecords;
  /** While set, a scheduled check waits for it (after taking the lease). */
  let hold: { entered: () => void; until: Promise<void> } | null = null;

  beforeAll(async () => {
    prepared = await prepareServingDatabase(backend.freshUrl());
    storage = await openStorage(prepared.config.databaseUrl);
    const { registry } = registryOver(storage, prepared, createInProcessEventBus());
    service = new MonitoringService({ monitoring: storage.monitoring, datasets: storage.datasets, registry });
    heldOut = await new EtlService(storage.datasets, {
      invalidThreshold: 0.01,
      seed: 42,
      speciesFile: PRIMARY,
    }).heldOutRecords('latest');
    // a shifted window at 12:00, and shifted traffic in the last hour (the scheduled check's window)
    await logTraffic(storage, prepared, hour(12, 30), strideSample(heldOut.records, 300), leafLitterSeason);
    const recent = await logTraffic(
      storage,
      prepared,
      new Date(Date.now() - 60_000),
      strideSample(heldOut.records, 200),
      // every mushroom the same (the first of the file): every varying feature drifts
      (r) => Object.assign(r, CLASSIC_MUSHROOM),
    );
    for (const r of recent.slice(0, 50))
      await storage.feedback.record({ predictionId: r.id, trueLabel: r.label });
    const config: Config = loadConfig({
      env: {
        DATABASE_URL: prepared.config.databaseUrl,
        SPOREPRINT_VAR_DIR: prepared.varDir,
        SPOREPRINT_MODEL_NAME: MODEL,
        SPOREPRINT_PORT: '0',
        SPOREPRINT_LOG_LEVEL: 'silent',
        SPOREPRINT_REQUIRE_KEY: 'true',
        SPOREPRINT_MONITOR_CHECK_MINUTES: '0',
        SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '0',
      },
    });
    const adminKey = (await storage.apiKeys.create({ name: 'ops', role: 'admin' })).secret;
    const predictKey = (await storage.apiKeys.create({ name: 'app', role: 'predict' })).secret;
    server = await startServer(config, {
      version: 'test',
      beforeMonitorCheck: async () => {
        const h = hold;
        if (h === null) return;
        h.entered();
        await h.until;
      },
    });
    reader = client(server.url, predictKey);
    admin = client(server.url, adminKey);
    anonymous = client(server.url);
  }, 600_000);
  afterAll(async () => {
    await server?.close();
    await storage?.close();
    prepared?.cleanup();
  });

  it('answers drift, performance and profile as the service computes them; a predict or admin key is required', async () => {
    const q = { modelName: MODEL, from: hour(12), to: hour(13) };
    const drift = await reader.get(`/v1/monitoring/drift?${WINDOW}`);
    expect(drift.status).toBe(200);
    expect(await json(drift)).toEqual(JSON.parse(JSON.stringify(await service.drift(q))));
    const perf = await admin.get(`/v1/monitoring/performance?${WINDOW}&model=${MODEL}&version=production`);
    expect(await json(perf)).toEqual(JSON.parse(JSON.stringify(await service.performance(q))));
    const profile = await reader.get('/v1/monitoring/profile?version=1');
    expect(await json(profile)).toEqual(JSON.parse(JSON.stringify(await service.profile(MODEL, 1))));
    // drift settings: one test for every feature, a threshold, the dataset's drift share
    const settings = { share: 0.25, all: { test: 'psi' as const, threshold: 0.2 } };
    const psi = await json<{ features: { test?: string }[]; dataset: { threshold: number } }>(
      await reader.get(`/v1/monitoring/drift?${WINDOW}&test=psi&threshold=0.2&share=0.25`),
    );
    expect(psi).toEqual(JSON.parse(JSON.stringify(await service.drift(q, settings))));
    expect(new Set(psi.features.map((f) => f.test))).toEqual(new Set(['psi']));
    expect(psi.dataset.threshold).toBe(0.25);
    const last = await json<{ window: { rows: number } }>(await reader.get('/v1/monitoring/drift?last=10'));
    expect(last.window.rows).toBe(200);
    for (const path of ['drift', 'performance', 'report', 'profile']) {
      const res = await anonymous.get(`/v1/monitoring/${path}`);
      expect(res.status, path).toBe(401);
      expect((await json<ErrorAnswer>(res)).error.message).toMatch(/monitoring reads/);
    }
  });

  it('serves the report as JSON by default, as one self-contained HTML page by Accept or format', async () => {
    const asJson = await reader.get(`/v1/monitoring/report?${WINDOW}`);
    expect(asJson.headers.get('content-type')).toMatch(/^application\/json/);
    const report = await json<{ summary: { verdict: string }; window: { rows: number } }>(asJson);
    expect(report.window.rows).toBe(300);
    expect(report.summary.verdict).not.toBe('ok');
    const browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    for (const [query, accept] of [
      [`${WINDOW}`, browser],
      [`${WINDOW}&format=html`, 'application/json'],
      [`${WINDOW}`, 'text/html'],
    ]) {
      const res = await reader.get(`/v1/monitoring/report?${query}`, { accept });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe(REPORT_CSP);
      expect(REPORT_CSP).toContain("default-src 'none'");
      const html = await res.text();
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).toContain('<svg');
      expect(html).not.toMatch(/<script|<link|src="http|href="http/i);
    }
    for (const [query, accept] of [
      [`${WINDOW}&format=json`, 'text/html'],
      [`${WINDOW}`, 'application/json, text/html;q=0.5'],
      [`${WINDOW}`, '*/*'],
    ]) {
      const res = await reader.get(`/v1/monitoring/report?${query}`, { accept });
      expect(res.headers.get('content-type'), `${query} ${accept}`).toMatch(/^application\/json/);
    }
  });

  it('refuses bad queries naming the parameter (schema: 422, meaning: 400, unknown: 404), storing nothing', async () => {
    await storage.experiments.create({
      id: 'exp-monitor',
      modelName: MODEL,
      description: null,
      assignment: 'client',
      arms: [
        { name: 'control', version: 1, role: 'control', weight: 1 },
        { name: 'challenger', version: 2, role: 'challenger', weight: 1 },
      ],
      settings:
        (await storage.experiments.list())[0]?.settings ??
        (await import('../../src/services/index.js')).DEFAULT_SETTINGS,
      createdBy: 'test',
    });
    const cases: [string, number, RegExp][] = [
      ['drift?from=yesterday', 422, /from/],
      ['drift?to=2026-12-06T14:00', 422, /to/],
      ['drift?last=0', 422, /last/],
      ['drift?last=ten', 422, /last/],
      ['drift?model=bad%20name', 422, /model/],
      ['drift?version=-1', 422, /version/],
      ['drift?experiment=X', 422, /experiment/],
      ['drift?window=1h', 422, /window/],
      ['report?format=pdf', 422, /format/],
      ['drift?test=nope', 422, /test/],
      ['drift?threshold=0', 422, /threshold/],
      ['report?share=1.5', 422, /share/],
      [`drift?${WINDOW}&test=ks`, 400, /Feature .*: options\.test: ks needs ordered values/],
      ['profile?last=5', 422, /last/],
      ['drift?from=2026-02-30', 400, /from is not a valid time/],
      [`drift?from=${hour(13).toISOString()}&to=${hour(12).toISOString()}`, 400, /from .* must be before to/],
      [`performance?from=${hour(12).toISOString()}&last=5`, 400, /either from or last/],
      ['drift?arm=control', 400, /arm needs experiment/],
      [
        'report?experiment=exp-monitor&arm=treatment',
        400,
        /arm treatment is not an arm of experiment exp-monitor/,
      ],
      ['drift?experiment=exp-nope', 404, /exp-nope/],
      ['drift?model=no-such-model', 404, /no-such-model/],
      ['performance?version=99', 404, /99/],
      ['profile?version=nosuchalias', 404, /nosuchalias/],
    ];
    for (const [path, status, message] of cases) {
      const res = await reader.get(`/v1/monitoring/${path}`);
      const body = await json<ErrorAnswer>(res);
      expect(res.status, `${path}: ${JSON.stringify(body)}`).toBe(status);
      expect(body.error.message, path).toMatch(message);
    }
    const arm = await reader.get(`/v1/monitoring/drift?${WINDOW}&experiment=exp-monitor&arm=control`);
    expect((await json<{ window: { rows: number } }>(arm)).window.rows).toBe(0);
  });

  it('after a scheduled check, /metrics carries its figures and the current alerts', async () => {
    expect(await server.monitor.round()).toBe('ran');
    const last = server.monitor.status().last;
    if (last === null) throw new Error('no check');
    expect(last.drift.window.rows).toBe(200);
    const text = await (await anonymous.get('/metrics')).text();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(value('sporeprint_monitor_dataset_drift_share')).toBeCloseTo(last.drift.dataset?.share ?? -1, 12);
    expect(last.drift.dataset?.drifted).toBe(true);
    for (const f of last.drift.features) {
      if (f.status !== 'tested') continue;
      expect(value(`sporeprint_monitor_feature_drift_score{feature="${f.feature}"}`)).toBeCloseTo(
        f.score,
        12,
      );
      expect(value(`sporeprint_monitor_feature_drifted{feature="${f.feature}"}`)).toBe(f.drifted ? 1 : 0);
    }
    expect(value('sporeprint_monitor_feature_drifted{feature="odor"}')).toBe(1);
    expect(value('sporeprint_monitor_novelty_share')).toBeCloseTo(last.drift.prediction.current.novel, 12);
    expect(last.performance.labelled.n).toBe(50);
    expect(value('sporeprint_monitor_labelled_poisonous_recall')).toBeCloseTo(
      last.performance.labelled.poisonousRecall ?? -1,
      12,
    );
    expect(value('sporeprint_monitor_false_edible_labelled')).toBe(last.performance.labelled.falseEdible);
    const estimated = last.performance.estimated;
    expect(value('sporeprint_monitor_estimated_poisonous_recall')).toBeCloseTo(
      estimated?.poisonousRecall ?? -1,
      12,
    );
    expect(value('sporeprint_monitor_estimated_accuracy')).toBeCloseTo(estimated?.accuracy ?? -1, 12);
    expect(last.alerts.alerts.map((a) => [a.ruleName, a.state])).toContainEqual(['dataset_drift', 'firing']);
    for (const a of last.alerts.alerts) {
      expect(value(`sporeprint_alerts{alertname="${a.ruleName}",state="${a.state}"}`)).toBeGreaterThanOrEqual(
        1,
      );
    }
    expect(value('sporeprint_monitor_rounds_total{outcome="ran"}')).toBe(1);
    // the report lists the alert the check fired
    const report = await json<{ alerts: { name: string; state: string }[] }>(
      await reader.get('/v1/monitoring/report?last=1'),
    );
    expect(report.alerts).toContainEqual(expect.objectContaining({ name: 'dataset_drift', state: 'firing' }));
  });

  it('answers predictions while a check runs (the check is off the request path)', async () => {
    let entered = () => {};
    let release = () => {};
    const inCheck = new Promise<void>((r) => {
      entered = r;
    });
    hold = { entered, until: new Promise<void>((r) => (release = r)) };
    let done = false;
    const round = server.monitor.round().then((o) => {
      done = true;
      return o;
    });
    await inCheck;
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => reader.post('/v1/predict', CLASSIC_MUSHROOM)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(done).toBe(false);
    hold = null;
    release();
    expect(await round).toBe('ran');
  });
});
