/**
 * NVIDIA GPUs from `nvidia-smi -q -x`, the fallback when the CSV query fails (drivers older
 * than R510 do not know the `compute_cap` field, and the query then fails as a whole). The
 * XML has no compute capability; it does name the architecture.
 */
import type { NvidiaGpu } from './nvidia-smi.js';
import { ParseError, readBytes, readNumber, readShare, readText, withoutUndefined, truncate, type Parsed } from './quantity.js';
import { child, childText, parseXml, type XmlElement } from './xml.js';

export const NVIDIA_SMI_XML_ARGS: readonly string[] = ['-q', '-x'];

/** The first of several places a value has lived across driver versions. */
function firstText(gpu: XmlElement, ...paths: string[][]): string {
  for (const path of paths) {
    const text = childText(gpu, ...path);
    if (text !== undefined && readText(text) !== undefined) return text;
  }
  return '';
}

function readGpu(gpu: XmlElement, index: number, driverVersion: string | undefined): NvidiaGpu {
  const name = readText(childText(gpu, 'product_name') ?? '');
  if (name === undefined) throw new ParseError('product_name is missing');
  const memoryTotalBytes = readBytes(childText(gpu, 'fb_memory_usage', 'total') ?? '', 'fb_memory_usage.total');
  if (memoryTotalBytes === undefined) throw new ParseError('fb_memory_usage.total is missing');
  const mig = readText(childText(gpu, 'mig_mode', 'current_mig') ?? '');
  return withoutUndefined<NvidiaGpu>({
    index,
    name,
    uuid: readText(childText(gpu, 'uuid') ?? ''),
    memoryTotalBytes,
    memoryUsedBytes: readBytes(childText(gpu, 'fb_memory_usage', 'used') ?? '', 'fb_memory_usage.used'),
    memoryFreeBytes: readBytes(childText(gpu, 'fb_memory_usage', 'free') ?? '', 'fb_memory_usage.free'),
    utilisation: readShare(childText(gpu, 'utilization', 'gpu_util') ?? '', 'utilization.gpu_util'),
    memoryUtilisation: readShare(childText(gpu, 'utilization', 'memory_util') ?? '', 'utilization.memory_util'),
    powerDrawWatts: readNumber(
      firstText(gpu, ['gpu_power_readings', 'average_power_draw'], ['gpu_power_readings', 'power_draw'], ['power_readings', 'power_draw'], ['gpu_power_readings', 'instant_power_draw']),
      'power draw',
      ['W'],
    ),
    powerLimitWatts: readNumber(firstText(gpu, ['gpu_power_readings', 'current_power_limit'], ['power_readings', 'power_limit']), 'power limit', ['W']),
    temperatureC: readNumber(childText(gpu, 'temperature', 'gpu_temp') ?? '', 'temperature.gpu_temp', ['C']),
    pciBusId: readText(childText(gpu, 'pci', 'pci_bus_id') ?? gpu.attributes.id ?? ''),
    driverVersion,
    migEnabled: mig === undefined ? undefined : mig.toLowerCase() === 'enabled',
    architecture: readText(childText(gpu, 'product_architecture') ?? ''),
  });
}

export function parseNvidiaSmiXml(text: string): Parsed<NvidiaGpu> {
  const items: NvidiaGpu[] = [];
  const warnings: string[] = [];
  let root;
  try {
    root = parseXml(text);
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    return { items, warnings: [`not XML: ${error.message}: '${truncate(text.trim())}'`] };
  }
  if (root.name !== 'nvidia_smi_log') return { items, warnings: [`expected <nvidia_smi_log>, got <${root.name}>`] };
  const driverVersion = readText(child(root, 'driver_version')?.text ?? '');
  root.children
    .filter((c) => c.name === 'gpu')
    .forEach((gpu, index) => {
      try {
        items.push(readGpu(gpu, index, driverVersion));
      } catch (error) {
        if (!(error instanceof ParseError)) throw error;
        warnings.push(`gpu ${index}: ${error.message}`);
      }
    });
  return { items, warnings };
}
