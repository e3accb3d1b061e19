/**
 * NVIDIA GPUs from `nvidia-smi --query-gpu=… --format=csv`. The header names each column and
 * its unit (`memory.total [MiB]`), so the parser reads columns by name; output without a
 * header (`noheader`) is read in the order of NVIDIA_QUERY_FIELDS. A row that cannot be read
 * is a warning, never an exception.
 */
import { ParseError, readBytes, readNumber, readShare, readText, truncate, withoutUndefined, type Parsed } from './quantity.js';

/** The fields asked for, as in test/fixtures/hardware/README.md. */
export const NVIDIA_QUERY_FIELDS = [
  'index',
  'name',
  'uuid',
  'memory.total',
  'memory.used',
  'memory.free',
  'utilization.gpu',
  'utilization.memory',
  'power.draw',
  'power.limit',
  'temperature.gpu',
  'compute_cap',
  'pci.bus_id',
  'driver_version',
  'mig.mode.current',
] as const;

export const NVIDIA_SMI_ARGS: readonly string[] = [`--query-gpu=${NVIDIA_QUERY_FIELDS.join(',')}`, '--format=csv'];

export interface NvidiaGpu {
  readonly index: number;
  readonly name: string;
  readonly uuid?: string;
  readonly memoryTotalBytes: number;
  readonly memoryUsedBytes?: number;
  readonly memoryFreeBytes?: number;
  readonly utilisation?: number;
  readonly memoryUtilisation?: number;
  readonly powerDrawWatts?: number;
  readonly powerLimitWatts?: number;
  readonly temperatureC?: number;
  readonly computeCapability?: string;
  readonly pciBusId?: string;
  readonly driverVersion?: string;
  readonly migEnabled?: boolean;
  /** `Hopper`, `Ampere`… (only `nvidia-smi -q -x` reports it). */
  readonly architecture?: string;
}

const KNOWN_FIELDS = new Set<string>(NVIDIA_QUERY_FIELDS);
const REQUIRED = ['index', 'name', 'memory.total'] as const;

function splitRow(line: string): string[] {
  return line.split(',').map((cell) => cell.trim());
}

/** `memory.total [MiB]` → field `memory.total`. */
function fieldName(headerCell: string): string {
  return headerCell.replace(/\s*\[[^\]]*\]\s*$/, '').trim();
}

function readRow(cells: readonly string[], fields: readonly string[]): NvidiaGpu {
  const cell = (field: string): string => {
    const i = fields.indexOf(field);
    return i < 0 ? '' : (cells[i] ?? '');
  };
  const index = readNumber(cell('index'), 'index');
  if (index === undefined || !Number.isInteger(index)) throw new ParseError(`index: '${cell('index')}' is not a GPU index`);
  const name = readText(cell('name'));
  if (name === undefined) throw new ParseError('name is missing');
  const memoryTotalBytes = readBytes(cell('memory.total'), 'memory.total');
  if (memoryTotalBytes === undefined) throw new ParseError(`memory.total: '${cell('memory.total')}' is not available`);
  const mig = readText(cell('mig.mode.current'));
  return withoutUndefined<NvidiaGpu>({
    index,
    name,
    uuid: readText(cell('uuid')),
    memoryTotalBytes,
    memoryUsedBytes: readBytes(cell('memory.used'), 'memory.used'),
    memoryFreeBytes: readBytes(cell('memory.free'), 'memory.free'),
    utilisation: readShare(cell('utilization.gpu'), 'utilization.gpu'),
    memoryUtilisation: readShare(cell('utilization.memory'), 'utilization.memory'),
    powerDrawWatts: readNumber(cell('power.draw'), 'power.draw', ['W']),
    powerLimitWatts: readNumber(cell('power.limit'), 'power.limit', ['W']),
    temperatureC: readNumber(cell('temperature.gpu'), 'temperature.gpu', ['C']),
    computeCapability: readText(cell('compute_cap')),
    pciBusId: readText(cell('pci.bus_id')),
    driverVersion: readText(cell('driver_version')),
    migEnabled: mig === undefined ? undefined : mig.toLowerCase() === 'enabled',
  });
}

export function parseNvidiaSmiCsv(text: string): Parsed<NvidiaGpu> {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  const items: NvidiaGpu[] = [];
  const warnings: string[] = [];
  if (lines.length === 0) return { items, warnings };
  let fields: readonly string[] = NVIDIA_QUERY_FIELDS;
  let first = 0;
  const header = splitRow(lines[0]!).map(fieldName);
  if (header.some((f) => KNOWN_FIELDS.has(f))) {
    fields = header;
    first = 1;
    const absent = REQUIRED.filter((f) => !header.includes(f));
    if (absent.length > 0) return { items, warnings: [`header lacks ${absent.join(', ')}: '${lines[0]!}'`] };
  }
  for (let n = first; n < lines.length; n++) {
    let cells = splitRow(lines[n]!);
    // nvidia-smi does not quote: a comma in a product name shows up as extra cells.
    const extra = cells.length - fields.length;
    const nameAt = fields.indexOf('name');
    if (extra > 0 && nameAt >= 0) cells = [...cells.slice(0, nameAt), cells.slice(nameAt, nameAt + extra + 1).join(', '), ...cells.slice(nameAt + extra + 1)];
    if (cells.length !== fields.length) {
      warnings.push(`line ${n + 1}: expected ${fields.length} fields, got ${cells.length}: '${truncate(lines[n]!)}'`);
      continue;
    }
    try {
      items.push(readRow(cells, fields));
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      warnings.push(`line ${n + 1}: ${error.message}`);
    }
  }
  return { items, warnings };
}
