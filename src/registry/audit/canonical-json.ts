/**
 * JSON with object keys sorted at every depth, so the same value always gives the same text
 * (and the same hash) whichever order its keys were built in.
 */
export function canonicalJson(value: unknown): string {
  // Most values (the inference summaries) are built with their keys in order: one walk to check
  // that, then V8's JSON.stringify as is, instead of copying every object to sort its keys.
  return JSON.stringify(isCanonical(value) ? value : sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const inner = (value as Record<string, unknown>)[key];
      if (inner !== undefined) out[key] = sortKeys(inner);
    }
    return out;
  }
  return value;
}

/**
 * True when JSON.stringify(value) already gives sortKeys' text: plain objects and arrays only
 * (a Date, a class instance or anything with toJSON takes the slow path, which serialises them
 * differently), own keys in sort() order, no undefined, function or symbol values, and no
 * `__proto__` key (sortKeys' copy cannot hold one). Objects with integer-like keys fit only when
 * those are in both numeric and string order (e.g. "1", "2"): V8 lists them first, numerically.
 * Exported for the property test that pins the two paths to the same text.
 */
export function isCanonical(value: unknown): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return false;
    for (const item of value as unknown[]) {
      // A hole reads as undefined and both paths write null for it, as for undefined itself.
      if (item !== undefined && !isCanonical(item)) return false;
    }
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  let previous: string | undefined;
  for (const key in value) {
    // for-in also walks inherited enumerable keys: a plain object's prototype has none.
    if (previous !== undefined && !(previous < key)) return false;
    if (key === '__proto__') return false;
    const inner = (value as Record<string, unknown>)[key];
    if (inner === undefined || !isCanonical(inner)) return false;
    previous = key;
  }
  return true;
}
