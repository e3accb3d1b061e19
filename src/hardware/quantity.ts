/**
 * Cells of the vendor tools' CSV and JSON: numbers with or without a unit (`143771 MiB`,
 * `125.64 W`, `0 %`, `35 C`), and the markers they print for a value they cannot read
 * (`[N/A]`, `[Not Supported]`…), which become `undefined`. Anything else is a ParseError.
 */
export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

const UNAVAILABLE = /^\[?\s*(n\/a|na|not supported|unknown error|insufficient permissions|gpu requires reset|gpu is lost|not available|unknown)\s*\]?$/i;

export function isUnavailable(cell: string): boolean {
  const trimmed = cell.trim();
  return trimmed === '' || trimmed === '-' || UNAVAILABLE.test(trimmed);
}

const NUMBER_WITH_UNIT = /^([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*([A-Za-z%°/]+)?$/i;

/** A number, checking its unit when it has one; `units` lists the spellings allowed (case-insensitive). */
export function readNumber(cell: string, what: string, units: readonly string[] = []): number | undefined {
  if (isUnavailable(cell)) return undefined;
  const match = NUMBER_WITH_UNIT.exec(cell.trim());
  if (!match) throw new ParseError(`${what}: '${cell.trim()}' is not a number`);
  const unit = match[2];
  if (unit !== undefined && !units.some((u) => u.toLowerCase() === unit.toLowerCase())) {
    throw new ParseError(`${what}: unexpected unit in '${cell.trim()}'${units.length > 0 ? ` (expected ${units.join(' or ')})` : ''}`);
  }
  return Number(match[1]);
}

const BYTES_PER_UNIT: Readonly<Record<string, number>> = {
  b: 1,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Bytes from `143771 MiB`; a bare number is in `bareUnit` (what `nounits` output uses). */
export function readBytes(cell: string, what: string, bareUnit: 'B' | 'KiB' | 'MiB' | 'GiB' = 'MiB'): number | undefined {
  if (isUnavailable(cell)) return undefined;
  const match = NUMBER_WITH_UNIT.exec(cell.trim());
  if (!match) throw new ParseError(`${what}: '${cell.trim()}' is not a size`);
  const unit = (match[2] ?? bareUnit).toLowerCase();
  const factor = BYTES_PER_UNIT[unit];
  if (factor === undefined) throw new ParseError(`${what}: unknown size unit in '${cell.trim()}'`);
  return Math.round(Number(match[1]) * factor);
}

/** A percentage as a share, 0..1. */
export function readShare(cell: string, what: string): number | undefined {
  const percent = readNumber(cell, what, ['%']);
  return percent === undefined ? undefined : percent / 100;
}

/** A string, or undefined for an unavailable marker. */
export function readText(cell: string): string | undefined {
  return isUnavailable(cell) ? undefined : cell.trim();
}

/** The object without its undefined properties, so reports and JSON list only what was read. */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** What a parser read: the items it could, and a warning for each part it could not. */
export interface Parsed<T> {
  readonly items: T[];
  readonly warnings: string[];
}

export function truncate(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
