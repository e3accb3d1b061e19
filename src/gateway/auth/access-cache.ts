/**
 * Keys and tenants looked up per request, cached briefly so the inference path does not hit
 * the database every call. A revoke in this process drops the entry at once; one made
 * elsewhere (another gateway, the CLI) is seen within `ttlMs`.
 */
import type { Clock } from '../../core/clock.js';
import type { ApiKeyRow, TenantRow } from '../../registry/storage/rows.js';
import type { Storage } from '../../registry/storage/storage.js';

interface Entry<T> {
  readonly value: T | undefined;
  readonly expires: number;
}

/** Why 5 s: short enough for revocation elsewhere, long enough that hot keys cost no query. */
export const ACCESS_CACHE_TTL_MS = 5000;
const MAX_ENTRIES = 10_000;

export class AccessCache {
  private readonly keys = new Map<string, Entry<ApiKeyRow>>();
  private readonly tenants = new Map<string, Entry<TenantRow>>();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly ttlMs = ACCESS_CACHE_TTL_MS,
  ) {}

  key(id: string): Promise<ApiKeyRow | undefined> {
    return this.cached(this.keys, id, () => this.storage.getApiKey(id));
  }

  tenant(name: string): Promise<TenantRow | undefined> {
    return this.cached(this.tenants, name, () => this.storage.getTenant(name));
  }

  forgetKey(id: string): void {
    this.keys.delete(id);
  }

  forgetTenant(name: string): void {
    this.tenants.delete(name);
  }

  private async cached<T>(map: Map<string, Entry<T>>, name: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const now = this.clock.now();
    const hit = map.get(name);
    if (hit && hit.expires > now) return hit.value;
    const value = await load();
    // Unknown names are not cached: a flood of bad ids must not evict the good ones.
    if (value === undefined) return undefined;
    if (map.size >= MAX_ENTRIES) map.clear();
    map.set(name, { value, expires: now + this.ttlMs });
    return value;
  }
}
