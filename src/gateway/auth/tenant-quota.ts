/**
 * Tenant quotas on inference: a token bucket for `requests_per_second` (a burst of one second's
 * worth) and a count of requests in flight for `max_concurrent`. A request over either is refused
 * with 429 QUOTA_EXCEEDED and a Retry-After, before its body is read.
 */
import type { Clock } from '../../core/clock.js';
import { SwitchyardError } from '../../core/errors.js';
import type { TenantQuotas } from '../../registry/storage/rows.js';

interface TenantState {
  tokens: number;
  refilledAtMs: number;
  inFlight: number;
}

export class TenantQuotaGate {
  private readonly tenants = new Map<string, TenantState>();

  constructor(private readonly clock: Clock) {}

  /** Admits one request of `tenant` or throws QUOTA_EXCEEDED; call the returned function once when it is answered. */
  admit(tenant: string, quotas: TenantQuotas): () => void {
    const { requestsPerSecond: rate, maxConcurrent } = quotas;
    if (rate === undefined && maxConcurrent === undefined) return () => {};
    const now = this.clock.now();
    let state = this.tenants.get(tenant);
    if (!state) {
      state = { tokens: Math.max(rate ?? 0, 1), refilledAtMs: now, inFlight: 0 };
      this.tenants.set(tenant, state);
    }
    if (maxConcurrent !== undefined && state.inFlight >= maxConcurrent) {
      throw new SwitchyardError('QUOTA_EXCEEDED', `tenant '${tenant}' already has ${state.inFlight} requests in flight (quota max_concurrent ${maxConcurrent})`, { retryAfterSeconds: 1 });
    }
    if (rate !== undefined) {
      // Burst: at most one second's worth of requests at once.
      state.tokens = Math.min(Math.max(rate, 1), state.tokens + ((now - state.refilledAtMs) / 1000) * rate);
      state.refilledAtMs = now;
      if (state.tokens < 1) {
        throw new SwitchyardError('QUOTA_EXCEEDED', `tenant '${tenant}' is over its quota of ${rate} requests per second`, { retryAfterSeconds: Math.max(1, Math.ceil((1 - state.tokens) / rate)) });
      }
      state.tokens -= 1;
    }
    state.inFlight++;
    let released = false;
    const admitted = state;
    return () => {
      if (released) return;
      released = true;
      admitted.inFlight--;
    };
  }
}
