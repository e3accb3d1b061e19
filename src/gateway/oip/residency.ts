/**
 * Residency: the tiers a request's data may go to, from its tenant's policy and its model's
 * policy (both must allow a tier). Handed to the router as the request's `tiers` hint, so a
 * replica of a disallowed tier is never picked, however loaded the allowed ones are.
 */
import type { ResidencySettings } from '../../core/config.js';
import { TIERS, type Tier } from '../../core/tiers.js';

export class Residency {
  private readonly cache = new Map<string, readonly Tier[] | undefined>();

  constructor(private readonly settings: ResidencySettings) {}

  /** Allowed tiers, or undefined when every tier is allowed (the common case, no filtering). */
  tiersFor(model: string, tenant: string | undefined): readonly Tier[] | undefined {
    const key = `${model}\u0000${tenant ?? ''}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const { policies, tenants, models, defaultPolicy } = this.settings;
    const tenantPolicy = (tenant === undefined ? undefined : tenants[tenant]) ?? defaultPolicy;
    const modelPolicy = models[model];
    let allowed: readonly Tier[] = policies[tenantPolicy] ?? TIERS;
    if (modelPolicy !== undefined) {
      const modelTiers = policies[modelPolicy] ?? TIERS;
      allowed = allowed.filter((t) => modelTiers.includes(t));
    }
    const result = allowed.length === TIERS.length ? undefined : Object.freeze([...allowed]);
    // Bounded: tenants come from a validated header, but a flood of new names must not grow memory forever.
    if (this.cache.size < 10_000) this.cache.set(key, result);
    return result;
  }
}
