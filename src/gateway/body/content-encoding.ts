/**
 * HTTP compression as Triton's clients use it: a request body sent with `Content-Encoding: gzip`
 * or `deflate` (zlib format, as RFC 9110 means it) is inflated as it streams in, and an answer is
 * compressed when `Accept-Encoding` asks. The inflated size counts against body_limit_bytes:
 * fastify stops reading at the limit, so a small bomb costs no more memory than an honest body.
 */
import type { FastifyInstance } from 'fastify';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { SwitchyardError } from '../../core/errors.js';

export type Coding = 'gzip' | 'deflate';

/** The inflating stream, with the compressed byte count fastify checks content-length against. */
type Inflating = zlib.Gunzip & { receivedEncodedLength: number };

function inflater(coding: string): zlib.Gunzip | undefined {
  if (coding === 'gzip' || coding === 'x-gzip') return zlib.createGunzip();
  if (coding === 'deflate') return zlib.createInflate();
  return undefined;
}

/** Inflates compressed request bodies on every route (a preParsing hook: before any content-type parser). */
export function registerRequestDecompression(app: FastifyInstance): void {
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const header = request.headers['content-encoding'];
    if (header === undefined) return done(null, payload);
    const coding = header.trim().toLowerCase();
    if (coding === '' || coding === 'identity') return done(null, payload);
    const stream = inflater(coding);
    if (!stream) {
      return done(new SwitchyardError('CONTENT_ENCODING_UNSUPPORTED', `content-encoding '${header}' is not supported; send the body as gzip, deflate or uncompressed`));
    }
    const inflating = stream as Inflating;
    inflating.receivedEncodedLength = 0;
    (payload as Readable).on('data', (chunk: Buffer) => {
      inflating.receivedEncodedLength += chunk.length;
    });
    const raw = payload as Readable;
    raw.on('error', (error) => inflating.destroy(error));
    // fastify listens once it reads the body; an error before that must not go unheard.
    // A corrupt stream becomes COMPRESSED_BODY_INVALID in error-reply.ts (zlib's codes).
    inflating.on('error', () => undefined);
    raw.pipe(inflating);
    done(null, inflating);
  });
}

/**
 * Answers smaller than this go uncompressed whatever Accept-Encoding says (clients read
 * Content-Encoding, so either is correct). Why: a few hundred bytes barely shrink, and fetch()
 * and browsers ask for gzip on every call; compressing a one-row answer cost more than serving it.
 */
export const MIN_COMPRESSED_BYTES = 1024;

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);

/** The coding an Accept-Encoding header prefers among those we write (gzip first), or undefined for none. */
export function acceptedCoding(header: string | string[] | undefined): Coding | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(',') : header;
  let best: Coding | undefined;
  let bestQ = 0;
  for (const part of text.split(',')) {
    const [token = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const coding = token === 'gzip' || token === 'x-gzip' || token === '*' ? 'gzip' : token === 'deflate' ? 'deflate' : undefined;
    if (!coding) continue;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!(q > 0)) continue;
    if (q > bestQ || (q === bestQ && coding === 'gzip')) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}

/** Compressed off the event loop (zlib's thread pool): an answer of megabytes must not stall other requests. */
export function compress(body: string | Buffer, coding: Coding): Promise<Buffer> {
  return coding === 'gzip' ? gzip(body) : deflate(body);
}
