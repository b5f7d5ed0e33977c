import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { openStorage } from '../../src/storage/index.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';
import type { TestBackend } from '../helpers/test-databases.js';

/** The HTTP API against a real server on a real socket (issue 6), on each storage backend. */
export function describeApiConformance(backend: TestBackend): void {
  describe(`HTTP API on ${backend.name}`, () => {
    let server: RunningServer;
    let url: string;
    let dbUrl: string;
    let cleanup: () => void;
    let config: Awaited<ReturnType<typeof prepareServingDatabase>>['config'];
    let adminKey: string;
    let predictKey: string;

    beforeAll(async () => {
      dbUrl = backend.freshUrl();
      const prepared = await prepareServingDatabase(dbUrl);
      cleanup = prepared.cleanup;
      config = prepared.config;
      const storage = await openStorage(dbUrl);
      adminKey = (await storage.apiKeys.create({ name: 'admin', role: 'admin' })).secret;
      predictKey = (await storage.apiKeys.create({ name: 'app', role: 'predict' })).secret;
      await storage.close();
      server = await startServer(prepared.config, { version: 'test' });
      url = server.url;
    }, 400_000);
    afterAll(async () => {
      await server?.close();
      cleanup?.();
    });

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    it('is live and ready with a verified model', async () => {
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { model: { model: { version: number } } };
      expect(body.model.model.version).toBe(1);
      expect((await (await fetch(`${url}/v2/health/ready`)).json()) as unknown).toEqual({ ready: true });
    });

    it('classifies one mushroom, logs it, and accepts feedback idempotently', async () => {
      const res = await post('/v1/predict?explain=true', CLASSIC_MUSHROOM);
      expect(res.status).toBe(200);
      const r = (await res.json()) as {
        predictionId: string;
        decision: string;
        probability: number;
        model: { name: string; version: number };
        explanation: { contributions: { feature: string }[] };
        novelty: number;
      };
      expect(r.decision).toBe('poisonous');
      expect(r.probability).toBeGreaterThan(0.5);
      expect(r.model).toEqual({ name: 'sporeprint-classic', version: 1 });
      expect(r.explanation.contributions.length).toBeGreaterThan(0);
      expect(typeof r.novelty).toBe('number');
      // a mushroom unlike anything in the training data: answered uncertain, with the reason
      const odd = (await (
        await post('/v1/predict', {
          'cap-shape': 'b',
          odor: 'm',
          'gill-color': 'e',
          'stalk-root': 'r',
          'spore-print-color': 'b',
          habitat: 'w',
        })
      ).json()) as { decision: string; reason: string };
      expect(odd).toMatchObject({ decision: 'uncertain', reason: 'unlike any species in the training data' });
      const storage = await openStorage(dbUrl);
      try {
        const row = await storage.predictions.get(r.predictionId);
        expect(row).toMatchObject({ decision: 'poisonous', modelVersion: 1 });
      } finally {
        await storage.close();
      }
      const fb = await post('/v1/feedback', { predictionId: r.predictionId, label: 'p' });
      expect(fb.status).toBe(201);
      const again = await post('/v1/feedback', { predictionId: r.predictionId, label: 'poisonous' });
      expect(again.status).toBe(200);
      expect(((await again.json()) as { status: string }).status).toBe('unchanged');
      const unknown = await post('/v1/feedback', { predictionId: 'nope', label: 'p' });
      expect(unknown.status).toBe(404);
    });

    it('answers 422 naming the field and the allowed values, 400 for malformed JSON', async () => {
      const bad = await post('/v1/predict', {
        ...CLASSIC_MUSHROOM,
        'cap-shape': 'q',
        colour: 'red',
        odor: 3,
      });
      expect(bad.status).toBe(422);
      const body = (await bad.json()) as {
        error: { code: string; message: string; details: { problems: { field: string }[] } };
      };
      expect(body.error.code).toBe('SP_ERR_VALIDATION');
      expect(body.error.message).toMatch(/cap-shape: unknown code 'q'; allowed: b = bell, c = conical/);
      expect(body.error.details.problems.map((p) => p.field).sort()).toEqual(['cap-shape', 'colour', 'odor']);
      const malformed = await post('/v1/predict', '{"cap-shape": ');
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('SP_ERR_BAD_REQUEST');
      const missing = await fetch(`${url}/v1/nothing`);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('SP_ERR_NOT_FOUND');
    });

    it('predicts batches as JSON and CSV, reporting invalid items without failing the rest', async () => {
      const res = await post('/v1/predict/batch', {
        records: [CLASSIC_MUSHROOM, { ...CLASSIC_MUSHROOM, odor: 'z' }, {}],
      });
      expect(res.status).toBe(200);
      const b = (await res.json()) as {
        count: number;
        predicted: number;
        items: { ok: boolean; index: number }[];
      };
      expect(b).toMatchObject({ count: 3, predicted: 2 });
      expect(b.items[1]).toMatchObject({ ok: false, index: 1 });
      const cols = Object.keys(CLASSIC_MUSHROOM);
      const csv = `${cols.join(',')}\n${cols.map((c) => CLASSIC_MUSHROOM[c]).join(',')}\n`;
      const c = await fetch(`${url}/v1/predict/batch`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: csv,
      });
      expect(c.status).toBe(200);
      expect(((await c.json()) as { predicted: number }).predicted).toBe(1);
    });

    it('a batch spanning several chunks: items in order, the invalid ones in place, every valid one logged as understood', async () => {
      const odors = ['p', 'A', 'n', 'f'];
      const records = Array.from({ length: 2_500 }, (_, i) =>
        i % 997 === 5
          ? { ...CLASSIC_MUSHROOM, odor: 'z' }
          : { ...CLASSIC_MUSHROOM, odor: odors[i % odors.length] },
      );
      const res = await post('/v1/predict/batch', { records });
      expect(res.status).toBe(200);
      const b = (await res.json()) as {
        count: number;
        predicted: number;
        invalid: number;
        items: {
          ok: boolean;
          index: number;
          predictionId?: string;
          decision?: string;
          probability?: number;
        }[];
      };
      const bad = records.flatMap((r, i) => (r.odor === 'z' ? [i] : []));
      expect(bad).toEqual([5, 1002, 1999]);
      expect(b).toMatchObject({ count: 2_500, predicted: 2_497, invalid: 3 });
      expect(b.items.map((it) => it.index)).toEqual(records.map((_, i) => i));
      expect(b.items.filter((it) => !it.ok).map((it) => it.index)).toEqual(bad);
      // the same answers as one-by-one predictions
      for (const i of [0, 1, 2, 3, 2_499]) {
        const one = (await (await post('/v1/predict', records[i])).json()) as {
          decision: string;
          probability: number;
        };
        expect(b.items[i]).toMatchObject({ ok: true, decision: one.decision, probability: one.probability });
      }
      // acknowledged means journaled: a label for the last prediction is taken at once (it waits for
      // the row), and every row is in the log within a second, input as understood (codes lower-cased)
      const label = await post('/v1/feedback', { predictionId: b.items[2_499].predictionId, label: 'p' });
      expect(label.status).toBe(201);
      const storage = await openStorage(dbUrl);
      try {
        const okIds = b.items.flatMap((it) => (it.ok ? [it.predictionId!] : []));
        const t0 = Date.now();
        while ((await storage.predictions.stored(okIds)).size < okIds.length && Date.now() - t0 < 1000) {
          await new Promise((r) => setTimeout(r, 10));
        }
        expect(await storage.predictionJournal.count()).toBe(0);
        for (const i of [0, 1, 999, 1_000, 1_001, 2_000, 2_499]) {
          const row = await storage.predictions.get(b.items[i].predictionId!);
          expect(row).toMatchObject({ requestKind: 'batch', decision: b.items[i].decision });
          expect(row?.input).toEqual({ ...CLASSIC_MUSHROOM, odor: odors[i % odors.length].toLowerCase() });
        }
        const ids = new Set(await storage.predictions.ids());
        expect(b.items.filter((it) => it.ok && !ids.has(it.predictionId!))).toEqual([]);
      } finally {
        await storage.close();
      }
    });

    it('async log mode: a batch is answered before its rows are built, and closing the server stores every one', async () => {
      const asyncServer = await startServer(
        { ...config, server: { ...config.server, logMode: 'async', port: 0 } },
        { version: 'test' },
      );
      const odors = ['p', 'a', 'n', 'f'];
      const records = Array.from({ length: 10_000 }, (_, i) => ({ ...CLASSIC_MUSHROOM, odor: odors[i % 4] }));
      let ids: string[];
      let closing: Promise<void> | undefined;
      try {
        const res = await fetch(`${asyncServer.url}/v1/predict/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ records }),
        });
        expect(res.status).toBe(200);
        // the server stops as soon as the answer starts: the rows still being handed to the log are
        // waited for, then flushed
        closing = asyncServer.close();
        const b = (await res.json()) as { predicted: number; items: { predictionId: string }[] };
        expect(b.predicted).toBe(10_000);
        ids = b.items.map((it) => it.predictionId);
      } finally {
        await (closing ?? asyncServer.close());
      }
      const storage = await openStorage(dbUrl);
      try {
        const stored = new Set(await storage.predictions.ids());
        expect(ids.filter((id) => !stored.has(id))).toEqual([]);
        const row = await storage.predictions.get(ids[1]);
        expect(row).toMatchObject({ requestKind: 'batch', input: { ...CLASSIC_MUSHROOM, odor: 'a' } });
      } finally {
        await storage.close();
      }
    });

    it('speaks Open Inference Protocol v2 and the MLflow scoring protocol', async () => {
      const meta = await fetch(`${url}/v2/models/sporeprint-classic`);
      expect(((await meta.json()) as { inputs: unknown[] }).inputs).toHaveLength(22);
      const inputs = Object.entries(CLASSIC_MUSHROOM).map(([name, v]) => ({
        name,
        shape: [2],
        datatype: 'BYTES',
        data: [v, v],
      }));
      const infer = await post('/v2/models/sporeprint-classic/infer', { id: 'r1', inputs });
      expect(infer.status).toBe(200);
      const out = (await infer.json()) as { id: string; outputs: { name: string; data: unknown[] }[] };
      expect(out.id).toBe('r1');
      expect(out.outputs.find((o) => o.name === 'decision')?.data).toEqual(['poisonous', 'poisonous']);
      const cols = Object.keys(CLASSIC_MUSHROOM);
      const split = await post('/invocations', {
        dataframe_split: { columns: cols, data: [cols.map((c) => CLASSIC_MUSHROOM[c])] },
      });
      expect(((await split.json()) as { predictions: { decision: string }[] }).predictions[0].decision).toBe(
        'poisonous',
      );
      const records = await post('/invocations', { dataframe_records: [CLASSIC_MUSHROOM] });
      expect(records.status).toBe(200);
      expect((await post('/v2/models/other/infer', { inputs })).status).toBe(404);
    });

    it('serves OpenAPI, docs and Prometheus metrics', async () => {
      const spec = (await (await fetch(`${url}/openapi.json`)).json()) as {
        openapi: string;
        paths: Record<string, unknown>;
      };
      expect(spec.openapi).toMatch(/^3\./);
      expect(Object.keys(spec.paths)).toEqual(
        expect.arrayContaining(['/v1/predict', '/v1/predict/batch', '/invocations']),
      );
      expect((await fetch(`${url}/docs`)).status).toBeLessThan(400);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(
        /sporeprint_predictions_total\{decision="poisonous",model="sporeprint-classic",version="1"\} \d+/,
      );
      expect(metrics).toMatch(/sporeprint_http_request_duration_seconds_bucket/);
      expect(metrics).toMatch(/sporeprint_prediction_log_queue_depth \d+/);
      // the log's commits and rows: counters that grow with each committed prediction
      const counter = (text: string, name: string): number =>
        Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
      const rows = counter(metrics, 'sporeprint_prediction_log_rows_total');
      const commits = counter(metrics, 'sporeprint_prediction_log_commits_total');
      expect(rows).toBeGreaterThan(0);
      expect(commits).toBeGreaterThan(0);
      expect(commits).toBeLessThanOrEqual(rows);
      expect((await post('/v1/predict', CLASSIC_MUSHROOM)).status).toBe(200);
      const after = await (await fetch(`${url}/metrics`)).text();
      expect(counter(after, 'sporeprint_prediction_log_rows_total')).toBe(rows + 1);
      expect(counter(after, 'sporeprint_prediction_log_commits_total')).toBe(commits + 1);
    });

    it('guards registry actions with admin keys and hot-swaps the served model on promotion', async () => {
      const anon = await post('/v1/models/sporeprint-classic/versions/2/promote', { stage: 'Production' });
      expect(anon.status).toBe(401);
      const weak = await post(
        '/v1/models/sporeprint-classic/versions/2/promote',
        {},
        { authorization: `Bearer ${predictKey}` },
      );
      expect(weak.status).toBe(403);
      const wrong = await post(
        '/v1/models/sporeprint-classic/versions/2/promote',
        {},
        { authorization: 'Bearer sp_nope' },
      );
      expect(wrong.status).toBe(401);
      const ok = await post(
        '/v1/models/sporeprint-classic/versions/2/promote',
        { reason: 'better' },
        { authorization: `Bearer ${adminKey}` },
      );
      expect(ok.status).toBe(200);
      const deadline = Date.now() + 2000;
      let version = 1;
      while (Date.now() < deadline && version !== 2) {
        const r = (await (await post('/v1/predict', CLASSIC_MUSHROOM)).json()) as {
          model: { version: number };
        };
        version = r.model.version;
      }
      expect(version).toBe(2);
      const models = (await (await fetch(`${url}/v1/models/sporeprint-classic`)).json()) as {
        model: { productionVersion: number };
      };
      expect(models.model.productionVersion).toBe(2);
    });
  });
}
