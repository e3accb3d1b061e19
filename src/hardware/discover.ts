/**
 * Discovery of this machine's devices: every probe runs at once, each tolerant of its tool's
 * absence (that vendor simply has no devices) and of bad output (a warning, never a throw).
 */
import type { Catalog } from './catalog.js';
import { classify, type Classifiable } from './classify.js';
import type { Tier } from '../core/tiers.js';
import type { CpuInfo, Device, Discovery, DiscoverySource, DiscoveryWarning, HostMemory, Pressure, ResourcePressure, ToolState } from './device.js';
import { systemHost, type Host } from './host.js';
import { HL_SMI_ARGS, parseHlSmiCsv } from './hl-smi.js';
import { cpuFromLscpu, cpuFromOs, parseCpuinfo, parseLscpu, LSCPU_ARGS } from './lscpu.js';
import { NVIDIA_SMI_ARGS, parseNvidiaSmiCsv, type NvidiaGpu } from './nvidia-smi.js';
import { NVIDIA_SMI_XML_ARGS, parseNvidiaSmiXml } from './nvidia-smi-xml.js';
import { parseDeviceTreeModel, parseMeminfo, parsePressure } from './proc.js';
import { ParseError, withoutUndefined } from './quantity.js';
import { parseRocmSmiJson, ROCM_SMI_ARGS } from './rocm-smi.js';

export interface DiscoverOptions {
  readonly catalog: Catalog;
  /** @default systemHost() */
  readonly host?: Host;
  /** The tier of every device found. @default the class's default_tier, else 'onprem' */
  readonly tier?: Tier;
}

/** A device as a probe sees it, before classification and tiering, with what else helps to classify it. */
interface Found {
  readonly device: Omit<Device, 'class' | 'tier' | 'real'>;
  readonly identifiers?: readonly string[];
  readonly architecture?: string;
}

interface ProbeResult {
  readonly devices: readonly Found[];
  readonly warnings: readonly DiscoveryWarning[];
  readonly state: ToolState;
}

const NOTHING: ProbeResult = { devices: [], warnings: [], state: 'missing' };

function warn(source: DiscoverySource, message: string): DiscoveryWarning {
  return { source, message };
}

/** Runs a probe so that no error of a tool's output ever escapes discovery. */
async function guarded(source: DiscoverySource, probe: () => Promise<ProbeResult>): Promise<ProbeResult> {
  try {
    return await probe();
  } catch (error) {
    return { devices: [], warnings: [warn(source, `could not read its output: ${error instanceof Error ? error.message : String(error)}`)], state: 'failed' };
  }
}

function nvidiaDevice(gpu: NvidiaGpu): Found {
  return {
    device: withoutUndefined<Found['device']>({
      id: `nvidia:${gpu.index}`,
      kind: 'gpu',
      vendor: 'nvidia',
      name: gpu.name,
      memoryBytes: gpu.memoryTotalBytes,
      memoryUsedBytes: gpu.memoryUsedBytes,
      utilisation: gpu.utilisation,
      powerWatts: gpu.powerDrawWatts,
      powerLimitWatts: gpu.powerLimitWatts,
      temperatureC: gpu.temperatureC,
      computeCapability: gpu.computeCapability,
      uuid: gpu.uuid,
      pciBusId: gpu.pciBusId,
      driverVersion: gpu.driverVersion,
      migEnabled: gpu.migEnabled,
      source: 'nvidia-smi',
    }),
  };
}

async function probeNvidia(host: Host): Promise<ProbeResult> {
  const csv = await host.run('nvidia-smi', NVIDIA_SMI_ARGS);
  if (csv.status === 'missing') return NOTHING;
  // A driver without GPUs (or with all of them hidden from this container) says so and exits 6.
  if (csv.status === 'failed' && /no devices were found/i.test(csv.reason)) return { devices: [], warnings: [], state: 'found' };
  if (csv.status === 'ok') {
    const parsed = parseNvidiaSmiCsv(csv.stdout);
    return fromParsed('nvidia-smi', parsed.items.map(nvidiaDevice), parsed.warnings);
  }
  // Drivers before R510 refuse the whole query for not knowing compute_cap: try the XML report.
  const xml = await host.run('nvidia-smi', NVIDIA_SMI_XML_ARGS);
  if (xml.status === 'ok') {
    const parsed = parseNvidiaSmiXml(xml.stdout);
    if (parsed.items.length > 0) {
      return {
        devices: parsed.items.map(nvidiaDevice),
        warnings: [warn('nvidia-smi', `--query-gpu failed (${csv.reason}); read nvidia-smi -q -x instead, without compute capability`), ...parsed.warnings.map((m) => warn('nvidia-smi', m))],
        state: 'found',
      };
    }
  }
  return { devices: [], warnings: [warn('nvidia-smi', `failed: ${csv.reason}`)], state: 'failed' };
}

/** Devices and warnings from one parsed tool output; nothing found but warnings means the tool failed. */
function fromParsed(tool: DiscoverySource, devices: Found[], messages: readonly string[]): ProbeResult {
  const warnings = messages.map((m) => warn(tool, m));
  return { devices, warnings, state: devices.length === 0 && warnings.length > 0 ? 'failed' : 'found' };
}

/** Runs a vendor tool: missing = no devices of that vendor; failing = a warning, never a crash. */
async function probeTool<T>(host: Host, tool: DiscoverySource, args: readonly string[], parse: (stdout: string) => { items: T[]; warnings: string[] }, toFound: (item: T) => Found): Promise<ProbeResult> {
  const out = await host.run(tool, args);
  if (out.status === 'missing') return NOTHING;
  if (out.status === 'failed') return { devices: [], warnings: [warn(tool, `failed: ${out.reason}`)], state: 'failed' };
  const parsed = parse(out.stdout);
  return fromParsed(tool, parsed.items.map(toFound), parsed.warnings);
}

function probeAmd(host: Host): Promise<ProbeResult> {
  return probeTool(host, 'rocm-smi', ROCM_SMI_ARGS, parseRocmSmiJson, (gpu) => ({
    identifiers: gpu.identifiers,
    device: withoutUndefined<Found['device']>({
      id: `amd:${gpu.index}`,
      kind: 'gpu',
      vendor: 'amd',
      name: gpu.name,
      memoryBytes: gpu.memoryTotalBytes,
      memoryUsedBytes: gpu.memoryUsedBytes,
      utilisation: gpu.utilisation,
      powerWatts: gpu.powerDrawWatts,
      temperatureC: gpu.temperatureC,
      uuid: gpu.uniqueId,
      pciBusId: gpu.pciBusId,
      source: 'rocm-smi',
    }),
  }));
}

function probeGaudi(host: Host): Promise<ProbeResult> {
  return probeTool(host, 'hl-smi', HL_SMI_ARGS, parseHlSmiCsv, (aip) => ({
    device: withoutUndefined<Found['device']>({
      id: `gaudi:${aip.index}`,
      kind: 'accelerator',
      vendor: 'intel',
      name: aip.name,
      memoryBytes: aip.memoryTotalBytes,
      memoryUsedBytes: aip.memoryUsedBytes,
      utilisation: aip.utilisation,
      powerWatts: aip.powerDrawWatts,
      temperatureC: aip.temperatureC,
      uuid: aip.uuid,
      pciBusId: aip.pciBusId,
      driverVersion: aip.driverVersion,
      source: 'hl-smi',
    }),
  }));
}

interface CpuResult {
  readonly cpu: CpuInfo;
  readonly source: DiscoverySource;
  readonly state: ToolState;
  readonly warnings: readonly DiscoveryWarning[];
}

async function probeCpu(host: Host): Promise<CpuResult> {
  const warnings: DiscoveryWarning[] = [];
  let out = await host.run('lscpu', LSCPU_ARGS);
  // util-linux before 2.30 has no -J; its plain output reads the same.
  if (out.status === 'failed') out = await host.run('lscpu', []);
  if (out.status === 'ok') {
    try {
      return { cpu: cpuFromLscpu(parseLscpu(out.stdout), host.os()), source: 'lscpu', state: 'found', warnings };
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      warnings.push(warn('lscpu', error.message));
    }
  } else if (out.status === 'failed') {
    warnings.push(warn('lscpu', `failed: ${out.reason}`));
  }
  const state: ToolState = out.status === 'missing' ? 'missing' : 'failed';
  const cpuinfo = await host.readFile('/proc/cpuinfo');
  if (cpuinfo.status === 'ok') return { cpu: cpuFromOs(host.os(), parseCpuinfo(cpuinfo.text)), source: 'proc', state, warnings };
  return { cpu: cpuFromOs(host.os()), source: 'os', state, warnings };
}

async function probeMemory(host: Host): Promise<{ memory: HostMemory; warnings: DiscoveryWarning[] }> {
  const fallback = (): HostMemory => ({ totalBytes: host.os().totalMemoryBytes, availableBytes: host.os().freeMemoryBytes });
  const file = await host.readFile('/proc/meminfo');
  if (file.status === 'missing') return { memory: fallback(), warnings: [] };
  if (file.status === 'failed') return { memory: fallback(), warnings: [warn('proc', `/proc/meminfo: ${file.reason}`)] };
  try {
    return { memory: parseMeminfo(file.text), warnings: [] };
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    return { memory: fallback(), warnings: [warn('proc', `/proc/meminfo: ${error.message}`)] };
  }
}

const RESOURCES = ['cpu', 'memory', 'io'] as const;

async function probePressure(host: Host): Promise<{ pressure: Pressure | null; warnings: DiscoveryWarning[] }> {
  const warnings: DiscoveryWarning[] = [];
  const files = await Promise.all(RESOURCES.map((r) => host.readFile(`/proc/pressure/${r}`)));
  const pressure: Partial<Record<(typeof RESOURCES)[number], ResourcePressure>> = {};
  files.forEach((file, i) => {
    const resource = RESOURCES[i]!;
    if (file.status === 'failed') warnings.push(warn('proc', `/proc/pressure/${resource}: ${file.reason}`));
    if (file.status !== 'ok') return;
    try {
      pressure[resource] = parsePressure(file.text);
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      warnings.push(warn('proc', `/proc/pressure/${resource}: ${error.message}`));
    }
  });
  return { pressure: Object.keys(pressure).length > 0 ? pressure : null, warnings };
}

/** A Jetson board names itself in the device tree; its GPU shares the host's memory. */
async function probeJetson(host: Host, memory: Promise<{ memory: HostMemory }>): Promise<ProbeResult> {
  const file = await host.readFile('/proc/device-tree/model');
  if (file.status !== 'ok') return NOTHING;
  const model = parseDeviceTreeModel(file.text);
  if (model === undefined || !/jetson/i.test(model)) return NOTHING;
  const { totalBytes, availableBytes } = (await memory).memory;
  const device: Found['device'] = { id: 'jetson:0', kind: 'soc', vendor: 'nvidia', name: model, memoryBytes: totalBytes, memoryUsedBytes: totalBytes - availableBytes, source: 'device-tree' };
  return { devices: [{ device }], warnings: [], state: 'found' };
}

function place({ device, identifiers, architecture }: Found, catalog: Catalog, tier: Tier | undefined): Device {
  const match: Classifiable = { kind: device.kind, vendor: device.vendor, name: device.name, identifiers: identifiers ?? [], ...(architecture === undefined ? {} : { architecture }) };
  const hardwareClass = classify(match, catalog);
  return { ...device, class: hardwareClass?.id ?? null, tier: tier ?? hardwareClass?.defaultTier ?? 'onprem', real: true };
}

export async function discoverDevices(options: DiscoverOptions): Promise<Discovery> {
  const host = options.host ?? systemHost();
  const memoryProbe = probeMemory(host);
  const [cpu, memory, pressure, nvidia, amd, gaudi, jetson] = await Promise.all([
    probeCpu(host).catch((error: unknown): CpuResult => ({ cpu: cpuFromOs(host.os()), source: 'os', state: 'failed', warnings: [warn('lscpu', String(error))] })),
    memoryProbe,
    probePressure(host),
    guarded('nvidia-smi', () => probeNvidia(host)),
    guarded('rocm-smi', () => probeAmd(host)),
    guarded('hl-smi', () => probeGaudi(host)),
    guarded('device-tree', () => probeJetson(host, memoryProbe)),
  ]);
  const cpuDevice: Found = {
    architecture: cpu.cpu.architecture,
    device: {
      id: 'cpu:0',
      kind: 'cpu',
      vendor: cpu.cpu.vendor,
      name: cpu.cpu.model,
      memoryBytes: memory.memory.totalBytes,
      memoryUsedBytes: memory.memory.totalBytes - memory.memory.availableBytes,
      source: cpu.source,
    },
  };
  // When nvidia-smi works on a Jetson it reports the same GPU the device tree names.
  const jetsonDevices = nvidia.devices.length > 0 ? [] : jetson.devices;
  const found = [cpuDevice, ...nvidia.devices, ...amd.devices, ...gaudi.devices, ...jetsonDevices];
  const os = host.os();
  return {
    hostname: os.hostname,
    platform: os.platform,
    cpu: cpu.cpu,
    memory: memory.memory,
    pressure: pressure.pressure,
    devices: found.map((f) => place(f, options.catalog, options.tier)),
    tools: { lscpu: cpu.state, 'nvidia-smi': nvidia.state, 'rocm-smi': amd.state, 'hl-smi': gaudi.state },
    warnings: [...cpu.warnings, ...memory.warnings, ...pressure.warnings, ...nvidia.warnings, ...amd.warnings, ...gaudi.warnings, ...jetson.warnings],
  };
}
