/**
 * The hardware catalog: hardware classes as data (hardware/catalog.yaml at the package root),
 * validated once when loaded, merged with an operator's override file, compiled (matching
 * patterns to RegExps, keys to camelCase) and frozen. Every problem names its file and key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { CATALOG_SCHEMA, CLASS_SCHEMA, OVERRIDE_SCHEMA } from './catalog-schema.js';
import type { Tier } from '../core/tiers.js';
import type { DeviceKind } from './device.js';

export interface Figure {
  readonly value: number;
  /** The document the number comes from. */
  readonly source: string;
  /** The date of that document or price: `2024`, `2024-11`. */
  readonly asOf: string;
  readonly note?: string;
}

export interface MatchRule {
  readonly kind?: DeviceKind;
  readonly vendor?: string;
  /** Case-insensitive patterns tried on a device's name and other identifiers. */
  readonly names: readonly RegExp[];
  /** CPU architectures as lscpu or Node name them. */
  readonly architectures: readonly string[];
}

export interface HardwareClass {
  readonly id: string;
  readonly label: string;
  readonly kind: DeviceKind;
  readonly vendor: string;
  /** Which part and configuration the figures describe. */
  readonly reference: string;
  readonly defaultTier?: Tier;
  readonly match: MatchRule;
  readonly memoryBytes: Figure;
  readonly memoryBandwidthBytesPerS: Figure;
  readonly peakDenseTflops: Figure & { readonly precision: string };
  readonly tdpWatts: Figure;
  readonly priceUsdPerHour: Figure & { readonly basis: string };
  /** The file that defined the class, or last changed it. */
  readonly origin: string;
}

export interface Catalog {
  /** In matching order: an override's new classes first, then the built-in ones. */
  readonly classes: readonly HardwareClass[];
  readonly byId: ReadonlyMap<string, HardwareClass>;
  /** The files it was read from, built-in first. */
  readonly files: readonly string[];
}

export class CatalogError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid hardware catalog:\n  - ${problems.join('\n  - ')}`);
    this.name = 'CatalogError';
  }
}

type RawFigure = { value: number; source: string; as_of: string; note?: string };
type RawClass = {
  label: string;
  kind: DeviceKind;
  vendor: string;
  reference: string;
  default_tier?: Tier;
  match: { kind?: DeviceKind; vendor?: string; names?: string[]; architectures?: string[] };
  memory_bytes: RawFigure;
  memory_bandwidth_bytes_per_s: RawFigure;
  peak_dense_tflops: RawFigure & { precision: string };
  tdp_watts: RawFigure;
  price_usd_per_hour: RawFigure & { basis: string };
};
type RawCatalog = { version: 1; classes: Record<string, RawClass> };
type RawOverride = { version?: 1; classes: Record<string, Partial<RawClass>> };

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validateCatalog = ajv.compile<RawCatalog>(CATALOG_SCHEMA);
const validateOverride = ajv.compile<RawOverride>(OVERRIDE_SCHEMA);
const validateClass = ajv.compile<RawClass>(CLASS_SCHEMA);

/** `/classes/h100/price_usd_per_hour` → `classes.h100.price_usd_per_hour`, `/match/names/0` → `match.names[0]`. */
function keyPath(prefix: string, instancePath: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  let path = prefix;
  for (const part of parts) path = /^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part;
  return path;
}

function describe(file: string, prefix: string, errors: readonly ErrorObject[]): string[] {
  const problems: string[] = [];
  for (const error of errors) {
    const at = keyPath(prefix, error.instancePath);
    const params = error.params as Record<string, unknown>;
    const where = (key: string): string => `${file}: ${at ? `${at}.` : ''}${key}`;
    switch (error.keyword) {
      case 'required':
        problems.push(`${where(String(params.missingProperty))}: is required`);
        break;
      case 'additionalProperties':
        problems.push(`${where(String(params.additionalProperty))}: unknown key`);
        break;
      case 'propertyNames':
        problems.push(`${where(String(params.propertyName))}: a class id is lowercase letters, digits and '-' (at most 64), e.g. 'h200', 'jetson-orin'`);
        break;
      case 'enum':
        problems.push(`${file}: ${at}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`);
        break;
      case 'pattern':
        // The pattern error of a bad class id is reported by its propertyNames error.
        if (params.propertyName === undefined && !error.schemaPath.includes('propertyNames')) problems.push(`${file}: ${at}: must match ${String(params.pattern)}`);
        break;
      default:
        problems.push(`${file}: ${at || '(top level)'}: ${error.message ?? 'is invalid'}`);
    }
  }
  return [...new Set(problems)];
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CatalogError([`${file}: cannot read: ${error instanceof Error ? error.message : String(error)}`]);
  }
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    throw new CatalogError([`${file}: not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`]);
  }
}

function compilePattern(pattern: string, file: string, at: string, problems: string[]): RegExp | undefined {
  try {
    return new RegExp(pattern, 'i');
  } catch (error) {
    problems.push(`${file}: ${at}: not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function compileFigure<T extends RawFigure>(raw: T): Figure {
  return Object.freeze({ value: raw.value, source: raw.source, asOf: raw.as_of, ...(raw.note === undefined ? {} : { note: raw.note }) });
}

function compileClass(id: string, raw: RawClass, origin: string, problems: string[]): HardwareClass {
  const names = (raw.match.names ?? [])
    .map((p, i) => compilePattern(p, origin, `classes.${id}.match.names[${i}]`, problems))
    .filter((r): r is RegExp => r !== undefined);
  if ((raw.match.names ?? []).length === 0 && (raw.match.architectures ?? []).length === 0) {
    problems.push(`${origin}: classes.${id}.match: needs names or architectures, or no device can ever match it`);
  }
  return Object.freeze({
    id,
    label: raw.label,
    kind: raw.kind,
    vendor: raw.vendor,
    reference: raw.reference,
    ...(raw.default_tier === undefined ? {} : { defaultTier: raw.default_tier }),
    match: Object.freeze({
      ...(raw.match.kind === undefined ? {} : { kind: raw.match.kind }),
      ...(raw.match.vendor === undefined ? {} : { vendor: raw.match.vendor }),
      names: Object.freeze(names),
      architectures: Object.freeze([...(raw.match.architectures ?? [])]),
    }),
    memoryBytes: compileFigure(raw.memory_bytes),
    memoryBandwidthBytesPerS: compileFigure(raw.memory_bandwidth_bytes_per_s),
    peakDenseTflops: Object.freeze({ ...compileFigure(raw.peak_dense_tflops), precision: raw.peak_dense_tflops.precision }),
    tdpWatts: compileFigure(raw.tdp_watts),
    priceUsdPerHour: Object.freeze({ ...compileFigure(raw.price_usd_per_hour), basis: raw.price_usd_per_hour.basis }),
    origin,
  });
}

/** Validates a parsed built-in catalog. */
export function checkCatalog(document: unknown, file: string): RawCatalog {
  if (!validateCatalog(document)) throw new CatalogError(describe(file, '', validateCatalog.errors ?? []));
  return document;
}

/**
 * Builds a catalog from the built-in document and, optionally, an override: a known class's
 * keys are replaced key by key (a figure as a whole), a new class must be complete and is
 * matched before the built-in ones.
 */
export function buildCatalog(base: { document: unknown; file: string }, override?: { document: unknown; file: string }): Catalog {
  const builtIn = checkCatalog(base.document, base.file);
  const entries = new Map<string, { raw: RawClass; origin: string }>(Object.entries(builtIn.classes).map(([id, raw]) => [id, { raw, origin: base.file }]));
  const added: string[] = [];
  const problems: string[] = [];
  if (override) {
    if (!validateOverride(override.document)) throw new CatalogError(describe(override.file, '', validateOverride.errors ?? []));
    for (const [id, partial] of Object.entries(override.document.classes)) {
      const known = entries.get(id);
      if (known) {
        entries.set(id, { raw: { ...known.raw, ...partial }, origin: override.file });
        continue;
      }
      if (!validateClass(partial)) {
        problems.push(...describe(override.file, `classes.${id}`, validateClass.errors ?? []).map((p) => `${p} (a new class must be complete; known classes: ${[...entries.keys()].join(', ')})`));
        continue;
      }
      entries.set(id, { raw: partial, origin: override.file });
      added.push(id);
    }
  }
  const order = [...added, ...[...entries.keys()].filter((id) => !added.includes(id))];
  const classes = order.map((id) => {
    const { raw, origin } = entries.get(id)!;
    return compileClass(id, raw, origin, problems);
  });
  if (problems.length > 0) throw new CatalogError(problems);
  return Object.freeze({
    classes: Object.freeze(classes),
    byId: new Map(classes.map((c) => [c.id, c])),
    files: Object.freeze(override ? [base.file, override.file] : [base.file]),
  });
}

let cachedRoot: string | undefined;

/**
 * The package root: the nearest folder above this module with package.json and
 * hardware/catalog.yaml. Found the same way from src/hardware (tsx) and dist/hardware (built).
 */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'hardware', 'catalog.yaml'))) return (cachedRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new CatalogError([`no hardware/catalog.yaml next to a package.json above ${fileURLToPath(import.meta.url)}`]);
    dir = parent;
  }
}

export function builtInCatalogFile(): string {
  return join(packageRoot(), 'hardware', 'catalog.yaml');
}

export interface LoadCatalogOptions {
  /** The built-in catalog. @default <package root>/hardware/catalog.yaml */
  readonly file?: string;
  /** An operator's file of added classes and overridden figures. */
  readonly overrideFile?: string;
  /** Relative override paths resolve against it. @default process.cwd() */
  readonly cwd?: string;
}

export function loadCatalog(options: LoadCatalogOptions = {}): Catalog {
  const file = options.file ?? builtInCatalogFile();
  const overrideFile = options.overrideFile === undefined ? undefined : resolve(options.cwd ?? process.cwd(), options.overrideFile);
  return buildCatalog(
    { document: readYaml(file), file },
    overrideFile === undefined ? undefined : { document: readYaml(overrideFile), file: overrideFile },
  );
}
