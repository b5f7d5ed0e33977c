import type { FastifyInstance, FastifyReply } from 'fastify';
import { SporeprintError } from '../../../core/index.js';
import { authenticate, requireRole } from '../auth.js';
import type { HttpDeps } from '../http-deps.js';
import type { HttpMetrics } from '../metrics.js';
import { countPrediction } from './predict-routes.js';

const noValidation = () => () => true;

interface OipTensor {
  name?: unknown;
  shape?: unknown;
  datatype?: unknown;
  data?: unknown;
}

/** Health, Prometheus, Open Inference Protocol v2 and MLflow scoring routes. */
export function standardRoutes(app: FastifyInstance, deps: HttpDeps, metrics: HttpMetrics): void {
  const { serving } = deps;
  const guard = async (req: import('fastify').FastifyRequest): Promise<void> => {
    req.principal = await authenticate(req, deps.keys);
    if (deps.settings.requireKeyForPredict) requireRole(req.principal, ['predict', 'admin'], 'prediction');
  };

  const live = async () => ({ status: 'live' });
  const ready = async (_req: unknown, reply: FastifyReply) => {
    let db = 'ok';
    try {
      await deps.pingDatabase();
    } catch (e) {
      db = (e as Error).message;
      metrics.dbErrors.inc({ operation: 'ping' });
    }
    const ok = serving.ready && db === 'ok';
    void reply.status(ok ? 200 : 503);
    return { status: ok ? 'ready' : 'not ready', model: serving.status(), database: db };
  };
  app.get('/health/live', { schema: { tags: ['health'], summary: 'The process is up' } }, live);
  app.get(
    '/health/ready',
    { schema: { tags: ['health'], summary: 'A verified model is loaded and the database answers' } },
    ready,
  );
  app.get('/v2/health/live', { schema: { tags: ['oip-v2'] } }, async () => ({ live: true }));
  app.get('/v2/health/ready', { schema: { tags: ['oip-v2'] } }, async (req, reply) => {
    const r = await ready(req, reply);
    return { ready: r.status === 'ready' };
  });

  app.get(
    '/metrics',
    { schema: { tags: ['health'], summary: 'Prometheus metrics' } },
    async (_req, reply) => {
      void reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );

  const checkModel = (name: string, version?: string): void => {
    const m = serving.model();
    if (name !== m.name)
      throw new SporeprintError(
        'SP_ERR_NOT_FOUND',
        `model '${name}' is not served here (serving '${m.name}')`,
      );
    if (version !== undefined && Number(version) !== m.version) {
      throw new SporeprintError(
        'SP_ERR_NOT_FOUND',
        `version ${version} of '${name}' is not loaded (serving version ${m.version})`,
      );
    }
  };
  const metadata = async (req: { params: { name: string; version?: string } }) => {
    checkModel(req.params.name, req.params.version);
    const m = serving.model();
    return {
      name: m.name,
      versions: [String(m.version)],
      platform: 'sporeprint',
      inputs: m.pipeline.schema.features.map((f) => ({
        name: f.name,
        datatype: f.kind === 'numeric' ? 'FP64' : 'BYTES',
        shape: [-1],
      })),
      outputs: [
        { name: 'decision', datatype: 'BYTES', shape: [-1] },
        { name: 'probability', datatype: 'FP64', shape: [-1] },
        { name: 'prediction_id', datatype: 'BYTES', shape: [-1] },
      ],
    };
  };
  app.get<{ Params: { name: string } }>('/v2/models/:name', { schema: { tags: ['oip-v2'] } }, metadata);
  app.get<{ Params: { name: string; version: string } }>(
    '/v2/models/:name/versions/:version',
    { schema: { tags: ['oip-v2'] } },
    metadata,
  );
  const modelReady = async (req: { params: { name: string; version?: string } }) => {
    checkModel(req.params.name, req.params.version);
    return { name: req.params.name, ready: true };
  };
  app.get<{ Params: { name: string } }>(
    '/v2/models/:name/ready',
    { schema: { tags: ['oip-v2'] } },
    modelReady,
  );
  app.get<{ Params: { name: string; version: string } }>(
    '/v2/models/:name/versions/:version/ready',
    { schema: { tags: ['oip-v2'] } },
    modelReady,
  );

  const infer = async (
    req: import('fastify').FastifyRequest<{ Params: { name: string; version?: string }; Body: unknown }>,
  ) => {
    checkModel(req.params.name, req.params.version);
    const body = req.body as { id?: unknown; inputs?: unknown } | null;
    if (!Array.isArray(body?.inputs) || body.inputs.length === 0) {
      throw new SporeprintError(
        'SP_ERR_VALIDATION',
        'infer needs "inputs": one tensor per feature, each {name, shape, datatype, data}',
        {
          problems: [
            {
              field: 'inputs',
              problem: 'wrong_type',
              message: 'inputs must be a non-empty array of tensors',
            },
          ],
        },
      );
    }
    const tensors = body.inputs as OipTensor[];
    let n = -1;
    for (const t of tensors) {
      if (typeof t.name !== 'string' || !Array.isArray(t.data)) {
        throw new SporeprintError(
          'SP_ERR_VALIDATION',
          'each input tensor needs a string "name" and a "data" array',
          {
            problems: [
              {
                field: String(t.name ?? '(unnamed)'),
                problem: 'wrong_type',
                message: 'tensor needs name and data',
              },
            ],
          },
        );
      }
      if (n >= 0 && t.data.length !== n) {
        throw new SporeprintError(
          'SP_ERR_VALIDATION',
          `input '${t.name}' has ${t.data.length} values, others have ${n}`,
          {
            problems: [
              { field: t.name, problem: 'wrong_type', message: 'all inputs must have the same length' },
            ],
          },
        );
      }
      n = t.data.length;
    }
    const records = Array.from({ length: n }, (_, i) =>
      Object.fromEntries(tensors.map((t) => [t.name as string, (t.data as unknown[])[i]])),
    );
    const items = await serving.predictBatch(records, { kind: 'oip', clientId: req.principal?.id ?? req.ip });
    const bad = items.find((it) => !it.ok);
    if (bad && !bad.ok) {
      throw new SporeprintError(
        'SP_ERR_VALIDATION',
        `row ${bad.index}: ${bad.problems.map((p) => p.message).join('; ')}`,
        {
          problems: bad.problems,
          row: bad.index,
        },
      );
    }
    const ok = items.filter((it) => it.ok);
    for (const it of ok) countPrediction(metrics, it);
    const m = serving.model();
    return {
      model_name: m.name,
      model_version: String(m.version),
      ...(typeof body.id === 'string' ? { id: body.id } : {}),
      outputs: [
        { name: 'decision', shape: [n], datatype: 'BYTES', data: ok.map((it) => it.decision) },
        { name: 'probability', shape: [n], datatype: 'FP64', data: ok.map((it) => it.probability) },
        { name: 'prediction_id', shape: [n], datatype: 'BYTES', data: ok.map((it) => it.predictionId) },
      ],
    };
  };
  app.post<{ Params: { name: string }; Body: unknown }>(
    '/v2/models/:name/infer',
    {
      schema: { tags: ['oip-v2'], summary: 'Open Inference Protocol v2 inference' },
      validatorCompiler: noValidation,
      preHandler: guard,
    },
    infer,
  );
  app.post<{ Params: { name: string; version: string }; Body: unknown }>(
    '/v2/models/:name/versions/:version/infer',
    { schema: { tags: ['oip-v2'] }, validatorCompiler: noValidation, preHandler: guard },
    infer,
  );

  app.post<{ Body: unknown }>(
    '/invocations',
    {
      schema: {
        tags: ['mlflow'],
        summary: 'MLflow scoring protocol: {dataframe_split: {columns, data}} or {dataframe_records: [...]}',
      },
      validatorCompiler: noValidation,
      preHandler: guard,
    },
    async (req) => {
      const body = req.body as {
        dataframe_split?: { columns?: unknown; data?: unknown };
        dataframe_records?: unknown;
      } | null;
      let records: unknown[];
      if (body?.dataframe_split) {
        const { columns, data } = body.dataframe_split;
        if (!Array.isArray(columns) || !Array.isArray(data) || !data.every(Array.isArray)) {
          throw new SporeprintError(
            'SP_ERR_VALIDATION',
            'dataframe_split needs "columns" (names) and "data" (rows of values)',
            {
              problems: [
                {
                  field: 'dataframe_split',
                  problem: 'wrong_type',
                  message: 'columns and data arrays required',
                },
              ],
            },
          );
        }
        records = (data as unknown[][]).map((row) =>
          Object.fromEntries(columns.map((c, j) => [String(c), row[j]])),
        );
      } else if (Array.isArray(body?.dataframe_records)) {
        records = body.dataframe_records;
      } else {
        throw new SporeprintError(
          'SP_ERR_VALIDATION',
          'the body needs "dataframe_split" or "dataframe_records"',
          {
            problems: [
              {
                field: '(body)',
                problem: 'wrong_type',
                message: 'dataframe_split or dataframe_records required',
              },
            ],
          },
        );
      }
      const items = await serving.predictBatch(records, {
        kind: 'mlflow',
        clientId: req.principal?.id ?? req.ip,
      });
      const bad = items.find((it) => !it.ok);
      if (bad && !bad.ok) {
        throw new SporeprintError(
          'SP_ERR_VALIDATION',
          `record ${bad.index}: ${bad.problems.map((p) => p.message).join('; ')}`,
          {
            problems: bad.problems,
            row: bad.index,
          },
        );
      }
      return {
        predictions: items.map((it) => {
          if (!it.ok) return null;
          countPrediction(metrics, it);
          return { decision: it.decision, probability: it.probability, predictionId: it.predictionId };
        }),
      };
    },
  );
}
