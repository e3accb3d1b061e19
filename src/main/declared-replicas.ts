/**
 * Replicas on declared devices: for each READY model version with a sim profile
 * (`sim_profiles/<file>.yaml` whose `model` is the version's model), each declared device
 * whose class the profile times becomes `count` replicas on the `sim` backend, priced from the
 * catalog. A version without a profile, or a class its profile lacks, gets none (and a warning).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerConfig } from '../core/config.js';
import type { ServedVersion } from '../serving/model-catalog.js';
import type { ReplicaPlan } from '../serving/live/replica-plans.js';
import type { Catalog } from '../hardware/catalog.js';
import { declaredClass, declaredTier } from '../hardware/declared.js';
import { SimBackend, type SimTimers } from '../runtime/sim/sim-backend.js';
import { loadProfile, serviceMs, type ClassProfile, type ModelProfile } from '../sim/profile.js';
import type { Logger } from '../telemetry/logger.js';

/** Every readable profile in the folder, by model name; a bad file is a warning, not a stop. */
export function loadSimProfiles(dir: string, log: Logger): Map<string, ModelProfile> {
  const profiles = new Map<string, ModelProfile>();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  } catch {
    log.warn({ sim_profiles: dir }, 'sim profiles folder cannot be read: declared devices will serve no model');
    return profiles;
  }
  for (const file of files) {
    try {
      const profile = loadProfile(join(dir, file));
      profiles.set(profile.model, profile);
    } catch (error) {
      log.warn({ file, err: error }, 'sim profile skipped');
    }
  }
  return profiles;
}

function classProfile(profile: ModelProfile, wanted: readonly string[]): ClassProfile | undefined {
  for (const name of wanted) {
    const found = profile.classes.get(name);
    if (found) return found;
  }
  return undefined;
}

export function declaredReplicas(served: ServedVersion, config: ServerConfig, catalog: Catalog, profiles: ReadonlyMap<string, ModelProfile>, timers: SimTimers, log: Logger): ReplicaPlan[] {
  const contract = served.config?.contract;
  if (!contract || config.declaredDevices.length === 0) return [];
  const profile = profiles.get(served.model);
  if (!profile) {
    log.warn({ model: served.model, sim_profiles: config.simProfiles }, 'no sim profile for this model: it gets no replicas on declared devices');
    return [];
  }
  const plans: ReplicaPlan[] = [];
  config.declaredDevices.forEach((device, index) => {
    const known = declaredClass(device, catalog, index);
    const wanted = device.profileClass === undefined ? [device.class, `gpu-${device.class}`, `cpu-${device.class}`] : [device.profileClass];
    const timing = classProfile(profile, wanted);
    if (!timing) {
      log.warn({ model: served.model, class: device.class, profile: profile.file }, 'the sim profile does not time this class: no replicas on it');
      return;
    }
    const ms = (rows: number): number => serviceMs(timing, rows);
    const maxRows = Math.max(2, contract.maxBatchSize);
    for (let i = 0; i < device.count; i++) {
      plans.push({
        backend: new SimBackend({ contract, hardwareClass: device.class, device: `sim:${device.class}:${i}`, serviceMs: ms, timers }),
        node: device.node,
        tier: declaredTier(device, known),
        costPerHour: device.costPerHour ?? known.priceUsdPerHour.value,
        memoryBytes: known.memoryBytes.value,
        serviceTimePrior: { baseMs: ms(1), perRowMs: Math.max(0, (ms(maxRows) - ms(1)) / (maxRows - 1)) },
      });
    }
  });
  return plans;
}
