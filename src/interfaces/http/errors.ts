import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, isSporeprintError } from '../../core/index.js';

/** The one place that maps domain error codes to HTTP statuses. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  SP_ERR_VALIDATION: 422,
  SP_ERR_BAD_PARAM: 400,
  SP_ERR_BAD_DATA: 400,
  SP_ERR_USAGE: 400,
  SP_ERR_NOT_FOUND: 404,
  SP_ERR_CONFLICT: 409,
  SP_ERR_REGISTRY_STATE: 409,
  SP_ERR_QUALITY_GATE: 409,
  SP_ERR_UNAUTHORIZED: 401,
  SP_ERR_FORBIDDEN: 403,
  SP_ERR_RATE_LIMITED: 429,
  SP_ERR_NOT_READY: 503,
  SP_ERR_DATABASE: 503,
  SP_ERR_ARTIFACT_CORRUPT: 500,
};

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

/** HTTP status of a domain error code. */
export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/** Builds an error body. */
export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/**
 * Fastify error handler: domain errors keep their code and message; framework errors (bad JSON, body
 * too large, unsupported media type) get stable codes; anything else is a 500 with no stack trace.
 */
export function handleError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (isSporeprintError(err)) {
    const status = statusOf(err.code);
    if (status >= 500) req.log.error({ err }, err.message);
    void reply.status(status).send(errorBody(err.code, err.message, err.details));
    return;
  }
  const fe = err as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      void reply.status(400).send(errorBody('SP_ERR_BAD_REQUEST', `malformed JSON body: ${fe.message}`));
      return;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      void reply.status(413).send(errorBody('SP_ERR_PAYLOAD_TOO_LARGE', fe.message));
      return;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      void reply.status(415).send(errorBody('SP_ERR_UNSUPPORTED_MEDIA_TYPE', fe.message));
      return;
    default:
      break;
  }
  if (fe.statusCode === 429) {
    void reply.status(429).send(errorBody('SP_ERR_RATE_LIMITED', fe.message));
    return;
  }
  if (fe.validation) {
    void reply.status(400).send(errorBody('SP_ERR_BAD_REQUEST', fe.message));
    return;
  }
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    void reply.status(fe.statusCode).send(errorBody('SP_ERR_BAD_REQUEST', fe.message));
    return;
  }
  req.log.error({ err }, 'unhandled error');
  void reply.status(500).send(errorBody('SP_ERR_INTERNAL', 'internal error (see the server log)'));
}
