/**
 * Intel Gaudi accelerators from `hl-smi -Q <fields> -f csv,noheader`: one line per device, the
 * fields in the order asked for, sizes in MiB (with or without the unit). No Gaudi machine
 * was at hand: the parser follows hl-smi's documented query fields, and its test fixture is
 * hand-written.
 */
import { ParseError, readBytes, readNumber, readShare, readText, withoutUndefined, truncate, type Parsed } from './quantity.js';

export const HL_QUERY_FIELDS = ['index', 'name', 'uuid', 'bus_id', 'driver_version', 'memory.total', 'memory.used', 'utilization.aip', 'power.draw', 'temperature.aip'] as const;

export const HL_SMI_ARGS: readonly string[] = ['-Q', HL_QUERY_FIELDS.join(','), '-f', 'csv,noheader'];

export interface GaudiDevice {
  readonly index: number;
  /** The board, e.g. `HL-225` (Gaudi 2 OAM). */
  readonly name: string;
  readonly uuid?: string;
  readonly pciBusId?: string;
  readonly driverVersion?: string;
  readonly memoryTotalBytes: number;
  readonly memoryUsedBytes?: number;
  readonly utilisation?: number;
  readonly powerDrawWatts?: number;
  readonly temperatureC?: number;
}

export function parseHlSmiCsv(text: string): Parsed<GaudiDevice> {
  const items: GaudiDevice[] = [];
  const warnings: string[] = [];
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  lines.forEach((line, n) => {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== HL_QUERY_FIELDS.length) {
      warnings.push(`line ${n + 1}: expected ${HL_QUERY_FIELDS.length} fields, got ${cells.length}: '${truncate(line)}'`);
      return;
    }
    const cell = (field: (typeof HL_QUERY_FIELDS)[number]): string => cells[HL_QUERY_FIELDS.indexOf(field)] ?? '';
    try {
      const index = readNumber(cell('index'), 'index');
      if (index === undefined || !Number.isInteger(index)) throw new ParseError(`index: '${cell('index')}' is not a device index`);
      const name = readText(cell('name'));
      if (name === undefined) throw new ParseError('name is missing');
      const memoryTotalBytes = readBytes(cell('memory.total'), 'memory.total');
      if (memoryTotalBytes === undefined) throw new ParseError('memory.total is not available');
      items.push(
        withoutUndefined<GaudiDevice>({
          index,
          name,
          uuid: readText(cell('uuid')),
          pciBusId: readText(cell('bus_id')),
          driverVersion: readText(cell('driver_version')),
          memoryTotalBytes,
          memoryUsedBytes: readBytes(cell('memory.used'), 'memory.used'),
          utilisation: readShare(cell('utilization.aip'), 'utilization.aip'),
          powerDrawWatts: readNumber(cell('power.draw'), 'power.draw', ['W']),
          temperatureC: readNumber(cell('temperature.aip'), 'temperature.aip', ['C']),
        }),
      );
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      warnings.push(`line ${n + 1}: ${error.message}`);
    }
  });
  return { items, warnings };
}
