/**
 * AMD GPUs from `rocm-smi … --json`: one object per `cardN` key (a `system` key and others
 * are skipped), every value a string. Key spellings drift between ROCm releases (`Card series`
 * / `Card Series`, edge or junction temperature, average or current socket power), so each
 * value is looked up under the spellings known, case-insensitively. No AMD machine was at
 * hand: the parser follows rocm-smi's documented output, and its test fixture is hand-written.
 */
import { ParseError, readNumber, readShare, readText, withoutUndefined, truncate, type Parsed } from './quantity.js';

export const ROCM_SMI_ARGS: readonly string[] = ['--showproductname', '--showmeminfo', 'vram', '--showuse', '--showpower', '--showtemp', '--showuniqueid', '--showbus', '--json'];

export interface AmdGpu {
  readonly index: number;
  readonly name: string;
  /** Other names the card goes by (PCI device id, SKU, gfx target), for class matching. */
  readonly identifiers: readonly string[];
  readonly uniqueId?: string;
  readonly memoryTotalBytes: number;
  readonly memoryUsedBytes?: number;
  readonly utilisation?: number;
  readonly powerDrawWatts?: number;
  readonly temperatureC?: number;
  readonly pciBusId?: string;
}

type Card = Readonly<Record<string, unknown>>;

/** The value under the first of `keys` present (case-insensitive), as a string. */
function value(card: Card, ...keys: string[]): string {
  for (const key of keys) {
    const found = Object.keys(card).find((k) => k.toLowerCase() === key.toLowerCase());
    if (found === undefined) continue;
    let v = card[found];
    if (Array.isArray(v)) v = v[0];
    if (typeof v === 'number') return String(v);
    if (typeof v === 'string' && readText(v) !== undefined) return v;
  }
  return '';
}

function integerBytes(cell: string, what: string): number | undefined {
  const n = readNumber(cell, what, ['B']);
  if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new ParseError(`${what}: '${cell}' is not a byte count`);
  return n;
}

function readCard(card: Card, index: number): AmdGpu {
  const name = readText(value(card, 'Card Series', 'Card SKU', 'Device Name', 'Card Model'));
  if (name === undefined) throw new ParseError('no Card series, Card SKU or Card model');
  const memoryTotalBytes = integerBytes(value(card, 'VRAM Total Memory (B)'), 'VRAM Total Memory (B)');
  if (memoryTotalBytes === undefined) throw new ParseError('VRAM Total Memory (B) is missing (was --showmeminfo vram asked for?)');
  const identifiers = ['Card Model', 'Card SKU', 'Device ID', 'GFX Version']
    .map((key) => readText(value(card, key)))
    .filter((v): v is string => v !== undefined && v !== name);
  return withoutUndefined<AmdGpu>({
    index,
    name,
    identifiers,
    uniqueId: readText(value(card, 'Unique ID')),
    memoryTotalBytes,
    memoryUsedBytes: integerBytes(value(card, 'VRAM Total Used Memory (B)'), 'VRAM Total Used Memory (B)'),
    utilisation: readShare(value(card, 'GPU use (%)'), 'GPU use (%)'),
    powerDrawWatts: readNumber(value(card, 'Average Graphics Package Power (W)', 'Current Socket Graphics Package Power (W)'), 'power', ['W']),
    // MI200/MI300 report no edge sensor (N/A); junction is the one they have.
    temperatureC: readNumber(value(card, 'Temperature (Sensor edge) (C)', 'Temperature (Sensor junction) (C)'), 'temperature', ['C']),
    pciBusId: readText(value(card, 'PCI Bus')),
  });
}

export function parseRocmSmiJson(text: string): Parsed<AmdGpu> {
  const items: AmdGpu[] = [];
  const warnings: string[] = [];
  // Some releases print WARNING lines before the JSON document.
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  let document: unknown;
  try {
    if (start < 0 || end < start) throw new SyntaxError('no JSON object');
    document = JSON.parse(text.slice(start, end + 1));
  } catch {
    return { items, warnings: [`not JSON: '${truncate(text.trim())}'`] };
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return { items, warnings: ['expected a JSON object of cards'] };
  const cards = Object.entries(document as Record<string, unknown>)
    .map(([key, card]) => ({ key, card, index: /^card(\d+)$/i.exec(key)?.[1] }))
    .filter((c): c is { key: string; card: unknown; index: string } => c.index !== undefined)
    .sort((a, b) => Number(a.index) - Number(b.index));
  for (const { key, card, index } of cards) {
    if (typeof card !== 'object' || card === null || Array.isArray(card)) {
      warnings.push(`${key}: expected an object`);
      continue;
    }
    try {
      items.push(readCard(card as Card, Number(index)));
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      warnings.push(`${key}: ${error.message}`);
    }
  }
  return { items, warnings };
}
