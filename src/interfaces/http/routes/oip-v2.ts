import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SporeprintError } from '../../../core/index.js';
import { validationError } from '../errors.js';
import { AUTH_ERRORS, BODY_ERRORS, errorResponses } from '../schemas/error-envelope.js';
import { NoQuery } from '../schemas/no-query.js';
import { ARM_DESCRIPTION, EXPERIMENT_DESCRIPTION, nullable } from '../schemas/prediction.js';
import { notReadyUnless, readinessOf } from './health.js';
import {
  ClientIdHeaders,
  callerOf,
  checkEveryRecord,
  countItems,
  predictGuard,
  type RouteContext,
} from './route-context.js';

const ModelParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128, description: 'the served model name' }),
});
const VersionParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  version: Type.String({ pattern: '^[0-9]{1,9}$', description: 'the loaded version' }),
});

const TensorMeta = Type.Object({
  name: Type.String(),
  datatype: Type.String(),
  shape: Type.Array(Type.Integer()),
});

const ModelMetadata = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.String()),
  platform: Type.String(),
  inputs: Type.Array(TensorMeta),
  outputs: Type.Array(TensorMeta),
});

/** One output tensor of an answer. */
const OutputTensor = Type.Object({
  name: Type.String(),
  shape: Type.Array(Type.Integer()),
  datatype: Type.String(),
  data: Type.Array(Type.Unsafe<string | number | null>({ type: ['string', 'number', 'null'] })),
});

/** The OIP v2 inference request: one tensor per feature, `data` one value per record. */
function inferBody(max: number, features: number) {
  return Type.Object(
    {
      id: Type.Optional(Type.String({ maxLength: 256 })),
      parameters: Type.Optional(Type.Object({}, { additionalProperties: true, maxProperties: 32 })),
      inputs: Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 128, description: 'a feature name' }),
            shape: Type.Array(Type.Integer({ minimum: -1 }), { maxItems: 2, description: '[n] or [n, 1]' }),
            datatype: Type.Unsafe<string>({
              type: 'string',
              enum: ['BYTES', 'FP64', 'FP32', 'INT64', 'INT32'],
            }),
            data: Type.Array(Type.Unsafe<string | number | null>({ type: ['string', 'number', 'null'] }), {
              maxItems: max,
              description: `one value per record (at most ${max} records)`,
            }),
            parameters: Type.Optional(Type.Object({}, { additionalProperties: true, maxProperties: 32 })),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: features, description: 'one tensor per feature (missing features allowed)' },
      ),
      outputs: Type.Optional(
        Type.Array(Type.Object({ name: Type.String({ maxLength: 64 }) }), { maxItems: 8 }),
      ),
    },
    { additionalProperties: false },
  );
}

/** SP_ERR_NOT_FOUND unless `name` (and `version`, when given) is the model served here. */
function checkModel(serving: RouteContext['deps']['serving'], name: string, version?: string): void {
  const m = serving.model();
  if (name !== m.name) {
    throw new SporeprintError('SP_ERR_NOT_FOUND', `model '${name}' is not served here (serving '${m.name}')`);
  }
  if (version !== undefined && Number(version) !== m.version) {
    throw new SporeprintError(
      'SP_ERR_NOT_FOUND',
      `version ${version} of '${name}' is not loaded (serving version ${m.version})`,
    );
  }
}

/** OIP v2 server health: live, and ready (the same readiness as `/health/ready`). */
const oipHealth: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const tags = ['oip-v2'];
  app.get(
    '/v2/health/live',
    {
      config: { auth: false, rateLimit: false },
      schema: {
        querystring: NoQuery,
        tags,
        response: { 200: Type.Object({ live: Type.Boolean() }), ...errorResponses() },
      },
    },
    async () => ({ live: true }),
  );
  app.get(
    '/v2/health/ready',
    {
      config: { auth: false, rateLimit: false },
      schema: {
        querystring: NoQuery,
        tags,
        response: { 200: Type.Object({ ready: Type.Boolean() }), ...errorResponses() },
      },
    },
    async () => {
      notReadyUnless(await readinessOf(ctx));
      return { ready: true };
    },
  );
};

/** OIP v2 model metadata and readiness, for the served model and its loaded version. */
const oipModels: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { serving } = ctx.deps;
  const tags = ['oip-v2'];
  const readErrors = errorResponses(404, 422);
  const metadata = (name: string, version?: string) => {
    checkModel(serving, name, version);
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
        { name: 'reason', datatype: 'BYTES', shape: [-1] },
      ],
    };
  };
  app.get(
    '/v2/models/:name',
    {
      schema: {
        querystring: NoQuery,
        tags,
        params: ModelParams,
        response: { 200: ModelMetadata, ...readErrors },
      },
    },
    async (req) => metadata(req.params.name),
  );
  app.get(
    '/v2/models/:name/versions/:version',
    {
      schema: {
        querystring: NoQuery,
        tags,
        params: VersionParams,
        response: { 200: ModelMetadata, ...readErrors },
      },
    },
    async (req) => metadata(req.params.name, req.params.version),
  );
  const ReadyAnswer = Type.Object({ name: Type.String(), ready: Type.Boolean() });
  app.get(
    '/v2/models/:name/ready',
    {
      schema: {
        querystring: NoQuery,
        tags,
        params: ModelParams,
        response: { 200: ReadyAnswer, ...readErrors },
      },
    },
    async (req) => {
      checkModel(serving, req.params.name);
      return { name: req.params.name, ready: true };
    },
  );
  app.get(
    '/v2/models/:name/versions/:version/ready',
    {
      schema: {
        querystring: NoQuery,
        tags,
        params: VersionParams,
        response: { 200: ReadyAnswer, ...readErrors },
      },
    },
    async (req) => {
      checkModel(serving, req.params.name, req.params.version);
      return { name: req.params.name, ready: true };
    },
  );
};

/** OIP v2 inference: every record checked before any is predicted. */
const oipInfer: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { serving, settings } = ctx.deps;
  const max = settings.maxRecordsPerRequest;
  const tags = ['oip-v2'];
  const body = inferBody(max, ctx.mushroom.dataset.features.length);
  const inferAnswer = Type.Object({
    model_name: Type.String(),
    model_version: Type.String(),
    id: Type.Optional(Type.String()),
    parameters: Type.Object(
      {
        arm: nullable({ type: 'string', description: ARM_DESCRIPTION }),
        experiment: nullable({ type: 'string', description: EXPERIMENT_DESCRIPTION }),
      },
      { description: 'which experiment arm answered (one version answers every record of a request)' },
    ),
    outputs: Type.Array(OutputTensor, {
      description:
        'decision, probability (P(poisonous)), prediction_id, reason (why "uncertain"; null otherwise)',
    }),
  });
  type InferBody = { id?: string; inputs: { name: string; data: (string | number | null)[] }[] };
  const infer = async (
    params: { name: string; version?: string },
    b: InferBody,
    caller: { clientId: string; unit: string | null },
  ) => {
    checkModel(serving, params.name, params.version);
    const n = b.inputs[0].data.length;
    const seen = new Set<string>();
    for (const [j, t] of b.inputs.entries()) {
      if (t.data.length !== n) {
        throw validationError(`input '${t.name}' has ${t.data.length} values, inputs[0] has ${n}`, [
          {
            field: `inputs[${j}].data`,
            problem: 'invalid',
            message: 'every input tensor must hold one value per record',
          },
        ]);
      }
      if (seen.has(t.name)) {
        throw validationError(`input '${t.name}' is given twice`, [
          { field: `inputs[${j}].name`, problem: 'invalid', message: `'${t.name}' is given twice` },
        ]);
      }
      seen.add(t.name);
    }
    // n ≤ the record cap (maxItems of every data array): records are built only now
    const records = new Array<Record<string, unknown>>(n);
    for (let i = 0; i < n; i++) {
      const r: Record<string, unknown> = {};
      for (const t of b.inputs) r[t.name] = t.data[i];
      records[i] = r;
    }
    checkEveryRecord(ctx.mushroom, records, (i) => `records[${i}]`);
    const items = await serving.predictBatch(records, { kind: 'oip', ...caller });
    countItems(ctx.metrics, items);
    const ok = items.flatMap((it) => (it.ok ? [it] : []));
    // the version that answered (an experiment's arm may not be Production; none for 0 records)
    const answered = ok.length > 0 ? ok[0] : null;
    const m = answered?.model ?? serving.model();
    return {
      model_name: m.name,
      model_version: String(m.version),
      ...(b.id === undefined ? {} : { id: b.id }),
      parameters: { arm: answered?.arm ?? null, experiment: answered?.experiment ?? null },
      outputs: [
        { name: 'decision', shape: [n], datatype: 'BYTES', data: ok.map((it) => it.decision) },
        { name: 'probability', shape: [n], datatype: 'FP64', data: ok.map((it) => it.probability) },
        { name: 'prediction_id', shape: [n], datatype: 'BYTES', data: ok.map((it) => it.predictionId) },
        { name: 'reason', shape: [n], datatype: 'BYTES', data: ok.map((it) => it.reason) },
      ],
    };
  };
  const inferErrors = errorResponses(404, ...AUTH_ERRORS, ...BODY_ERRORS);
  app.post(
    '/v2/models/:name/infer',
    {
      preParsing: predictGuard(ctx),
      schema: {
        querystring: NoQuery,
        headers: ClientIdHeaders,
        tags,
        summary: 'Open Inference Protocol v2 inference',
        description: `One tensor per feature, each \`data\` one value per record (at most ${max} records); every record is checked against the Mushroom schema before any is predicted: one invalid record is a 422 and nothing is stored.`,
        params: ModelParams,
        body,
        response: { 200: inferAnswer, ...inferErrors },
      },
    },
    async (req) => infer(req.params, req.body as InferBody, callerOf(req)),
  );
  app.post(
    '/v2/models/:name/versions/:version/infer',
    {
      preParsing: predictGuard(ctx),
      schema: {
        querystring: NoQuery,
        headers: ClientIdHeaders,
        tags,
        params: VersionParams,
        body,
        response: { 200: inferAnswer, ...inferErrors },
      },
    },
    async (req) => infer(req.params, req.body as InferBody, callerOf(req)),
  );
};

/** Open Inference Protocol v2: health, model metadata and readiness, inference. */
export const oipV2Routes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  await app.register(oipHealth, ctx);
  await app.register(oipModels, ctx);
  await app.register(oipInfer, ctx);
};
