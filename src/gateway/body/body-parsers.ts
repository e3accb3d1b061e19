/**
 * How request bodies are read, for every route. /v1 takes JSON, and raw bytes as
 * application/octet-stream (a push). /v2 reads bodies as Triton does, so its own clients work
 * unchanged: an `Inference-Header-Content-Length` header means the binary tensor extension
 * (JSON part, then raw bytes), whatever the content type; without it the body is JSON, whether
 * labelled application/json, application/octet-stream (aiohttp's label for bytes:
 * tritonclient.http.aio), unlabelled (tritonclient.http) or form-urlencoded (curl's default
 * label: Triton's C++ client on the repository routes). Every JSON body passes the depth check.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwitchyardError } from '../../core/errors.js';
import { nestsDeeperThan, tooDeep } from './json-depth.js';

export interface BodyParserOptions {
  /** Deepest nesting of arrays and objects a JSON body may have. */
  readonly maxJsonDepth: number;
}

type Done = (error: Error | null, body?: unknown) => void;

/** Content types an OIP route reads as JSON when no Inference-Header-Content-Length says otherwise. */
const OIP_JSON_TYPES = new Set(['', 'application/octet-stream', 'application/x-www-form-urlencoded']);

function isOip(request: FastifyRequest): boolean {
  return request.url.startsWith('/v2/');
}

function mediaType(request: FastifyRequest): string {
  const header = request.headers['content-type'];
  return header === undefined ? '' : (header.split(';')[0] ?? '').trim().toLowerCase();
}

export function registerBodyParsers(app: FastifyInstance, options: BodyParserOptions): void {
  const { maxJsonDepth } = options;
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  const parseJson = (request: FastifyRequest, text: string, done: Done): void => {
    if (nestsDeeperThan(text, maxJsonDepth)) {
      done(tooDeep(maxJsonDepth));
      return;
    }
    void defaultJson(request, text, done);
  };

  // Fastify's defaults (its JSON parser, and text/plain, which would let other types reach handlers) give way to these.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    // Triton's C++ client (perf_analyzer) labels every infer body JSON and sends the header too;
    // when it covers less than the body, the rest is binary tensor data.
    const headerLength = request.headers['inference-header-content-length'];
    if (headerLength !== undefined && headerLength !== String(body.length) && isOip(request)) return done(null, body);
    return parseJson(request, body.toString('utf8'), done);
  });
  const parseOther = (request: FastifyRequest, body: Buffer, done: Done): void => {
    const type = mediaType(request);
    if (isOip(request)) {
      if (request.headers['inference-header-content-length'] !== undefined) return done(null, body);
      if (!OIP_JSON_TYPES.has(type)) return done(unsupported(type));
      // An empty body (Triton's clients POST the repository index and unload with none) is no body.
      if (body.length === 0) return done(null, undefined);
      if (type !== 'application/octet-stream') return parseJson(request, body.toString('utf8'), done);
      return parseJson(request, body.toString('utf8'), (error, parsed) => {
        // Most likely binary tensors sent without the header that says where their JSON part ends.
        if (error && !(error instanceof SwitchyardError)) {
          done(new SwitchyardError('BAD_JSON', 'the application/octet-stream body is not valid JSON; a binary (tensor data) body needs an Inference-Header-Content-Length header giving the length of its JSON part'));
        } else done(error, parsed);
      });
    }
    if (type === 'application/octet-stream') return done(null, body);
    return done(unsupported(type));
  };
  // Octet-stream by name too: fastify caches the parser it finds for a content type, but not the
  // catch-all, which re-parses the header on every request (binary tensors arrive labelled so).
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, parseOther);
  app.addContentTypeParser('*', { parseAs: 'buffer' }, parseOther);
}

function unsupported(type: string): SwitchyardError {
  return new SwitchyardError(
    'UNSUPPORTED_MEDIA_TYPE',
    `content type '${type || 'none'}' is not accepted here; send JSON ('content-type: application/json') or binary tensors (an Inference-Header-Content-Length header giving the length of the JSON part)`,
  );
}
