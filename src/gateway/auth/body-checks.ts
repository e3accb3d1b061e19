/** Small checks of admin request bodies that answer 400 INVALID_REQUEST with the field's name. */
import { SwitchyardError } from '../../core/errors.js';

export const invalid = (message: string) => new SwitchyardError('INVALID_REQUEST', message);

export function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Buffer.isBuffer(body)) throw invalid('the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Names: 1-128 characters of letters, digits and `._-`, as in URLs and logs. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function optionalName(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !NAME.test(value)) throw invalid(`'${field}' must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  return value;
}

export function stringList(value: unknown, field: string, allowed?: readonly string[]): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 256) throw invalid(`'${field}' must be a non-empty array (at most 256 items)`);
  const out: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string' || item.length === 0 || item.length > 128) throw invalid(`'${field}' items must be strings of 1-128 characters`);
    if (allowed && !allowed.includes(item)) throw invalid(`'${field}': '${item}' is not one of ${allowed.join(', ')}`);
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

export function unknownFields(body: Record<string, unknown>, known: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !known.includes(k));
  if (extra.length > 0) throw invalid(`unknown field(s) ${extra.map((k) => `'${k.slice(0, 64)}'`).join(', ')}; allowed: ${known.join(', ')}`);
}
