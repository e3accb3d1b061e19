/**
 * Declared devices (server config `declared_devices`) as Device entries: what the machine does
 * not have, shown next to what it has, always `real: false` so every listing says simulated.
 */
import { ConfigError, type DeclaredDevice } from '../core/config.js';
import type { Catalog, HardwareClass } from './catalog.js';
import type { Tier } from '../core/tiers.js';
import type { Device } from './device.js';

/** The catalog class of a declared device; an unknown class is a configuration error, not a guess. */
export function declaredClass(device: DeclaredDevice, catalog: Catalog, index: number): HardwareClass {
  const known = catalog.byId.get(device.class);
  if (!known) throw new ConfigError([`declared_devices[${index}].class: '${device.class}' is not a hardware class in the catalog (${[...catalog.byId.keys()].join(', ')})`]);
  return known;
}

export function declaredTier(device: DeclaredDevice, known: HardwareClass): Tier {
  return device.tier ?? known.defaultTier ?? 'onprem';
}

export function declaredDevices(devices: readonly DeclaredDevice[], catalog: Catalog): Device[] {
  return devices.flatMap((device, index) => {
    const known = declaredClass(device, catalog, index);
    return Array.from({ length: device.count }, (_, i): Device => ({
      id: `sim:${device.class}:${i}`,
      kind: known.kind,
      vendor: known.vendor,
      name: `${known.label} (declared)`,
      class: known.id,
      memoryBytes: known.memoryBytes.value,
      tier: declaredTier(device, known),
      real: false,
      source: 'declared',
    }));
  });
}
