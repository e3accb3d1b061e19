/**
 * What discovery reports: devices (CPUs, GPUs, accelerators), the CPU's details, memory and
 * pressure, and warnings for tools that answered badly. Plain data, ready for JSON.
 */
import type { Tier } from '../core/tiers.js';

export type DeviceKind = 'cpu' | 'gpu' | 'accelerator' | 'soc';

/** The tool (or file) a device or warning came from. */
export type DiscoverySource = 'lscpu' | 'proc' | 'os' | 'nvidia-smi' | 'rocm-smi' | 'hl-smi' | 'device-tree' | 'declared';

export interface Device {
  /** Stable within a machine: `cpu:0`, `nvidia:0`, `amd:1`, `gaudi:0`, `jetson:0`. */
  readonly id: string;
  readonly kind: DeviceKind;
  /** `nvidia`, `amd`, `intel`, `arm`…: who made it (for a CPU, from lscpu's vendor id). */
  readonly vendor: string;
  /** As the tool reports it, e.g. `NVIDIA H200`. */
  readonly name: string;
  /** Hardware class id in the catalog, or null when no class matches. */
  readonly class: string | null;
  readonly memoryBytes: number;
  readonly memoryUsedBytes?: number;
  /** Busy share, 0..1, as the tool last sampled it. */
  readonly utilisation?: number;
  readonly powerWatts?: number;
  readonly powerLimitWatts?: number;
  readonly temperatureC?: number;
  /** CUDA compute capability, e.g. `9.0` (NVIDIA only). */
  readonly computeCapability?: string;
  readonly uuid?: string;
  readonly pciBusId?: string;
  readonly driverVersion?: string;
  readonly migEnabled?: boolean;
  readonly tier: Tier;
  /** True for a device found on this machine; false for one declared for tests and planning (run by `sim`). */
  readonly real: boolean;
  readonly source: DiscoverySource;
}

export interface DiscoveryWarning {
  readonly source: DiscoverySource;
  readonly message: string;
}

/** Pressure stall information of one resource: the share of time tasks waited, in percent. */
export interface PressureLine {
  readonly avg10: number;
  readonly avg60: number;
  readonly avg300: number;
  /** Total stall time since boot, microseconds. */
  readonly totalMicros: number;
}
export interface ResourcePressure {
  /** Some tasks stalled. */
  readonly some: PressureLine;
  /** All non-idle tasks stalled at once (absent for cpu on kernels before 5.13). */
  readonly full?: PressureLine;
}
export interface Pressure {
  readonly cpu?: ResourcePressure;
  readonly memory?: ResourcePressure;
  readonly io?: ResourcePressure;
}

export interface CpuInfo {
  readonly model: string;
  readonly vendor: string;
  /** As lscpu names it: `x86_64`, `aarch64`; else Node's `x64`, `arm64`. */
  readonly architecture: string;
  readonly sockets?: number;
  /** Physical cores. */
  readonly cores: number;
  /** Logical CPUs (hardware threads). */
  readonly threads: number;
  /** Every flag the kernel reports. */
  readonly flags: readonly string[];
  /** The flags that matter for inference (AVX2, AVX-512, AMX, NEON, SVE…), in a fixed order. */
  readonly instructionSets: readonly string[];
}

export interface HostMemory {
  readonly totalBytes: number;
  readonly availableBytes: number;
}

export type ToolState = 'found' | 'missing' | 'failed';

export interface Discovery {
  readonly hostname: string;
  readonly platform: string;
  readonly cpu: CpuInfo;
  readonly memory: HostMemory;
  /** Null where the kernel has no /proc/pressure (not Linux, or built without PSI). */
  readonly pressure: Pressure | null;
  readonly devices: readonly Device[];
  /** What each vendor tool did: a missing tool is not an error, that vendor simply has no devices. */
  readonly tools: Readonly<Record<'lscpu' | 'nvidia-smi' | 'rocm-smi' | 'hl-smi', ToolState>>;
  readonly warnings: readonly DiscoveryWarning[];
}
