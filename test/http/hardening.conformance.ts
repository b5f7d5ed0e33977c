import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { client, type ErrorAnswer, rowCounts } from '../helpers/http-client.js';
import { rawRequest } from '../helpers/raw-request.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';
import type { TestBackend } from '../helpers/test-databases.js';

const MODEL = 'sporeprint-classic';
const cols = Object.keys(CLASSIC_MUSHROOM);
const oipInputs = (rows: number, value: (name: string) => unknown = (n) => CLASSIC_MUSHROOM[n]) =>
  cols.map((name) => ({ name, shape: [rows], datatype: 'BYTES', data: new Array(rows).fill(value(name)) }));

/** Issue 14's HTTP defects, each as it was reported, on a real server (per storage backend). */
export function describeHardening(backend: TestBackend): void {
  describe(`HTTP hardening (issue 14) on ${backend.name}`, () => {
    let server: RunningServer;
    let storage: Storage;
    let cleanup: () => void;
    let admin: ReturnType<typeof client>;
    let anon: ReturnType<typeof client>;
    let url: string;
    let config: Awaited<ReturnType<typeof prepareServingDatabase>>['config'];

    beforeAll(async () => {
      const dbUrl = backend.freshUrl();
      const prepared = await prepareServingDatabase(dbUrl);
      cleanup = prepared.cleanup;
      config = prepared.config;
      storage = await openStorage(dbUrl);
      const adminKey = (await storage.apiKeys.create({ name: 'admin', role: 'admin' })).secret;
      server = await startServer(config, { version: 'test' });
      url = server.url;
      admin = client(url, adminKey);
      anon = client(url);
    }, 400_000);
    afterAll(async () => {
      await server?.close();
      await storage?.close();
      cleanup?.();
    });

    const expectNothingStored = async (before: Record<string, number>) => {
      expect(await rowCounts(storage, MODEL)).toEqual(before);
    };

    it('defect 1: OIP v2 and /invocations cap the records of a request before any work (422, nothing stored)', async () => {
      const before = await rowCounts(storage, MODEL);
      const oip = await anon.post(`/v2/models/${MODEL}/infer`, { inputs: oipInputs(10_001) });
      expect(oip.status).toBe(422);
      const e = (await oip.json()) as ErrorAnswer;
      expect(e.error.details?.problems?.[0]).toMatchObject({ field: 'inputs[0].data', problem: 'too_many' });
      const records = new Array(10_001).fill(CLASSIC_MUSHROOM);
      for (const body of [
        { dataframe_records: records },
        {
          dataframe_split: {
            columns: cols,
            data: new Array(10_001).fill(cols.map((c) => CLASSIC_MUSHROOM[c])),
          },
        },
        { instances: records },
        { inputs: records },
      ]) {
        const res = await anon.post('/invocations', body);
        expect(res.status).toBe(422);
        expect(((await res.json()) as ErrorAnswer).error.details?.problems?.[0].problem).toBe('too_many');
      }
      // the request: a million rows of one feature (5 MB) is refused before it is even parsed
      const million = `{"inputs":[{"name":"cap-shape","shape":[1000000],"datatype":"BYTES","data":[${'"x",'.repeat(999_999)}"x"]}]}`;
      const big = await anon.post(`/v2/models/${MODEL}/infer`, million);
      expect(big.status).toBe(413);
      expect(((await big.json()) as ErrorAnswer).error.message).toMatch(/more than \d+ values/);
      await expectNothingStored(before);
      expect((await anon.get('/health/live')).status).toBe(200);
    });

    it('defect 3: a rejected request stores nothing (MLflow and OIP validate every record first)', async () => {
      const before = await rowCounts(storage, MODEL);
      const mlflow = await anon.post('/invocations', {
        dataframe_records: [{ 'cap-shape': 'x' }, { 'cap-shape': 'q' }],
      });
      expect(mlflow.status).toBe(422);
      const e = (await mlflow.json()) as ErrorAnswer;
      expect(e.error.details).toMatchObject({
        invalidRecords: 1,
        problems: [{ field: 'records[1].cap-shape', problem: 'unknown_code', record: 1 }],
      });
      expect(e.error.details?.allowed?.['cap-shape']).toMatch(/b = bell/);
      const inputs = [
        { name: 'cap-shape', shape: [2], datatype: 'BYTES', data: ['x', 'q'] },
        { name: 'odor', shape: [2], datatype: 'BYTES', data: ['p', 'p'] },
      ];
      expect((await anon.post(`/v2/models/${MODEL}/infer`, { inputs })).status).toBe(422);
      await expectNothingStored(before);
    });

    it('defect 5: error answers are bounded: 600,000 unknown keys, 10,000 invalid records', async () => {
      const parts: string[] = [];
      for (let i = 0; i < 600_000; i++) parts.push(`"k${i}":0`);
      const keys = `{"records":[{${parts.join(',')}}]}`;
      expect(keys.length).toBeGreaterThan(7_000_000);
      const t0 = performance.now();
      // more values than 10,000 records can hold: refused before parsing
      const res = await anon.post('/v1/predict/batch', keys);
      expect(res.status).toBe(413);
      expect((await res.text()).length).toBeLessThan(1_000);
      // 60,000 unknown keys in one record (within the budget): that record's problems, bounded
      const some = await anon.post(
        '/v1/predict/batch',
        `{"records":[{${parts.slice(0, 60_000).join(',')}}]}`,
      );
      const text = await some.text();
      expect(some.status).toBe(200);
      expect(text.length).toBeLessThan(4_000);
      const item = (JSON.parse(text) as { items: { ok: boolean; problems: { problem: string }[] }[] })
        .items[0];
      expect(item.ok).toBe(false);
      expect(item.problems.length).toBeLessThanOrEqual(10);
      // the same keys in one mushroom on /v1/predict are refused by its 64 KiB body limit
      const single = await anon.post('/v1/predict', `{${parts.join(',')}}`);
      expect(single.status).toBe(413);
      expect(performance.now() - t0).toBeLessThan(30_000);
      // 10,000 invalid records: every problem message short, the allowed codes once per field
      const bad = Object.fromEntries(cols.map((c) => [c, 'Q']));
      const many = await anon.post('/v1/predict/batch', { records: new Array(10_000).fill(bad) });
      const manyText = await many.text();
      expect(many.status).toBe(200);
      const b = JSON.parse(manyText) as {
        invalid: number;
        allowed: Record<string, string>;
        items: { problems: { message: string }[] }[];
      };
      expect(b.invalid).toBe(10_000);
      expect(b.items[0].problems).toHaveLength(10);
      expect(b.items[0].problems[0].message).toBe("cap-shape: unknown code 'Q'");
      expect(b.allowed['cap-shape']).toMatch(/^b = bell, c = conical/);
      expect(manyText.length / 10_000).toBeLessThan(2_048);
      // all-or-nothing endpoints: 20 problems at most, the rest counted
      const oip = await anon.post(`/v2/models/${MODEL}/infer`, { inputs: oipInputs(10_000, () => 'Q') });
      const oipText = await oip.text();
      expect(oip.status).toBe(422);
      expect(oipText.length).toBeLessThan(16_000);
      const oe = JSON.parse(oipText) as ErrorAnswer;
      expect(oe.error.details?.problems).toHaveLength(20);
      expect(oe.error.details?.invalidRecords).toBe(10_000);
    });

    it('defect 6: a malformed CSV batch is a 400 (unclosed quote, ragged row, binary)', async () => {
      const header = cols.join(',');
      const row = cols.map((c) => CLASSIC_MUSHROOM[c]).join(',');
      for (const body of [
        `${header}\n"${row}\n`,
        `${header}\n${row},x\n`,
        `${header}\n${row}\n\u0000\u0001\u0002`,
      ]) {
        const res = await anon.post('/v1/predict/batch', body, { 'content-type': 'text/csv' });
        expect(res.status).toBe(400);
        expect(((await res.json()) as ErrorAnswer).error.code).toBe('SP_ERR_BAD_REQUEST');
      }
      // an unknown column is refused before any row is read
      const unknown = await anon.post('/v1/predict/batch', `${header},colour\n${row},red\n`, {
        'content-type': 'text/csv',
      });
      expect(unknown.status).toBe(422);
    });

    it('defect 7: registry bodies are type- and length-checked (422 naming the field), nothing written', async () => {
      const before = await rowCounts(storage, MODEL);
      const cases: [string, 'post' | 'put', unknown, string][] = [
        [`/v1/models/${MODEL}/versions/2/promote`, 'post', { reason: { a: 1 } }, 'reason'],
        [`/v1/models/${MODEL}/versions/2/promote`, 'post', { reason: { a: 1 }, force: true }, 'reason'],
        [`/v1/models/${MODEL}/versions/2/promote`, 'post', { reason: 'x'.repeat(100_000) }, '(body)'],
        [`/v1/models/${MODEL}/versions/2/promote`, 'post', { reason: 'y'.repeat(1_001) }, 'reason'],
        [`/v1/models/${MODEL}/versions/2/promote`, 'post', { force: 'yes' }, 'force'],
        [`/v1/models/${MODEL}/versions/2/promote`, 'post', { stage: 'Prod' }, 'stage'],
        [`/v1/models/${MODEL}/aliases/champion`, 'put', { version: 2, reason: { a: 1 } }, 'reason'],
        [`/v1/models/${MODEL}/aliases/champion`, 'put', { version: '2' }, 'version'],
        [`/v1/models/${MODEL}/aliases/9bad`, 'put', { version: 2 }, 'alias'],
        [`/v1/models/${MODEL}/rollback`, 'post', { reason: 5 }, 'reason'],
        [`/v1/models/${MODEL}/versions/2/archive`, 'post', { reason: ['x'] }, 'reason'],
      ];
      for (const [path, method, body, field] of cases) {
        const res = await admin[method](path, body);
        const e = (await res.json()) as ErrorAnswer;
        if (field === '(body)') {
          expect(res.status, path).toBe(413);
          continue;
        }
        expect(res.status, `${path} ${JSON.stringify(body).slice(0, 60)}`).toBe(422);
        expect(e.error.details?.problems?.[0].field).toBe(field);
      }
      await expectNothingStored(before);
      expect((await admin.get(`/v1/models/${MODEL}/versions/abc`)).status).toBe(422);
    });

    it('defect 7: no database driver text reaches a client (SP_ERR_DATABASE is a generic 503)', async () => {
      // a model name the registry accepts but no row has: the answer is the service's, not the driver's
      const res = await admin.get(`/v1/models/${'m'.repeat(128)}`);
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).not.toMatch(/SQLITE|ER_|sql|select|insert/i);
    });

    it('defect 8: {"inputs":[null]} on OIP infer is a 422', async () => {
      const res = await anon.post(`/v2/models/${MODEL}/infer`, { inputs: [null] });
      expect(res.status).toBe(422);
      expect(((await res.json()) as ErrorAnswer).error.details?.problems?.[0].field).toBe('inputs[0]');
    });

    it('defect 10: every error is the envelope: 404, 405, 413, 415, 414, 431, 400 for a bad URL', async () => {
      const expectEnvelope = async (res: Response, status: number, code: string) => {
        expect(res.status).toBe(status);
        const e = (await res.json()) as ErrorAnswer;
        expect(e.error.code).toBe(code);
        expect(typeof e.error.message).toBe('string');
      };
      await expectEnvelope(await anon.get('/v1/nothing'), 404, 'SP_ERR_NOT_FOUND');
      const wrongMethod = await anon.get('/v1/predict');
      expect(wrongMethod.headers.get('allow')).toBe('POST');
      await expectEnvelope(wrongMethod, 405, 'SP_ERR_METHOD_NOT_ALLOWED');
      await expectEnvelope(
        await anon.post('/v1/predict', JSON.stringify({ padding: 'x'.repeat(70_000) })),
        413,
        'SP_ERR_PAYLOAD_TOO_LARGE',
      );
      await expectEnvelope(
        await anon.post('/v1/predict', '<m/>', { 'content-type': 'application/xml' }),
        415,
        'SP_ERR_UNSUPPORTED_MEDIA_TYPE',
      );
      await expectEnvelope(await anon.get(`/v2/models/${'n'.repeat(300)}`), 414, 'SP_ERR_URI_TOO_LONG');
      await expectEnvelope(await anon.get('/v1/models/%E0%A4%A'), 400, 'SP_ERR_BAD_REQUEST');
      // the HTTP parser's refusals, on a raw socket
      const longUrl = await rawRequest(
        url,
        `GET /v1/models/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      );
      expect(longUrl.status).toBe(414);
      expect((JSON.parse(longUrl.body) as ErrorAnswer).error.code).toBe('SP_ERR_URI_TOO_LONG');
      const bigHeaders = await rawRequest(
        url,
        `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(20_000)}\r\n\r\n`,
      );
      expect(bigHeaders.status).toBe(431);
      expect((JSON.parse(bigHeaders.body) as ErrorAnswer).error.code).toBe('SP_ERR_HEADERS_TOO_LARGE');
    });

    it('defect 11: ?explain=yes is a 422; the bearer scheme is case-insensitive', async () => {
      const res = await anon.post('/v1/predict?explain=yes', CLASSIC_MUSHROOM);
      expect(res.status).toBe(422);
      expect(((await res.json()) as ErrorAnswer).error.details?.problems?.[0]).toMatchObject({
        field: 'explain',
        in: 'query',
      });
      const storageKey = (await storage.apiKeys.create({ name: 'lower', role: 'predict' })).secret;
      for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
        const r = await anon.post('/v1/predict', CLASSIC_MUSHROOM, {
          authorization: `${scheme} ${storageKey}`,
        });
        expect(r.status, scheme).toBe(200);
      }
      // a key that does not verify is refused, whatever the case of the scheme
      expect(
        (await anon.post('/v1/predict', CLASSIC_MUSHROOM, { authorization: 'bearer sp_nope' })).status,
      ).toBe(401);
    });

    it('feedback: "replace" corrects a label (HTTP form), the label message names both spellings', async () => {
      const p = (await (await anon.post('/v1/predict', CLASSIC_MUSHROOM)).json()) as { predictionId: string };
      expect((await anon.post('/v1/feedback', { predictionId: p.predictionId, label: 'p' })).status).toBe(
        201,
      );
      const conflict = await anon.post('/v1/feedback', { predictionId: p.predictionId, label: 'edible' });
      expect(conflict.status).toBe(409);
      const fixed = await anon.post('/v1/feedback', {
        predictionId: p.predictionId,
        label: 'e',
        replace: true,
      });
      expect(fixed.status).toBe(200);
      expect(((await fixed.json()) as { status: string }).status).toBe('replaced');
      const bad = await anon.post('/v1/feedback', { predictionId: p.predictionId, label: 'x' });
      expect(bad.status).toBe(422);
      expect(((await bad.json()) as ErrorAnswer).error.message).toMatch(/e, p, edible, poisonous/);
    });

    it('answers name missing features, carry the novelty threshold, and OIP/MLflow keep the reason', async () => {
      const sparse = {
        'cap-shape': 'b',
        odor: 'm',
        'gill-color': 'e',
        'stalk-root': 'r',
        'spore-print-color': 'b',
        habitat: 'w',
      };
      const r = (await (await anon.post('/v1/predict', sparse)).json()) as {
        decision: string;
        warnings: string[];
        novelty: number;
        noveltyThreshold: number;
        reason: string;
      };
      expect(r.decision).toBe('uncertain');
      expect(r.warnings[0]).toMatch(/^missing features: cap-surface, cap-color, bruises/);
      expect(r.noveltyThreshold).toBeGreaterThan(0);
      expect(r.novelty).toBeGreaterThan(r.noveltyThreshold);
      const oip = (await (
        await anon.post(`/v2/models/${MODEL}/infer`, {
          inputs: Object.entries(sparse).map(([name, v]) => ({
            name,
            shape: [1],
            datatype: 'BYTES',
            data: [v],
          })),
        })
      ).json()) as { outputs: { name: string; data: unknown[] }[] };
      expect(oip.outputs.find((o) => o.name === 'reason')?.data).toEqual([r.reason]);
      const mlflow = (await (await anon.post('/invocations', { dataframe_records: [sparse] })).json()) as {
        predictions: { reason: string }[];
      };
      expect(mlflow.predictions[0].reason).toBe(r.reason);
      // a CSV batch with a class column says it ignored it
      const csv = `class,${cols.join(',')}\np,${cols.map((c) => CLASSIC_MUSHROOM[c]).join(',')}\n`;
      const b = (await (
        await anon.post('/v1/predict/batch', csv, { 'content-type': 'text/csv' })
      ).json()) as {
        predicted: number;
        warnings: string[];
        noveltyThreshold: number;
      };
      expect(b.predicted).toBe(1);
      expect(b.warnings[0]).toMatch(/column 'class' ignored/);
      expect(b.noveltyThreshold).toBe(r.noveltyThreshold);
    });

    it('MLflow: the four JSON bodies and text/csv, plus GET /ping and GET /version', async () => {
      const row = cols.map((c) => CLASSIC_MUSHROOM[c]);
      const bodies = [
        { dataframe_split: { columns: cols, data: [row, row], index: [0, 1] } },
        { dataframe_records: [CLASSIC_MUSHROOM, CLASSIC_MUSHROOM] },
        { instances: [CLASSIC_MUSHROOM, CLASSIC_MUSHROOM] },
        { instances: [row, row] },
        { inputs: [CLASSIC_MUSHROOM, CLASSIC_MUSHROOM] },
        {
          inputs: Object.fromEntries(cols.map((c) => [c, [CLASSIC_MUSHROOM[c], CLASSIC_MUSHROOM[c]]])),
          params: {},
        },
      ];
      for (const body of bodies) {
        const res = await anon.post('/invocations', body);
        expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(200);
        const p = (await res.json()) as { predictions: { decision: string }[] };
        expect(p.predictions.map((x) => x.decision)).toEqual(['poisonous', 'poisonous']);
      }
      const csv = await anon.post('/invocations', `${cols.join(',')}\n${row.join(',')}\n`, {
        'content-type': 'text/csv',
      });
      expect(csv.status).toBe(200);
      expect((await anon.post('/invocations', { dataframe_records: [], inputs: [] })).status).toBe(422);
      expect((await anon.get('/ping')).status).toBe(200);
      const version = await anon.get('/version');
      expect(await version.text()).toBe('test');
    });

    it('archive: an admin route calling the registry (the Production version needs force and a reason)', async () => {
      const anonArchive = await anon.post(`/v1/models/${MODEL}/versions/2/archive`, {});
      expect(anonArchive.status).toBe(401);
      const missing = await admin.post(`/v1/models/${MODEL}/versions/99/archive`, { reason: 'gone' });
      expect(missing.status).toBe(404);
      const prod = (await (await anon.get(`/v1/models/${MODEL}`)).json()) as {
        model: { productionVersion: number };
      };
      const other = prod.model.productionVersion === 1 ? 2 : 1;
      const ok = await admin.post(`/v1/models/${MODEL}/versions/${other}/archive`, { reason: 'not needed' });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { version: { stage: string } }).version.stage).toBe('Archived');
    });

    it('archive: the Production version is refused without force (409), and force needs a reason', async () => {
      const show = async () =>
        (await (await anon.get(`/v1/models/${MODEL}`)).json()) as { model: { productionVersion: number } };
      const prod = (await show()).model.productionVersion;
      const history = async () =>
        ((await (await anon.get(`/v1/models/${MODEL}/history`)).json()) as unknown[]).length;
      const before = await history();
      const refused = await admin.post(`/v1/models/${MODEL}/versions/${prod}/archive`, { reason: 'tidy up' });
      expect(refused.status).toBe(409);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('SP_ERR_REGISTRY_STATE');
      expect(body.error.message).toMatch(/promote another version first/i);
      const noReason = await admin.post(`/v1/models/${MODEL}/versions/${prod}/archive`, { force: true });
      expect(noReason.status).toBeGreaterThanOrEqual(400);
      expect(noReason.status).toBeLessThan(500);
      // nothing changed
      expect((await show()).model.productionVersion).toBe(prod);
      expect(await history()).toBe(before);
      const forced = await admin.post(`/v1/models/${MODEL}/versions/${prod}/archive`, {
        force: true,
        reason: 'withdrawn',
      });
      expect(forced.status).toBe(200);
      expect((await show()).model.productionVersion).toBeNull();
      // leave a Production version for whatever runs next
      const back = await admin.post(`/v1/models/${MODEL}/versions/${prod}/promote`, {
        force: true,
        reason: 'restore',
      });
      expect(back.status).toBe(200);
    });
  });
}
