/**
 * An SLO object: for one deployment (`model:version`) and latency class, a latency objective
 * (a share of requests answered under a threshold), an availability objective (a share not
 * answered with a 5xx), a window, and the actions to take when its error budget burns.
 */
import type { LatencyClass } from '../../core/contract.js';

export type SloAction = 'alert' | 'shed' | 'fallback' | 'freeze';
export const SLO_ACTIONS: readonly SloAction[] = ['alert', 'shed', 'fallback', 'freeze'];

export interface SloObjective {
  /** `model:version:latency_class`: one SLO per deployment and latency class. */
  readonly id: string;
  readonly model: string;
  readonly version: string;
  readonly latencyClass: LatencyClass;
  /** A request slower than this (seconds) is bad for the latency SLI. Use a histogram bucket bound so Prometheus agrees. */
  readonly latencyThresholdSeconds: number;
  /** Share of requests that must be under the threshold and not a 5xx, e.g. 0.99. */
  readonly latencyTarget: number;
  /** Share of requests that must not be a 5xx, e.g. 0.999. */
  readonly availabilityTarget: number;
  /** @default 28 days */
  readonly windowMs: number;
  readonly actions: readonly SloAction[];
  /** Where `alert` POSTs; the server's `slo.webhook_url` when absent. */
  readonly webhookUrl: string | undefined;
}

export const DEFAULT_SLO_WINDOW_MS = 28 * 24 * 3_600_000;

export function sloId(model: string, version: string, latencyClass: LatencyClass): string {
  return `${model}:${version}:${latencyClass}`;
}

/** The SLO as written in model.yaml and the admin API (snake_case). */
export interface RawSlo {
  latency_class?: LatencyClass;
  latency_threshold_ms?: number;
  latency_target?: number;
  availability_target?: number;
  window_days?: number;
  actions?: SloAction[];
  webhook_url?: string;
}

/** JSON Schema of one raw SLO (shared by model.yaml and the admin API). */
export const RAW_SLO_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    latency_class: { enum: ['realtime', 'throughput'] },
    // Why the bounds: under 0.1 ms is below what the histograms resolve; past 10 min is not serving.
    latency_threshold_ms: { type: 'number', minimum: 0.1, maximum: 600000 },
    latency_target: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    availability_target: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    // Why the cap: the longest burn window is 3 days; a ring past 90 days is memory for nothing.
    window_days: { type: 'number', minimum: 3, maximum: 90 },
    actions: { type: 'array', uniqueItems: true, maxItems: 4, items: { enum: ['alert', 'shed', 'fallback', 'freeze'] } },
    webhook_url: { type: 'string', pattern: '^https?://', maxLength: 2048 },
  },
} as const;

/** Raw (validated) -> compiled, with defaults: 99% under 50 ms, 99.9% available, 28 days, alert only. */
export function compileSlo(model: string, version: string, defaultClass: LatencyClass, raw: RawSlo): SloObjective {
  const latencyClass = raw.latency_class ?? defaultClass;
  return Object.freeze({
    id: sloId(model, version, latencyClass),
    model,
    version,
    latencyClass,
    latencyThresholdSeconds: (raw.latency_threshold_ms ?? 50) / 1000,
    latencyTarget: raw.latency_target ?? 0.99,
    availabilityTarget: raw.availability_target ?? 0.999,
    windowMs: raw.window_days === undefined ? DEFAULT_SLO_WINDOW_MS : raw.window_days * 24 * 3_600_000,
    actions: Object.freeze([...(raw.actions ?? ['alert'])]),
    webhookUrl: raw.webhook_url,
  });
}

/** Back to the raw form, for the admin API's answers. */
export function rawOfSlo(slo: SloObjective): Required<Omit<RawSlo, 'webhook_url'>> & { webhook_url?: string } {
  return {
    latency_class: slo.latencyClass,
    latency_threshold_ms: slo.latencyThresholdSeconds * 1000,
    latency_target: slo.latencyTarget,
    availability_target: slo.availabilityTarget,
    window_days: slo.windowMs / (24 * 3_600_000),
    actions: [...slo.actions],
    ...(slo.webhookUrl === undefined ? {} : { webhook_url: slo.webhookUrl }),
  };
}

/**
 * Whether Prometheus can count this SLO's good requests exactly: its threshold must be an `le`
 * bound of the request-duration histogram. Otherwise the in-process maths still hold, but a
 * rule over the histogram would have to use a neighbouring bound.
 */
export function thresholdIsBucketBound(slo: SloObjective, buckets: readonly number[]): boolean {
  return buckets.some((bound) => Math.abs(bound - slo.latencyThresholdSeconds) < 1e-12);
}
