/**
 * Hand checks for the simulator's YAML files, each error naming the file and the key path
 * (`nodes[1].cost_per_hour`), what was expected and what was found. Unknown keys are errors
 * too, with the nearest known key suggested, so a typo never silently falls back to a default.
 */
export class SpecError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    message: string,
  ) {
    super(`${file}: ${key ? `${key}: ` : ''}${message}`);
    this.name = 'SpecError';
  }
}

function show(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'nothing';
    case 'string':
      return JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return Array.isArray(value) ? 'a list' : value === null ? 'null' : 'a mapping';
  }
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

export class Checker {
  constructor(readonly file: string) {}

  fail(key: string, message: string): never {
    throw new SpecError(this.file, key, message);
  }

  /** A mapping with only the given keys; `required` ones must be present. */
  object(value: unknown, path: string, known: readonly string[], required: readonly string[] = []): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, `must be a mapping, got ${show(value)}`);
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (known.includes(key)) continue;
      const near = [...known].sort((a, b) => distance(key, a) - distance(key, b))[0];
      const hint = near !== undefined && distance(key, near) <= 2 ? ` (did you mean ${near}?)` : '';
      this.fail(join(path, key), `is not a known key${hint}; known keys: ${known.join(', ')}`);
    }
    for (const key of required) if (record[key] === undefined) this.fail(join(path, key), 'is required');
    return record;
  }

  /** A mapping whose keys are free (names, batch sizes). */
  map(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, `must be a mapping, got ${show(value)}`);
    return value as Record<string, unknown>;
  }

  list(value: unknown, path: string, { nonEmpty = false } = {}): unknown[] {
    if (!Array.isArray(value)) this.fail(path, `must be a list, got ${show(value)}`);
    if (nonEmpty && value.length === 0) this.fail(path, 'must not be empty');
    return value;
  }

  number(value: unknown, path: string, { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY, integer = false, exclusiveMin = false } = {}): number {
    const kind = integer ? 'an integer' : 'a number';
    const range = `${exclusiveMin ? `> ${min}` : Number.isFinite(min) ? `>= ${min}` : ''}${Number.isFinite(max) ? `${Number.isFinite(min) ? ' and ' : ''}<= ${max}` : ''}`;
    const expect = `must be ${kind}${range ? ` ${range}` : ''}`;
    if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) this.fail(path, `${expect}, got ${show(value)}`);
    if (value < min || value > max || (exclusiveMin && value === min)) this.fail(path, `${expect}, got ${value}`);
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(path, `must be a non-empty string, got ${show(value)}`);
    return value;
  }

  boolean(value: unknown, path: string): boolean {
    if (typeof value !== 'boolean') this.fail(path, `must be true or false, got ${show(value)}`);
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !allowed.includes(value as T)) this.fail(path, `must be one of ${allowed.join(', ')}, got ${show(value)}`);
    return value as T;
  }

  optional<T>(value: unknown, fallback: T, check: (v: unknown) => T): T {
    return value === undefined ? fallback : check(value);
  }
}
