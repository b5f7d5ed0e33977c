import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorEnvelopeSchema } from '../../src/interfaces/http/index.js';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { DEFAULT_SETTINGS } from '../../src/services/index.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { rowCounts } from '../helpers/http-client.js';
import { rawRequest } from '../helpers/raw-request.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';
import type { TestBackend } from '../helpers/test-databases.js';

const MODEL = 'sporeprint-classic';
const LONG = 'x'.repeat(100_000);

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
};
interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/**
 * Valid bodies to mutate, one per route that takes one (the base itself is never sent). Path
 * parameters name version 2, which exists: a mutation the schema let through would promote or
 * archive it, and the walk would see the history grow.
 */
const BASES: Record<string, unknown> = {
  'POST /v1/predict': CLASSIC_MUSHROOM,
  'POST /v1/predict/batch': { records: [CLASSIC_MUSHROOM] },
  'POST /v1/feedback': { predictionId: 'no-such-prediction', label: 'p', source: 'walk', replace: false },
  'POST /v2/models/{name}/infer': {
    id: 'walk',
    inputs: [{ name: 'odor', shape: [1], datatype: 'BYTES', data: ['p'] }],
  },
  'POST /v2/models/{name}/versions/{version}/infer': {
    inputs: [{ name: 'odor', shape: [1], datatype: 'BYTES', data: ['p'] }],
  },
  'POST /invocations': { dataframe_records: [CLASSIC_MUSHROOM] },
  'POST /v1/models/{name}/versions/{version}/promote': { stage: 'Production', reason: 'walk', force: false },
  'POST /v1/models/{name}/versions/{version}/archive': { reason: 'walk', force: false },
  'PUT /v1/models/{name}/aliases/{alias}': { version: 999, reason: 'walk' },
  'POST /v1/models/{name}/rollback': { reason: 'walk' },
  'POST /v1/experiments': {
    id: 'exp-walk',
    model: MODEL,
    description: 'walk',
    assignment: 'client',
    arms: [
      { name: 'control', version: 1, role: 'control', weight: 50 },
      { name: 'challenger', version: 2, role: 'challenger', weight: 50 },
    ],
    settings: { engine: 'frequentist', sequential: true, alpha: 0.05, maxDurationHours: 24 },
    reason: 'walk',
  },
  'POST /v1/experiments/{id}/start': { reason: 'walk' },
  'POST /v1/experiments/{id}/pause': { reason: 'walk' },
  'POST /v1/experiments/{id}/resume': { reason: 'walk' },
  'POST /v1/experiments/{id}/stop': { reason: 'walk' },
  'POST /v1/experiments/{id}/conclude': { winner: 'challenger', reason: 'walk', force: false },
  'PUT /v1/experiments/{id}/weights': { weights: { control: 10 }, reason: 'walk' },
  'POST /v1/alerts/silences': { matchers: ['alertname=walk'], duration: '2h', comment: 'walk' },
  'POST /v1/pipelines/{name}/runs': { params: { deploy: 'stop' } },
  'POST /v1/pipelines/runs/{id}/retry': {},
  'POST /v1/pipelines/runs/{id}/cancel': {},
};

const PARAMS: Record<string, string> = { name: MODEL, version: '2', alias: 'walker', id: 'exp-walker' };
/** A value each path parameter's schema refuses. */
const WRONG: Record<string, string> = { version: 'x-1', alias: '-bad', name: '.bad', id: 'Exp Bad' };

const typesOf = (s: Schema): string[] =>
  s.anyOf ? s.anyOf.flatMap(typesOf) : s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];

/** `base` with the value at `path` replaced. */
function setAt(base: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = Array.isArray(base) ? [...base] : { ...(base as Record<string, unknown>) };
  const [head, ...rest] = path;
  (copy as Record<string | number, unknown>)[head] = setAt(
    (base as Record<string | number, unknown>)[head],
    rest,
    value,
  );
  return copy;
}

/**
 * Bodies the schema must refuse, made from `base`: at every field it holds (depth-first), a value of
 * the wrong type, null where null is not allowed, and a 100 KB string (for a string field: longer
 * than any limit).
 */
function mutations(spec: OpenApi, base: unknown, schema: Schema): { what: string; body: unknown }[] {
  const out: { what: string; body: unknown }[] = [];
  const resolve = (s: Schema): Schema =>
    s.$ref ? resolve(spec.components.schemas[s.$ref.replace('#/components/schemas/', '')]) : s;
  const walk = (value: unknown, s0: Schema, path: (string | number)[]) => {
    const s = resolve(s0);
    const types = typesOf(s);
    const name = path.join('.') || '(body)';
    // (a field without a type gets every mutation: a schema that lets anything through is a finding)
    if (!types.includes('null')) out.push({ what: `${name} = null`, body: setAt(base, path, null) });
    if (!types.includes('string')) out.push({ what: `${name} = a string`, body: setAt(base, path, LONG) });
    else out.push({ what: `${name} = 100 KB string`, body: setAt(base, path, LONG) });
    if (!types.includes('number') && !types.includes('integer')) {
      out.push({ what: `${name} = 12345`, body: setAt(base, path, 12345) });
    }
    if (!types.includes('object')) out.push({ what: `${name} = {}`, body: setAt(base, path, { a: [1] }) });
    if (Array.isArray(value) && s.items && value.length > 0) walk(value[0], s.items, [...path, 0]);
    else if (value !== null && typeof value === 'object' && s.properties) {
      for (const [k, v] of Object.entries(value)) if (s.properties[k]) walk(v, s.properties[k], [...path, k]);
    }
  };
  walk(base, schema, []);
  return out;
}

/**
 * The walking test of issue 14: for every route and method of the OpenAPI document, requests its
 * schema refuses — wrong types, nulls, 100 KB strings in every field and parameter, a body over the
 * limit — each answered by a 4xx in the error envelope, the server still up after each, nothing stored.
 */
export function describeOpenApiWalk(backend: TestBackend): void {
  describe(`every route of the OpenAPI document refuses what its schema refuses (${backend.name})`, () => {
    let server: RunningServer;
    let storage: Storage;
    let cleanup: () => void;
    let key: string;
    let spec: OpenApi;
    const envelope = new Ajv({ strict: false }).compile(ErrorEnvelopeSchema);

    beforeAll(async () => {
      const dbUrl = backend.freshUrl();
      const prepared = await prepareServingDatabase(dbUrl);
      cleanup = prepared.cleanup;
      storage = await openStorage(dbUrl);
      key = (await storage.apiKeys.create({ name: 'walker', role: 'admin' })).secret;
      // a draft the experiment routes' path parameter names: a mutation let through would change it
      await storage.experiments.create({
        id: PARAMS.id,
        modelName: MODEL,
        description: null,
        assignment: 'client',
        arms: [
          { name: 'control', version: 1, role: 'control', weight: 1 },
          { name: 'challenger', version: 2, role: 'challenger', weight: 1 },
        ],
        settings: DEFAULT_SETTINGS,
        createdBy: 'walker',
      });
      server = await startServer(prepared.config, { version: 'test' });
      spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as OpenApi;
    }, 400_000);
    afterAll(async () => {
      await server?.close();
      await storage?.close();
      cleanup?.();
    });

    /** Checks one answer: a 4xx in the envelope, then the server still answers. */
    const expectRefused = async (what: string, status: number, text: string) => {
      // the batch reports invalid records per item (200, nothing predicted) — the one exception
      if (what.startsWith('POST /v1/predict/batch') && status === 200) {
        expect((JSON.parse(text) as { predicted: number }).predicted, what).toBe(0);
        expect((await fetch(`${server.url}/health/live`)).status, `server up after ${what}`).toBe(200);
        return;
      }
      expect(status, `${what}: ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(status, `${what}: ${text.slice(0, 200)}`).toBeLessThan(500);
      const body: unknown = JSON.parse(text);
      expect(envelope(body), `${what}: ${text.slice(0, 200)}`).toBe(true);
      expect(text.length, what).toBeLessThan(64 * 1024);
      expect((await fetch(`${server.url}/health/live`)).status, `server up after ${what}`).toBe(200);
    };

    it('walks every route and method', async () => {
      const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
      );
      expect(operations.length).toBeGreaterThanOrEqual(25);
      for (const route of ['GET /v1/experiments/{id}', 'PUT /v1/experiments/{id}/weights'])
        expect(operations.map((o) => `${o.method} ${o.path}`)).toContain(route);
      let requests = 0;
      for (const { path, method, op } of operations) {
        const before = await rowCounts(storage, MODEL);
        const route = `${method} ${path}`;
        const url = (params: Record<string, string>, query = '') =>
          `${path.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(params[p] ?? PARAMS[p]))}${query}`;
        const send = async (
          what: string,
          body: string | undefined,
          contentType = 'application/json',
          target = url({}),
        ) => {
          const res = await fetch(`${server.url}${target}`, {
            method,
            headers: {
              authorization: `Bearer ${key}`,
              ...(body === undefined ? {} : { 'content-type': contentType }),
            },
            body,
          });
          requests++;
          await expectRefused(`${route} ${what}`, res.status, await res.text());
        };
        // a query parameter the route does not take
        await send('unknown query parameter', undefined, undefined, url({}, '?unknown=1'));
        // a 100 KB value in every path and query parameter (the HTTP parser's limit, on a raw socket)
        for (const p of op.parameters ?? []) {
          const target = p.in === 'path' ? url({ [p.name]: LONG }) : url({}, `?${p.name}=${LONG}`);
          const raw = await rawRequest(
            server.url,
            `${method} ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`,
          );
          requests++;
          await expectRefused(`${route} ${p.name}=100 KB`, raw.status, raw.body);
          if (p.in === 'path')
            await send(`${p.name}=wrong`, undefined, undefined, url({ [p.name]: WRONG[p.name] }));
          if (p.in === 'query')
            await send(`?${p.name}=wrong`, undefined, undefined, url({}, `?${p.name}=wrong`));
        }
        const content = op.requestBody?.content;
        if (content !== undefined) {
          const json = content['application/json'];
          expect(json, `${route} takes JSON`).toBeDefined();
          const base = BASES[route];
          expect(base, `${route} has a base body in the walk`).toBeDefined();
          // (an optional body may be null: no body at all)
          const nullable = typesOf(json.schema).includes('null');
          for (const [what, body] of [
            ...(nullable ? [] : [['null body', 'null'] as const]),
            ['body 12345', '12345'],
            ['body "text"', '"text"'],
            ['body []', '[]'],
            ['malformed JSON', '{"a":'],
          ] as const) {
            await send(what, body);
          }
          for (const m of mutations(spec, base, json.schema)) await send(m.what, JSON.stringify(m.body));
          // over the body limit (the configured 8 MiB; single-object routes stop at 64 KiB)
          await send('9 MB body', `{"pad":"${'p'.repeat(9 * 1024 * 1024)}"}`);
          if (content['text/csv'] !== undefined) {
            await send('CSV with a 100 KB cell', `cap-shape\n${LONG}\n`, 'text/csv');
            await send('CSV unclosed quote', 'cap-shape\n"x\n', 'text/csv');
          }
          await send('XML body', '<a/>', 'application/xml');
        }
        expect(await rowCounts(storage, MODEL), `${route} stored nothing`).toEqual(before);
      }
      expect(requests).toBeGreaterThan(300);
    }, 300_000);
  });
}
