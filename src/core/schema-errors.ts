/**
 * One phrasing of JSON-schema errors for every document a user writes or sends: the key's path
 * in dots (`slo.objectives.0`), then what is wrong in words (an unknown key named, an enum's
 * allowed values listed). `root` names the document when the error is about the whole of it.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';

export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined, root: string): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || root;
    const params = e.params as { additionalProperty?: unknown; allowedValues?: unknown[] };
    if (e.keyword === 'additionalProperties') return `${where}: unknown key '${String(params.additionalProperty)}'`;
    if (e.keyword === 'enum') return `${where}: must be one of ${(params.allowedValues ?? []).join(' | ')}`;
    return `${where}: ${e.message ?? 'is invalid'}`;
  });
}
