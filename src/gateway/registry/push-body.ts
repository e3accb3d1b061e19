/**
 * The two forms of a push: JSON (metadata plus the artifact as base64 or a URL) and raw bytes
 * (`application/octet-stream`, metadata as base64url JSON in `x-switchyard-metadata`). Both
 * become the same metadata and artifact source.
 */
import type { FastifyRequest } from 'fastify';
import { SwitchyardError } from '../../core/errors.js';
import type { ArtifactSource } from '../../registry/service/registry-service.js';
import { parsePushMetadata, type PushMetadata } from '../../registry/service/push-request.js';
import { nestsDeeperThan, tooDeep } from '../body/json-depth.js';

export const METADATA_HEADER = 'x-switchyard-metadata';
export const FILE_NAME_HEADER = 'x-switchyard-file-name';

const invalid = (message: string): SwitchyardError => new SwitchyardError('INVALID_REQUEST', message);

function artifactFrom(value: unknown): ArtifactSource {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid("'artifact' must be an object with 'base64' (and 'file_name' for a single .onnx file) or 'url'");
  const { base64, url, file_name: fileName, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw invalid(`artifact: unknown field '${extra[0] ?? ''}'`);
  if (fileName !== undefined && typeof fileName !== 'string') throw invalid("artifact.file_name must be a string");
  if ((base64 === undefined) === (url === undefined)) throw invalid("artifact needs exactly one of 'base64' or 'url'");
  if (typeof url === 'string') return { kind: 'url', url, ...(fileName !== undefined ? { fileName } : {}) };
  if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw invalid('artifact.base64 must be standard base64');
  const bytes = Buffer.from(base64, 'base64');
  return fileName !== undefined ? { kind: 'file', fileName, bytes } : { kind: 'archive', bytes };
}

export function readPushBody(request: FastifyRequest, maxJsonDepth = 64): { metadata: PushMetadata; source: ArtifactSource } {
  const body = request.body;
  if (Buffer.isBuffer(body)) {
    const header = request.headers[METADATA_HEADER];
    if (typeof header !== 'string') throw invalid(`an octet-stream push carries its metadata as base64url JSON in the ${METADATA_HEADER} header`);
    const text = Buffer.from(header, 'base64url').toString('utf8');
    if (nestsDeeperThan(text, maxJsonDepth)) throw tooDeep(maxJsonDepth, `the ${METADATA_HEADER} header`);
    let metadata: unknown;
    try {
      metadata = JSON.parse(text);
    } catch {
      throw invalid(`${METADATA_HEADER} is not base64url-encoded JSON`);
    }
    const fileName = request.headers[FILE_NAME_HEADER];
    if (fileName !== undefined && typeof fileName !== 'string') throw invalid(`${FILE_NAME_HEADER} must appear once`);
    return { metadata: parsePushMetadata(metadata), source: fileName !== undefined ? { kind: 'file', fileName, bytes: body } : { kind: 'archive', bytes: body } };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('send the push as a JSON object or as application/octet-stream');
  const { artifact, ...metadata } = body as Record<string, unknown>;
  if (artifact === undefined) throw invalid("the JSON push needs 'artifact'");
  return { metadata: parsePushMetadata(metadata), source: artifactFrom(artifact) };
}
