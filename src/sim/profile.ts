/**
 * Model service-time profiles (sim/profiles/*.yaml): per hardware class, a table of batch size
 * -> milliseconds for one batch. Between sizes the time is interpolated linearly; past the
 * largest size it extends the last segment. A class may be `derived_from` another one by a
 * factor (a slower core, say); its `source` must say why that factor.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Checker, join } from './validate.js';

export interface ClassProfile {
  readonly hardwareClass: string;
  readonly simulated: boolean;
  readonly source: string;
  /** Batch sizes, ascending, and the ms of one batch at each. */
  readonly sizes: readonly number[];
  readonly ms: readonly number[];
}

export interface ModelProfile {
  readonly model: string;
  readonly description: string;
  readonly maxBatchSize: number;
  readonly classes: ReadonlyMap<string, ClassProfile>;
  readonly file: string;
}

/** Milliseconds for one batch of `rows` rows. */
export function serviceMs(profile: ClassProfile, rows: number): number {
  const { sizes, ms } = profile;
  const last = sizes.length - 1;
  if (last === 0) return ms[0]! * Math.max(1, rows) / sizes[0]!;
  if (rows <= sizes[0]!) return ms[0]!;
  let i = 1;
  while (i < last && sizes[i]! < rows) i++;
  const x0 = sizes[i - 1]!;
  const x1 = sizes[i]!;
  const y0 = ms[i - 1]!;
  const y1 = ms[i]!;
  return Math.max(0.0001, y0 + ((y1 - y0) * (rows - x0)) / (x1 - x0));
}

/** `table[rows]` = serviceMs(profile, rows) for rows 0..maxRows, for O(1) look-ups. */
export function serviceTable(profile: ClassProfile, maxRows: number): Float64Array {
  const table = new Float64Array(maxRows + 1);
  for (let rows = 1; rows <= maxRows; rows++) table[rows] = serviceMs(profile, rows);
  table[0] = table[1] ?? 0;
  return table;
}

const CLASS_KEYS = ['simulated', 'source', 'batch_ms', 'derived_from'] as const;

export function parseProfile(text: string, file: string): ModelProfile {
  const check: Checker = new Checker(file);
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    check.fail('', `is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const top = check.object(raw, '', ['model', 'description', 'max_batch_size', 'classes'], ['model', 'classes']);
  const model = check.string(top.model, 'model');
  const description = top.description === undefined ? '' : check.string(top.description, 'description');
  const maxBatchSize = check.optional(top.max_batch_size, 256, (v) => check.number(v, 'max_batch_size', { min: 1, integer: true }));
  const rawClasses = check.map(top.classes, 'classes');
  if (Object.keys(rawClasses).length === 0) check.fail('classes', 'must name at least one hardware class');

  const tables = new Map<string, { simulated: boolean; source: string; sizes: number[]; ms: number[] }>();
  const derived: { name: string; path: string; from: string; factor: number; simulated: boolean; source: string }[] = [];
  for (const [name, value] of Object.entries(rawClasses)) {
    const path = join('classes', name);
    const entry = check.object(value, path, CLASS_KEYS, ['simulated', 'source']);
    const simulated = check.boolean(entry.simulated, join(path, 'simulated'));
    const source = check.string(entry.source, join(path, 'source'));
    if ((entry.batch_ms === undefined) === (entry.derived_from === undefined)) check.fail(path, 'needs exactly one of batch_ms (a table) or derived_from (another class and a factor)');
    if (entry.derived_from !== undefined) {
      const dpath = join(path, 'derived_from');
      const d = check.object(entry.derived_from, dpath, ['class', 'factor'], ['class', 'factor']);
      derived.push({ name, path: dpath, from: check.string(d.class, join(dpath, 'class')), factor: check.number(d.factor, join(dpath, 'factor'), { min: 0, exclusiveMin: true }), simulated, source });
      if (!simulated) check.fail(join(path, 'simulated'), 'must be true for a derived class: nothing measured it');
      continue;
    }
    const tpath = join(path, 'batch_ms');
    const table = check.map(entry.batch_ms, tpath);
    const points = Object.entries(table).map(([size, ms]) => {
      const n = Number(size);
      if (!Number.isInteger(n) || n < 1) check.fail(join(tpath, size), 'batch sizes must be positive integers');
      return [n, check.number(ms, join(tpath, size), { min: 0, exclusiveMin: true })] as const;
    });
    if (points.length === 0) check.fail(tpath, 'must have at least one batch size');
    points.sort((a, b) => a[0] - b[0]);
    tables.set(name, { simulated, source, sizes: points.map((p) => p[0]), ms: points.map((p) => p[1]) });
  }
  for (const d of derived) {
    const base = tables.get(d.from);
    if (!base) check.fail(join(d.path, 'class'), `'${d.from}' is not a class with a batch_ms table in this file (tables: ${[...tables.keys()].join(', ') || 'none'})`);
    tables.set(d.name, { simulated: true, source: d.source, sizes: base.sizes, ms: base.ms.map((v) => v * d.factor) });
  }
  const classes = new Map<string, ClassProfile>();
  for (const name of Object.keys(rawClasses)) {
    const t = tables.get(name)!;
    classes.set(name, { hardwareClass: name, ...t });
  }
  return { model, description, maxBatchSize, classes, file };
}

export function loadProfile(file: string): ModelProfile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the profile ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseProfile(text, file);
}
