/**
 * Linux /proc files: memory (/proc/meminfo) and pressure stall information
 * (/proc/pressure/{cpu,memory,io}, kernel 4.20 and later with PSI enabled).
 */
import type { HostMemory, PressureLine, ResourcePressure } from './device.js';
import { ParseError, truncate } from './quantity.js';

/** MemTotal and MemAvailable; /proc/meminfo's `kB` are KiB. */
export function parseMeminfo(text: string): HostMemory {
  const kib = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB\\s*$`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const totalBytes = kib('MemTotal');
  if (totalBytes === undefined) throw new ParseError(`no MemTotal in '${truncate(text.trim())}'`);
  // MemAvailable exists since Linux 3.14; before that, free memory is the honest lower bound.
  const availableBytes = kib('MemAvailable') ?? kib('MemFree') ?? 0;
  return { totalBytes, availableBytes };
}

function parseLine(line: string): PressureLine {
  const values = new Map<string, number>();
  for (const m of line.matchAll(/(\w+)=([\d.]+)/g)) values.set(m[1]!, Number(m[2]));
  const avg10 = values.get('avg10');
  const avg60 = values.get('avg60');
  const avg300 = values.get('avg300');
  const total = values.get('total');
  if (avg10 === undefined || avg60 === undefined || avg300 === undefined || total === undefined) throw new ParseError(`not a pressure line: '${truncate(line)}'`);
  return { avg10, avg60, avg300, totalMicros: total };
}

/** One /proc/pressure file: a `some` line and, usually, a `full` line. */
export function parsePressure(text: string): ResourcePressure {
  let some: PressureLine | undefined;
  let full: PressureLine | undefined;
  for (const line of text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0)) {
    if (line.startsWith('some ')) some = parseLine(line);
    else if (line.startsWith('full ')) full = parseLine(line);
    else throw new ParseError(`not a pressure line: '${truncate(line)}'`);
  }
  if (!some) throw new ParseError(`no 'some' line in '${truncate(text.trim())}'`);
  return full ? { some, full } : { some };
}

/** /proc/device-tree/model (a NUL-terminated string), e.g. `NVIDIA Jetson AGX Orin Developer Kit`. */
export function parseDeviceTreeModel(text: string): string | undefined {
  const model = text.replace(/\0+$/g, '').trim();
  return model.length > 0 ? model : undefined;
}
