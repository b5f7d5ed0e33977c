import { parse as parseCsv } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { SporeprintError } from '../../../core/index.js';
import type { PredictionResult } from '../../../services/index.js';
import { authenticate, requireRole } from '../auth.js';
import type { HttpDeps } from '../http-deps.js';
import type { HttpMetrics } from '../metrics.js';
import { errorSchema, mushroomJsonSchema, predictionSchema } from '../schemas.js';

const noValidation = () => () => true;

const BATCH_URL = '/v1/predict/batch';

declare module 'fastify' {
  interface FastifyRequest {
    /** A `POST /v1/predict/batch` JSON body's text, as received (null otherwise). */
    jsonText: string | null;
  }
}

/** Parses a CSV body (header row of feature names, `;` or `,`) into records. */
export function csvRecords(text: string): Record<string, string>[] {
  const firstLine = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length);
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  try {
    const rows = parseCsv(text, {
      columns: true,
      delimiter,
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }) as Record<string, string>[];
    return rows.map((r) => {
      const { class: _label, ...rest } = r;
      return rest;
    });
  } catch (e) {
    throw new SporeprintError('SP_ERR_BAD_REQUEST', `CSV body cannot be parsed: ${(e as Error).message}`);
  }
}

/** Counts a prediction in the metrics. */
export function countPrediction(metrics: HttpMetrics, r: PredictionResult, n = 1): void {
  metrics.predictions.inc({ decision: r.decision, model: r.model.name, version: String(r.model.version) }, n);
}

/** POST /v1/predict, /v1/predict/batch, /v1/feedback. */
export function predictRoutes(app: FastifyInstance, deps: HttpDeps, metrics: HttpMetrics): void {
  const { serving, settings } = deps;
  const mushroom = mushroomJsonSchema(deps.schema);
  const guard = async (req: import('fastify').FastifyRequest): Promise<void> => {
    req.principal = await authenticate(req, deps.keys);
    if (settings.requireKeyForPredict) requireRole(req.principal, ['predict', 'admin'], 'prediction');
  };

  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_req, body, done) => {
    done(null, { csv: body as string });
  });
  // Fastify's own JSON parser (same limits, same errors), keeping a batch body's text: the batch journal
  // stores the records as received instead of serialising them again
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.decorateRequest('jsonText', null);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (req.routeOptions.url === BATCH_URL) req.jsonText = body as string;
    parseJson(req, body as string, done);
  });

  app.post<{ Querystring: { explain?: string }; Body: unknown }>(
    '/v1/predict',
    {
      schema: {
        summary: 'Classify one mushroom',
        description:
          'Answers edible, poisonous or uncertain with P(poisonous). "uncertain" is returned rather than guessing "edible". The prediction is stored before the response is sent.',
        tags: ['predict'],
        querystring: { type: 'object', properties: { explain: { type: 'string', enum: ['true', 'false'] } } },
        body: mushroom,
        response: { 200: predictionSchema, 422: errorSchema, 503: errorSchema },
      },
      validatorCompiler: noValidation,
      preHandler: guard,
    },
    async (req) => {
      const r = await serving.predict(req.body, {
        explain: req.query.explain === 'true',
        clientId: req.principal?.id ?? req.ip,
      });
      countPrediction(metrics, r);
      return r;
    },
  );

  app.post<{ Body: unknown }>(
    BATCH_URL,
    {
      schema: {
        summary: 'Classify up to 10,000 mushrooms (JSON or CSV upload)',
        description:
          'JSON: {"records": [mushroom, …]}; or a text/csv body with a header row of feature names. Invalid records are reported per item; the rest are predicted. The answer is sent once the batch is durable: with the durable log, a batch of 256 records or more is committed as one journal entry (records and answer) and its predictions are in the log within about a second (feedback on them is accepted at once).',
        tags: ['predict'],
        body: {
          type: 'object',
          properties: { records: { type: 'array', items: mushroom, maxItems: settings.maxBatch } },
        },
      },
      validatorCompiler: noValidation,
      preHandler: guard,
    },
    async (req, reply) => {
      const body = req.body as { records?: unknown; csv?: string } | null;
      const records = typeof body?.csv === 'string' ? csvRecords(body.csv) : body?.records;
      if (!Array.isArray(records)) {
        throw new SporeprintError(
          'SP_ERR_VALIDATION',
          'the body must be {"records": [...]} or a text/csv upload',
          {
            problems: [
              { field: 'records', problem: 'wrong_type', message: 'records must be an array of mushrooms' },
            ],
          },
        );
      }
      if (records.length > settings.maxBatch) {
        throw new SporeprintError(
          'SP_ERR_VALIDATION',
          `a batch holds at most ${settings.maxBatch} records, got ${records.length}`,
          {
            problems: [
              { field: 'records', problem: 'too_many', message: `at most ${settings.maxBatch} records` },
            ],
          },
        );
      }
      const { items, itemsJson, durable } = await serving.classifyBatch(records, {
        clientId: req.principal?.id ?? req.ip,
        source: typeof body?.csv === 'string' ? undefined : (req.jsonText ?? undefined),
      });
      let ok = 0;
      // one counter update per decision, not per item (one model answers the whole batch)
      const counts = new Map<string, { r: PredictionResult; n: number }>();
      for (const it of items) {
        if (it.ok) {
          ok++;
          const c = counts.get(it.decision);
          if (c === undefined) counts.set(it.decision, { r: it, n: 1 });
          else c.n++;
        }
      }
      // exactly JSON.stringify({ count, predicted, invalid, items }), sent only once the batch is durable
      const text = `{"count":${items.length},"predicted":${ok},"invalid":${items.length - ok},"items":${itemsJson}}`;
      await durable;
      for (const { r, n } of counts.values()) countPrediction(metrics, r, n);
      return reply.type('application/json; charset=utf-8').send(text);
    },
  );

  app.post<{ Body: { predictionId?: unknown; label?: unknown; source?: unknown } }>(
    '/v1/feedback',
    {
      schema: {
        summary: 'Report the true class of a prediction (idempotent)',
        tags: ['predict'],
        body: {
          type: 'object',
          required: ['predictionId', 'label'],
          properties: {
            predictionId: { type: 'string' },
            label: { type: 'string', enum: ['e', 'p', 'edible', 'poisonous'] },
            source: { type: 'string' },
          },
        },
      },
      validatorCompiler: noValidation,
      preHandler: guard,
    },
    async (req, reply) => {
      const b = req.body ?? {};
      const problems = [];
      if (typeof b.predictionId !== 'string' || b.predictionId === '') {
        problems.push({
          field: 'predictionId',
          problem: 'wrong_type',
          message: 'predictionId must be the id a prediction returned',
        });
      }
      const label = b.label === 'edible' ? 'e' : b.label === 'poisonous' ? 'p' : b.label;
      if (label !== 'e' && label !== 'p') {
        problems.push({
          field: 'label',
          problem: 'unknown_code',
          message: "label must be 'e' (edible) or 'p' (poisonous)",
          allowed: 'e = edible, p = poisonous',
        });
      }
      if (problems.length > 0) {
        throw new SporeprintError('SP_ERR_VALIDATION', problems.map((p) => p.message).join('; '), {
          problems,
        });
      }
      const status = await serving.feedback(
        b.predictionId as string,
        label as 'e' | 'p',
        typeof b.source === 'string' ? b.source : undefined,
      );
      void reply.status(status === 'created' ? 201 : 200);
      return { predictionId: b.predictionId, label, status };
    },
  );
}
