/**
 * The CPU from `lscpu -J` (or plain `lscpu`, or /proc/cpuinfo when lscpu is not installed):
 * model, vendor, architecture, sockets, cores, threads and the instruction-set flags that
 * matter for inference.
 */
import type { CpuInfo } from './device.js';
import type { OsFacts } from './host.js';
import { ParseError, isUnavailable, truncate } from './quantity.js';

export const LSCPU_ARGS: readonly string[] = ['-J'];

/**
 * Flags that change how fast inference runs on a CPU, in the order reports show them.
 * x86: AVX2/FMA (the baseline of ONNX Runtime's fast kernels), AVX-512 and its VNNI/BF16/FP16
 * extensions, AMX tiles (Sapphire Rapids and later). Arm: NEON (asimd) with FP16 and dot
 * product, SVE/SVE2, BF16 and int8 matrix multiply, SME.
 */
export const NOTABLE_FLAGS: readonly string[] = [
  'sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx_vnni',
  'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'avx512_fp16',
  'amx_tile', 'amx_bf16', 'amx_int8', 'amx_fp16',
  'asimd', 'asimdhp', 'asimddp', 'sve', 'sve2', 'bf16', 'i8mm', 'sme',
];

/** lscpu's fields by name without the trailing colon (`Model name`), first occurrence wins. */
export type LscpuFields = ReadonlyMap<string, string>;

interface LscpuEntry {
  field?: unknown;
  data?: unknown;
  children?: unknown;
}

function collect(entries: unknown, into: Map<string, string>): void {
  if (!Array.isArray(entries)) throw new ParseError('lscpu JSON: "lscpu" is not a list');
  for (const entry of entries as LscpuEntry[]) {
    if (typeof entry !== 'object' || entry === null || typeof entry.field !== 'string') throw new ParseError('lscpu JSON: an entry has no "field"');
    const name = entry.field.replace(/:\s*$/, '').trim();
    if (typeof entry.data === 'string' && !into.has(name)) into.set(name, entry.data.trim());
    // lscpu nests fields (Model name under Vendor ID…) when its output is a terminal.
    if (entry.children !== undefined) collect(entry.children, into);
  }
}

/** Reads `lscpu -J` (flat, or nested as lscpu prints it to a terminal) or plain `lscpu` text. */
export function parseLscpu(text: string): LscpuFields {
  const fields = new Map<string, string>();
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let document: unknown;
    try {
      document = JSON.parse(trimmed);
    } catch (error) {
      throw new ParseError(`lscpu JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    collect((document as { lscpu?: unknown } | null)?.lscpu, fields);
  } else {
    for (const line of trimmed.split(/\r?\n/)) {
      const m = /^([^:]+):\s*(.*)$/.exec(line);
      if (m && !fields.has(m[1]!.trim())) fields.set(m[1]!.trim(), m[2]!.trim());
    }
  }
  if (!fields.has('Architecture') || !fields.has('CPU(s)')) throw new ParseError(`lscpu: no Architecture or CPU(s) in '${truncate(trimmed)}'`);
  return fields;
}

const VENDORS: Readonly<Record<string, string>> = {
  GenuineIntel: 'intel',
  AuthenticAMD: 'amd',
  HygonGenuine: 'hygon',
  CentaurHauls: 'centaur',
  ARM: 'arm',
  Apple: 'apple',
  HiSilicon: 'hisilicon',
  NVIDIA: 'nvidia',
  Qualcomm: 'qualcomm',
  Ampere: 'ampere',
};

export function normaliseVendor(vendorId: string | undefined): string {
  if (vendorId === undefined || isUnavailable(vendorId)) return 'unknown';
  return VENDORS[vendorId] ?? vendorId.toLowerCase();
}

function count(fields: LscpuFields, name: string): number | undefined {
  const raw = fields.get(name);
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

export function notableFlags(flags: readonly string[]): string[] {
  const present = new Set(flags);
  return NOTABLE_FLAGS.filter((f) => present.has(f));
}

export function cpuFromLscpu(fields: LscpuFields, os: OsFacts): CpuInfo {
  const threads = count(fields, 'CPU(s)') ?? os.logicalCpus;
  const threadsPerCore = count(fields, 'Thread(s) per core');
  const sockets = count(fields, 'Socket(s)');
  const coresPerSocket = count(fields, 'Core(s) per socket');
  const clusters = count(fields, 'Cluster(s)');
  const coresPerCluster = count(fields, 'Core(s) per cluster');
  // Arm machines often report clusters instead of sockets (and `Socket(s): -`).
  const cores =
    sockets !== undefined && coresPerSocket !== undefined
      ? sockets * coresPerSocket
      : clusters !== undefined && coresPerCluster !== undefined
        ? clusters * coresPerCluster
        : threadsPerCore
          ? Math.max(1, Math.floor(threads / threadsPerCore))
          : threads;
  const flags = (fields.get('Flags') ?? '').split(/\s+/).filter((f) => f.length > 0);
  const model = fields.get('Model name');
  return {
    model: model === undefined || isUnavailable(model) ? os.cpuModel : model,
    vendor: normaliseVendor(fields.get('Vendor ID')),
    architecture: fields.get('Architecture') ?? os.arch,
    ...(sockets === undefined ? {} : { sockets }),
    cores,
    threads,
    flags,
    instructionSets: notableFlags(flags),
  };
}

/** The first processor of /proc/cpuinfo: model, vendor and flags (`flags` on x86, `Features` on Arm). */
export function parseCpuinfo(text: string): { model?: string; vendorId?: string; flags: string[] } {
  const value = (key: string): string | undefined => new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  return {
    ...(value('model name') === undefined ? {} : { model: value('model name') }),
    ...(value('vendor_id') === undefined ? {} : { vendorId: value('vendor_id') }),
    flags: (value('flags') ?? value('Features') ?? '').split(/\s+/).filter((f) => f.length > 0),
  };
}

/** What Node and /proc/cpuinfo give when lscpu is not installed (macOS, minimal containers). */
export function cpuFromOs(os: OsFacts, cpuinfo?: { model?: string; vendorId?: string; flags: string[] }): CpuInfo {
  const flags = cpuinfo?.flags ?? [];
  return {
    model: cpuinfo?.model ?? os.cpuModel,
    vendor: normaliseVendor(cpuinfo?.vendorId),
    architecture: os.arch,
    cores: os.logicalCpus,
    threads: os.logicalCpus,
    flags,
    instructionSets: notableFlags(flags),
  };
}
