/** Which hardware class a device belongs to: the first class in catalog order whose rule matches. */
import type { Catalog, HardwareClass, MatchRule } from './catalog.js';
import type { DeviceKind } from './device.js';

export interface Classifiable {
  readonly kind: DeviceKind;
  readonly vendor: string;
  readonly name: string;
  /** Other names the device goes by (AMD's PCI device id, SKU), tried like the name. */
  readonly identifiers?: readonly string[];
  /** For CPUs: `x86_64`, `aarch64`, or Node's `x64`, `arm64`. */
  readonly architecture?: string;
}

/** Every condition a rule sets must hold: kind, vendor, one name pattern, one architecture. */
export function matches(rule: MatchRule, device: Classifiable): boolean {
  if (rule.kind !== undefined && rule.kind !== device.kind) return false;
  if (rule.vendor !== undefined && rule.vendor.toLowerCase() !== device.vendor.toLowerCase()) return false;
  if (rule.names.length > 0) {
    const names = [device.name, ...(device.identifiers ?? [])];
    if (!rule.names.some((pattern) => names.some((name) => pattern.test(name)))) return false;
  }
  if (rule.architectures.length > 0) {
    const arch = device.architecture?.toLowerCase();
    if (arch === undefined || !rule.architectures.some((a) => a.toLowerCase() === arch)) return false;
  }
  return true;
}

export function classify(device: Classifiable, catalog: Catalog): HardwareClass | undefined {
  return catalog.classes.find((c) => matches(c.match, device));
}
