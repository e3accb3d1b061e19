/**
 * The CPU of this machine as a hardware class, synchronously and without any tool: the class
 * every CPU replica reports. Full discovery (lscpu, nvidia-smi, rocm-smi, hl-smi) is
 * discover.ts; test/hardware/catalog.test.ts keeps this mapping in step with the catalog's
 * `cpu-x86` / `cpu-arm` match rules.
 */
import { arch, availableParallelism, cpus, totalmem } from 'node:os';

export interface CpuDevice {
  /** Hardware class name in the catalog: `cpu-x86` or `cpu-arm`. */
  readonly hardwareClass: string;
  readonly device: string;
  readonly model: string;
  readonly cores: number;
  readonly memoryBytes: number;
}

export function describeCpu(): CpuDevice {
  const hardwareClass = arch() === 'arm64' ? 'cpu-arm' : arch() === 'x64' ? 'cpu-x86' : `cpu-${arch()}`;
  return Object.freeze({
    hardwareClass,
    device: 'cpu:0',
    model: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryBytes: totalmem(),
  });
}
