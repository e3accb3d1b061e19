/**
 * What `switchyard hardware` prints: a table for people, snake_case JSON for machines. Pure
 * functions of a Discovery and a Catalog.
 */
import type { Catalog, Figure, HardwareClass } from './catalog.js';
import type { Device, Discovery, PressureLine, ResourcePressure } from './device.js';
import { withoutUndefined } from './quantity.js';

export function formatBytes(bytes: number): string {
  const units = [
    ['TiB', 2 ** 40],
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const;
  for (const [unit, size] of units) if (bytes >= size) return `${(bytes / size).toFixed(1)} ${unit}`;
  return `${bytes} B`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

function pressureLineJson(line: PressureLine): Record<string, number> {
  return { avg10: line.avg10, avg60: line.avg60, avg300: line.avg300, total_us: line.totalMicros };
}

function resourceJson(resource: ResourcePressure | undefined): Record<string, unknown> | undefined {
  if (!resource) return undefined;
  return withoutUndefined({ some: pressureLineJson(resource.some), full: resource.full ? pressureLineJson(resource.full) : undefined });
}

export function deviceJson(device: Device, catalog: Catalog): Record<string, unknown> {
  return withoutUndefined({
    id: device.id,
    kind: device.kind,
    vendor: device.vendor,
    name: device.name,
    class: device.class,
    class_label: device.class === null ? undefined : catalog.byId.get(device.class)?.label,
    memory_bytes: device.memoryBytes,
    memory_used_bytes: device.memoryUsedBytes,
    utilisation: device.utilisation,
    power_watts: device.powerWatts,
    power_limit_watts: device.powerLimitWatts,
    temperature_c: device.temperatureC,
    compute_capability: device.computeCapability,
    uuid: device.uuid,
    pci_bus_id: device.pciBusId,
    driver_version: device.driverVersion,
    mig_enabled: device.migEnabled,
    tier: device.tier,
    real: device.real,
    simulated: !device.real,
    source: device.source,
  });
}

export function discoveryJson(discovery: Discovery, catalog: Catalog): Record<string, unknown> {
  const { cpu, memory, pressure } = discovery;
  return {
    hostname: discovery.hostname,
    platform: discovery.platform,
    cpu: withoutUndefined({
      model: cpu.model,
      vendor: cpu.vendor,
      architecture: cpu.architecture,
      sockets: cpu.sockets,
      cores: cpu.cores,
      threads: cpu.threads,
      instruction_sets: cpu.instructionSets,
      flags: cpu.flags,
    }),
    memory: { total_bytes: memory.totalBytes, available_bytes: memory.availableBytes },
    pressure: pressure === null ? null : withoutUndefined({ cpu: resourceJson(pressure.cpu), memory: resourceJson(pressure.memory), io: resourceJson(pressure.io) }),
    devices: discovery.devices.map((d) => deviceJson(d, catalog)),
    tools: discovery.tools,
    warnings: discovery.warnings,
    catalog: { files: catalog.files },
  };
}

function optional(value: number | undefined, render: (v: number) => string): string {
  return value === undefined ? '-' : render(value);
}

export function devicesTable(devices: readonly Device[]): string {
  const rows: string[][] = [['DEVICE', 'CLASS', 'NAME', 'MEMORY', 'USED', 'UTIL', 'POWER', 'TEMP', 'TIER', 'REAL/SIMULATED']];
  for (const d of devices) {
    rows.push([
      d.id,
      d.class ?? '(none)',
      d.name,
      formatBytes(d.memoryBytes),
      optional(d.memoryUsedBytes, formatBytes),
      optional(d.utilisation, (u) => `${Math.round(u * 100)}%`),
      optional(d.powerWatts, (w) => `${w.toFixed(0)} W`),
      optional(d.temperatureC, (t) => `${t.toFixed(0)} C`),
      d.tier,
      d.real ? 'real' : 'simulated',
    ]);
  }
  return table(rows);
}

function pressureSummary(resource: ResourcePressure | undefined): string {
  if (!resource) return 'n/a';
  const { avg10, avg60, avg300 } = resource.some;
  return `${avg10.toFixed(2)}/${avg60.toFixed(2)}/${avg300.toFixed(2)}`;
}

export function discoveryText(discovery: Discovery): string {
  const { cpu, memory, pressure } = discovery;
  const lines = [devicesTable(discovery.devices), ''];
  const sockets = cpu.sockets === undefined ? '' : `${cpu.sockets} socket${cpu.sockets === 1 ? '' : 's'}, `;
  lines.push(`cpu: ${cpu.model} (${cpu.vendor}, ${cpu.architecture}): ${sockets}${cpu.cores} cores, ${cpu.threads} threads; ${cpu.instructionSets.length > 0 ? cpu.instructionSets.join(' ') : 'no notable vector extensions'}`);
  lines.push(`memory: ${formatBytes(memory.totalBytes)} total, ${formatBytes(memory.availableBytes)} available`);
  lines.push(
    pressure === null
      ? 'pressure: not available (no /proc/pressure: not Linux, or a kernel without PSI)'
      : `pressure (% of time some tasks stalled, avg10/avg60/avg300): cpu ${pressureSummary(pressure.cpu)}, memory ${pressureSummary(pressure.memory)}, io ${pressureSummary(pressure.io)}`,
  );
  lines.push(`tools: ${Object.entries(discovery.tools).map(([tool, state]) => `${tool} ${state}`).join(', ')}`);
  for (const w of discovery.warnings) lines.push(`warning: ${w.source}: ${w.message}`);
  return lines.join('\n');
}

/** The catalog as a table: one row per class with its figures (sources are in the YAML and docs/hardware.md). */
export function classesTable(catalog: Catalog): string {
  const rows: string[][] = [['CLASS', 'LABEL', 'MEMORY', 'BANDWIDTH', 'PEAK DENSE', 'TDP', 'USD/H', 'PRICE BASIS', 'FROM']];
  for (const c of catalog.classes) {
    rows.push([
      c.id,
      c.label,
      formatBytes(c.memoryBytes.value),
      `${(c.memoryBandwidthBytesPerS.value / 1e9).toFixed(1)} GB/s`,
      `${c.peakDenseTflops.value} TFLOPS ${c.peakDenseTflops.precision}`,
      `${c.tdpWatts.value} W`,
      c.priceUsdPerHour.value.toFixed(2),
      c.priceUsdPerHour.basis,
      c.origin === catalog.files[0] ? 'built-in' : c.origin,
    ]);
  }
  return table(rows);
}

export function classJson(c: HardwareClass): Record<string, unknown> {
  const fig = (f: Figure, extra: Record<string, unknown> = {}): Record<string, unknown> => withoutUndefined({ value: f.value, ...extra, source: f.source, as_of: f.asOf, note: f.note });
  return withoutUndefined({
    id: c.id,
    label: c.label,
    kind: c.kind,
    vendor: c.vendor,
    reference: c.reference,
    default_tier: c.defaultTier,
    memory_bytes: fig(c.memoryBytes),
    memory_bandwidth_bytes_per_s: fig(c.memoryBandwidthBytesPerS),
    peak_dense_tflops: fig(c.peakDenseTflops, { precision: c.peakDenseTflops.precision }),
    tdp_watts: fig(c.tdpWatts),
    price_usd_per_hour: fig(c.priceUsdPerHour, { basis: c.priceUsdPerHour.basis }),
    origin: c.origin,
  });
}
