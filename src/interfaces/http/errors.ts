import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { type ErrorCode, isSporeprintError, SporeprintError } from '../../core/index.js';
import type { FieldProblem } from '../../services/index.js';
import type { MushroomValidator } from './schemas/mushroom.js';
import { capped, cut, type ProblemPart, problemOf } from './validation/problems.js';

/** The one place that maps domain error codes to HTTP statuses. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  SP_ERR_VALIDATION: 422,
  SP_ERR_BAD_PARAM: 400,
  SP_ERR_BAD_DATA: 400,
  SP_ERR_BAD_REQUEST: 400,
  SP_ERR_INPUT_PARSE: 400,
  SP_ERR_USAGE: 400,
  SP_ERR_PIPELINE_SPEC: 400,
  SP_ERR_NOT_FOUND: 404,
  SP_ERR_METHOD_NOT_ALLOWED: 405,
  SP_ERR_CONFLICT: 409,
  SP_ERR_REGISTRY_STATE: 409,
  SP_ERR_QUALITY_GATE: 409,
  SP_ERR_EXPERIMENT_STATE: 409,
  SP_ERR_PIPELINE_STATE: 409,
  SP_ERR_UNAUTHORIZED: 401,
  SP_ERR_FORBIDDEN: 403,
  SP_ERR_PAYLOAD_TOO_LARGE: 413,
  SP_ERR_URI_TOO_LONG: 414,
  SP_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  SP_ERR_RATE_LIMITED: 429,
  SP_ERR_HEADERS_TOO_LARGE: 431,
  SP_ERR_NOT_READY: 503,
  SP_ERR_DATABASE: 503,
  SP_ERR_SHUTTING_DOWN: 503,
  SP_ERR_ARTIFACT_CORRUPT: 500,
};

/**
 * Codes whose messages may hold what the server must keep to itself (driver texts, paths, SQL): the
 * client gets a generic message, the server log the real one.
 */
const PRIVATE: Partial<Record<ErrorCode, string>> = {
  SP_ERR_DATABASE: 'the database is unavailable or refused the operation (see the server log)',
  SP_ERR_INTERNAL: 'internal error (see the server log)',
  SP_ERR_ARTIFACT_CORRUPT: 'a stored model artifact failed its checksum (see the server log)',
  SP_ERR_MIGRATION: 'internal error (see the server log)',
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
export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** A 422 for problems (at most 20 listed, the rest counted), with the allowed values once per field. */
export function validationError(
  message: string,
  problems: readonly FieldProblem[],
  extra: { more?: number; allowed?: Record<string, string>; invalidRecords?: number } = {},
): SporeprintError {
  const { list, more } = capped(problems);
  const total = more + (extra.more ?? 0);
  return new SporeprintError('SP_ERR_VALIDATION', message, {
    problems: list,
    ...(total > 0 ? { more: total } : {}),
    ...(extra.invalidRecords === undefined ? {} : { invalidRecords: extra.invalidRecords }),
    ...(extra.allowed && Object.keys(extra.allowed).length > 0 ? { allowed: extra.allowed } : {}),
  });
}

const PART: Readonly<Record<string, ProblemPart>> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

/** The 422 of a request Fastify's schema check rejected (one Ajv error; all of a mushroom's). */
function schemaError(fe: FastifyError, req: FastifyRequest, mushroom: MushroomValidator): SporeprintError {
  const part = PART[fe.validationContext ?? 'body'] ?? 'body';
  if (part === 'body' && req.routeOptions.schema?.body === mushroom.schema) {
    const { problems, more } = mushroom.problems(req.body);
    return validationError(mushroom.message(problems, more), problems, {
      more,
      allowed: mushroom.allowedFor(problems),
    });
  }
  const errors = (fe.validation ?? []) as FastifySchemaValidationError[];
  const problems = errors.slice(0, 20).map((e) => problemOf(e as never, part));
  const where = part === 'query' ? 'query parameter ' : part === 'params' ? 'path parameter ' : '';
  return validationError(`${where}${problems[0]?.message ?? fe.message}`, problems, {
    more: Math.max(0, errors.length - 20),
  });
}

/**
 * The error handler: domain errors keep their code (5xx ones a generic message: driver texts stay in
 * the server log); schema errors are 422s naming each field; framework errors (bad JSON, body too
 * large, unsupported media type, rate limit) get stable codes; anything else is a 500 with no stack.
 */
export function createErrorHandler(
  mushroom: MushroomValidator,
): (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => void {
  return (err, req, reply) => {
    const fe = err as FastifyError;
    let e: SporeprintError;
    if (isSporeprintError(err)) e = err;
    else if (fe.validation) e = schemaError(fe, req, mushroom);
    else e = frameworkError(fe);
    const status = statusOf(e.code);
    const hidden = PRIVATE[e.code];
    if (status >= 500 && e.code !== 'SP_ERR_NOT_READY' && e.code !== 'SP_ERR_SHUTTING_DOWN') {
      req.log.error({ err }, err.message);
    }
    if (hidden !== undefined || status === 500) {
      void reply.status(status).send(errorBody(e.code, hidden ?? 'internal error (see the server log)'));
      return;
    }
    void reply.status(status).send(errorBody(e.code, e.message, e.details));
  };
}

/** Fastify's own errors as domain errors. */
function frameworkError(fe: FastifyError): SporeprintError {
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SporeprintError('SP_ERR_BAD_REQUEST', `malformed JSON body: ${cut(fe.message, 200)}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SporeprintError('SP_ERR_PAYLOAD_TOO_LARGE', fe.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new SporeprintError('SP_ERR_UNSUPPORTED_MEDIA_TYPE', cut(fe.message, 200));
    default:
      break;
  }
  if (fe.statusCode === 429) return new SporeprintError('SP_ERR_RATE_LIMITED', fe.message || 'rate limited');
  if (fe.statusCode === 413) return new SporeprintError('SP_ERR_PAYLOAD_TOO_LARGE', cut(fe.message, 200));
  if (fe.statusCode === 415)
    return new SporeprintError('SP_ERR_UNSUPPORTED_MEDIA_TYPE', cut(fe.message, 200));
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new SporeprintError('SP_ERR_BAD_REQUEST', cut(fe.message, 200));
  }
  return new SporeprintError('SP_ERR_INTERNAL', fe.message);
}

/** Fastify's `frameworkErrors`: a malformed URL (400) or a path parameter over the length limit (414). */
export function onFrameworkError(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply
      .status(414)
      .send(errorBody('SP_ERR_URI_TOO_LONG', 'a path parameter is longer than the limit (200 characters)'));
    return;
  }
  void reply.status(400).send(errorBody('SP_ERR_BAD_REQUEST', `malformed URL: ${cut(err.message, 120)}`));
}

/** Longest request line (method, URL, version) answered 414 rather than 431. */
const LONG_REQUEST_LINE = 8 * 1024;

/**
 * Node's `clientError` (the HTTP parser refused the request): answers in the error envelope — 431 for
 * headers over the limit, 414 when it is the URL that is too long, 408 for a timeout, else 400 — and
 * closes the connection.
 */
export function onClientError(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let body = errorBody('SP_ERR_BAD_REQUEST', 'malformed HTTP request');
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    const raw = Buffer.isBuffer(err.rawPacket) ? err.rawPacket : undefined;
    const eol = raw === undefined ? -1 : raw.indexOf('\r\n');
    if (raw !== undefined && (eol < 0 ? raw.length : eol) > LONG_REQUEST_LINE) {
      status = 414;
      body = errorBody(
        'SP_ERR_URI_TOO_LONG',
        'the request URL is too long (request line and headers: 16 KiB)',
      );
    } else {
      status = 431;
      body = errorBody('SP_ERR_HEADERS_TOO_LARGE', 'the request headers exceed 16 KiB');
    }
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    body = errorBody('SP_ERR_BAD_REQUEST', 'the request was not received in time');
  }
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(err);
}
