/**
 * The one place errors become HTTP responses: catalogue errors as they are, framework errors
 * mapped to their catalogue code, anything else a 500 whose body says nothing internal.
 */
import type { FastifyReply } from 'fastify';
import { ERROR_CATALOGUE, SwitchyardError, errorBody, isSwitchyardError, type ErrorDefinition } from '../core/errors.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * Longest path parameter the router matches (fastify's default is 100, which refused documented
 * model names of 101-128 characters with a bare 414). 256 fits the longest id built from a name:
 * an SLO id `model:version:latency_class` of a 128-character name is at most 149.
 */
export const MAX_PARAM_LENGTH = 256;

interface FrameworkError {
  code?: string;
  statusCode?: number;
  message?: string;
}

/** Fastify's own errors (body parsing and limits) in catalogue terms. */
function fromFramework(error: FrameworkError): SwitchyardError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SwitchyardError('BODY_TOO_LARGE', 'the request body is over the server limit (body_limit_bytes); send a smaller batch');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new SwitchyardError('UNSUPPORTED_MEDIA_TYPE', "send the body as JSON ('content-type: application/json') or as binary tensors ('content-type: application/octet-stream' with Inference-Header-Content-Length)");
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SwitchyardError('BAD_JSON', 'the request body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new SwitchyardError('BAD_JSON', 'the request body is not valid JSON');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new SwitchyardError('MODEL_NAME_INVALID', `a path segment is longer than ${MAX_PARAM_LENGTH} characters; model names are at most 128`);
    case 'FST_ERR_BAD_URL':
      return new SwitchyardError('INVALID_REQUEST', 'the URL is malformed (an invalid percent-encoding)');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new SwitchyardError('INVALID_REQUEST', 'the content-length header does not match the body');
    // zlib's codes, from a request body inflated by body/content-encoding.ts.
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
    case 'Z_NEED_DICT':
      return new SwitchyardError('COMPRESSED_BODY_INVALID', 'the request body could not be decompressed: it is truncated or does not match its content-encoding');
    default:
      break;
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON|prototype|constructor/i.test(error.message ?? ''))) {
    return new SwitchyardError('BAD_JSON', `the request body is not valid JSON: ${error.message ?? ''}`.trim());
  }
  return undefined;
}

export function toSwitchyardError(error: unknown, log: Logger, context: object = {}): SwitchyardError {
  if (isSwitchyardError(error)) return error;
  const mapped = typeof error === 'object' && error !== null ? fromFramework(error) : undefined;
  if (mapped) return mapped;
  log.error({ err: error, ...context }, 'unexpected error');
  return new SwitchyardError('INTERNAL', 'internal server error; the server log has the details');
}

/**
 * Exactly `application/json`, no charset parameter (JSON is UTF-8 by definition, RFC 8259): the
 * KServe Python client reads an error's message only when the content type is that string.
 */
export const ERROR_CONTENT_TYPE = 'application/json';

export function sendError(reply: FastifyReply, error: SwitchyardError): FastifyReply {
  // An error raised without its own hint takes its code's default: every 429/503 says when to retry.
  const definition: ErrorDefinition = ERROR_CATALOGUE[error.code];
  const retryAfterSeconds = error.retryAfterSeconds ?? definition.retryAfterSeconds;
  if (retryAfterSeconds !== undefined) void reply.header('retry-after', String(retryAfterSeconds));
  // As bytes: fastify appends '; charset=utf-8' to a JSON type given with a string or an object.
  return reply.code(error.status).header('content-type', ERROR_CONTENT_TYPE).send(Buffer.from(JSON.stringify(errorBody(error)), 'utf8'));
}
